package dev.wick.core.conformance;

import java.util.SplittableRandom;

/** Random inputs for the checks; every floating value is representable in float32. */
final class Inputs {
    private final SplittableRandom random;

    Inputs(long seed) {
        this.random = new SplittableRandom(seed);
    }

    long nextLong() {
        return random.nextLong();
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** One float-representable value in [low, high). */
    double value(double low, double high) {
        return (float) (low + (high - low) * random.nextDouble());
    }

    double[] uniform(int n, double low, double high) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = value(low, high);
        return v;
    }

    /** Normal(0, std), rounded to float. */
    double[] normal(int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (float) (std * gaussian());
        return v;
    }

    /** Indices in [0, bound) where a handful of rows take nine draws in ten (embedding-like). */
    int[] duplicateHeavy(int count, int bound) {
        int hot = Math.min(bound, 5);
        int[] hotRows = new int[hot];
        for (int i = 0; i < hot; i++) hotRows[i] = random.nextInt(bound);
        int[] v = new int[count];
        for (int i = 0; i < count; i++) {
            v[i] = random.nextInt(10) < 9 ? hotRows[random.nextInt(hot)] : random.nextInt(bound);
        }
        return v;
    }

    /** {@code count} distinct indices in [0, bound), in random order. */
    int[] distinct(int count, int bound) {
        int[] all = new int[bound];
        for (int i = 0; i < bound; i++) all[i] = i;
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(bound - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return java.util.Arrays.copyOf(all, count);
    }

    int[] uniformInts(int count, int bound) {
        int[] v = new int[count];
        for (int i = 0; i < count; i++) v[i] = random.nextInt(bound);
        return v;
    }

    private double gaussian() {
        double u1 = 1.0 - random.nextDouble(); // (0, 1]
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
