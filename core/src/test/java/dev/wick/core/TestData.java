package dev.wick.core;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random inputs with a fresh seed per test run, and comparisons whose failure messages carry that
 * seed, so a failure can be replayed by pinning it.
 */
public final class TestData {
    private final long seed;
    private final Random random;

    private TestData(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** A new seed every call (time-based), unless -Dwick.test.seed pins one. */
    public static TestData fresh() {
        Long pinned = Long.getLong("wick.test.seed");
        return new TestData(pinned != null ? pinned : System.nanoTime() * 0x9E3779B97F4A7C15L);
    }

    public long seed() {
        return seed;
    }

    public Random random() {
        return random;
    }

    /** "seed=..." plus what was being checked; goes into every failure message. */
    public String context(String what) {
        return what + " (seed=" + seed + ", replay with -Dwick.test.seed=" + seed + ")";
    }

    /** Uniform values in [-scale, scale). */
    public double[] uniform(int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (2 * random.nextDouble() - 1) * scale;
        return v;
    }

    /** Values in [0, bound). */
    public int[] indices(int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = random.nextInt(bound);
        return v;
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** Values as a FLOAT32 tensor would hold them (rounded to float); FLOAT64 keeps them. */
    public static double[] rounded(DType dtype, double[] v) {
        if (dtype != DType.FLOAT32) return v.clone();
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (float) v[i];
        return r;
    }

    /** |expected - actual| <= abs + rel * |expected| element by element; NaN matches NaN only. */
    public void assertClose(double[] expected, double[] actual, double rel, double abs, String what) {
        if (expected.length != actual.length) {
            fail(context(what) + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isNaN(e) || Double.isNaN(a)) {
                if (Double.isNaN(e) && Double.isNaN(a)) continue;
                fail(context(what) + ": element " + i + " is " + a + ", expected " + e);
            }
            if (e == a) continue; // infinities of the same sign
            if (!(Math.abs(e - a) <= abs + rel * Math.abs(e))) {
                fail(context(what) + ": element " + i + " is " + a + ", expected " + e + " (difference "
                        + Math.abs(e - a) + ", allowed " + (abs + rel * Math.abs(e)) + ")");
            }
        }
    }

    /** Bit-for-bit equality (NaN equal to NaN). */
    public void assertSameBits(double[] expected, double[] actual, String what) {
        if (expected.length != actual.length) {
            fail(context(what) + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
                fail(context(what) + ": element " + i + " is " + actual[i] + ", expected exactly " + expected[i]);
            }
        }
    }
}
