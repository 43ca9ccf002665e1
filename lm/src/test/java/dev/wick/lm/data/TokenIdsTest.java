package dev.wick.lm.data;

import dev.wick.lm.TestTexts;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TokenIdsTest {
    @Test
    void idsRoundTripAtEveryWidthUpToItsLargestId() {
        long seed = TestTexts.freshSeed("idsRoundTripAtEveryWidthUpToItsLargestId");
        SplittableRandom r = new SplittableRandom(seed);
        for (int vocabulary : new int[]{1, 2, 255, 256, 257, 65_535, 65_536, 65_537, 1_114_112}) {
            int[] ids = new int[1 + r.nextInt(500)];
            for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(vocabulary);
            ids[0] = vocabulary - 1;
            TokenIds t = TokenIds.allocate(ids.length, vocabulary);
            for (int i = 0; i < ids.length; i++) t.set(i, ids[i]);
            assertEquals(ids.length, t.length());
            assertArrayEquals(ids, t.toIntArray(), "vocabulary " + vocabulary + ", seed " + seed);
        }
        assertEquals(1, TokenIds.bytesPerToken(256));
        assertEquals(2, TokenIds.bytesPerToken(257));
        assertEquals(2, TokenIds.bytesPerToken(65_536));
        assertEquals(4, TokenIds.bytesPerToken(65_537));
    }

    @Test
    void anIdTooLargeForTheStorageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> TokenIds.allocate(3, 256).set(0, 256));
        assertThrows(IllegalArgumentException.class, () -> TokenIds.allocate(3, 300).set(0, 65_536));
        assertThrows(IllegalArgumentException.class, () -> TokenIds.allocate(3, 300).set(0, -1));
    }
}
