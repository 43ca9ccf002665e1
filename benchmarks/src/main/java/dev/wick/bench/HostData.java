package dev.wick.bench;

import java.util.SplittableRandom;

/** Inputs made on the host from a seed, so that every library gets exactly the same numbers. */
public final class HostData {
    private HostData() {
    }

    public static float[] uniform(long seed, int count, double low, double high) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) (low + (high - low) * r.nextDouble());
        return out;
    }

    public static float[] normal(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed); // its nextGaussian is fast enough for 67M values
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) r.nextGaussian();
        return out;
    }

    /** {@code count} indices in [0, bound), drawn uniformly from {@code distinct} rows chosen at random. */
    public static int[] indices(long seed, int count, int bound, int distinct) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] rows = new int[bound];
        for (int i = 0; i < bound; i++) rows[i] = i;
        for (int i = 0; i < distinct; i++) { // partial Fisher-Yates: rows[0, distinct) is a random subset
            int j = i + r.nextInt(bound - i);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = rows[r.nextInt(distinct)];
        return out;
    }
}
