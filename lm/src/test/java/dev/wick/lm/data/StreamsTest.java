package dev.wick.lm.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StreamsTest {
    private static int[] iota(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    @Test
    void streamsAreContiguousRunsAndChunksAreTimeMajor() {
        // 23 tokens in 3 streams of 7 (2 left over): starts 0, 7, 14.
        Streams s = new Streams(iota(23), 0, 23, 3);
        assertEquals(7, s.streamLength());
        assertArrayEquals(new int[]{0, 7, 14}, s.offsets());
        Streams.Chunk c = s.chunk(2, 3);
        assertArrayEquals(new int[]{2, 9, 16, 3, 10, 17, 4, 11, 18}, c.inputs());
        assertArrayEquals(new int[]{3, 10, 17, 4, 11, 18, 5, 12, 19}, c.targets());
        assertEquals(3, c.steps());
        assertEquals(3, c.streams());
    }

    @Test
    void aSubrangeIsLaidOutFromItsStart() {
        Streams s = new Streams(iota(30), 20, 30, 2);
        assertEquals(5, s.streamLength());
        assertArrayEquals(new int[]{20, 25, 21, 26}, s.chunk(0, 2).inputs());
        assertArrayEquals(new int[]{24, 29}, s.chunk(3, 1).targets());
    }

    @Test
    void evaluationChunksCoverEveryTargetOnce() {
        Streams s = new Streams(iota(40), 0, 40, 4); // streams of 10: 9 targets each
        assertEquals(3, s.allChunks(4)); // 4 + 4 + 1
        assertEquals(4, s.stepsAt(0, 4));
        assertEquals(1, s.stepsAt(8, 4));
        assertThrows(IllegalArgumentException.class, () -> s.stepsAt(9, 4));
    }

    @Test
    void refusesChunksThatDoNotFitAndTooFewTokens() {
        Streams s = new Streams(iota(20), 0, 20, 2);
        assertThrows(IllegalArgumentException.class, () -> s.chunk(5, 5));
        assertThrows(IllegalArgumentException.class, () -> s.chunk(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> new Streams(iota(5), 0, 5, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> new Streams(iota(5), 0, 6, 1));
    }
}
