package dev.wick.bench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark parameters mean what they say, and bad ones are refused clearly. */
class InputsTest {
    private final long seed = System.nanoTime();

    @Test
    void indicesComeFromExactlyTheAskedNumberOfRows() {
        int[] idx = HostData.indices(seed, 2048, 50_000, 100);
        assertEquals(100, Arrays.stream(idx).distinct().count(), "seed " + seed);
        assertTrue(Arrays.stream(idx).allMatch(i -> i >= 0 && i < 50_000), "seed " + seed);
        assertArrayEquals(idx, HostData.indices(seed, 2048, 50_000, 100), "same seed, same indices");
    }

    @Test
    void embeddingCasesParse() {
        EmbeddingProblem p = EmbeddingProblem.parse("65x128/2048/all", seed);
        assertEquals(65, p.rows());
        assertEquals(128, p.dim());
        assertEquals(2048, p.indices().length);
        assertEquals(2048 * 128, p.upstream().length);
        assertThrows(IllegalArgumentException.class, () -> EmbeddingProblem.parse("65x128/2048", seed));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingProblem.parse("65x128/2048/100", seed));
        assertTrue(e.getMessage().contains("100 distinct rows out of 65"), e.getMessage());
    }

    @Test
    void sizesParse() {
        assertArrayEquals(new int[]{2048, 512, 65}, Dims.parse("2048x512x65", 3));
        assertThrows(IllegalArgumentException.class, () -> Dims.parse("2048x512", 3));
        assertThrows(IllegalArgumentException.class, () -> Dims.parse("0x5", 2));
    }

    @Test
    void medianIsTheMiddle() {
        assertEquals(2.0, Compare.median(new double[]{5, 1, 2}));
        assertEquals(2.5, Compare.median(new double[]{4, 1, 3, 2}));
        assertEquals("1,235", Compare.format(1234.6));
        assertEquals("0.0123", Compare.format(0.01234));
    }
}
