package dev.wick.autograd;

import java.util.SplittableRandom;

/** Fresh random seeds per run, printed so a failing run can be replayed (set -Dwick.test.seed=N). */
public final class TestSeeds {
    private TestSeeds() {
    }

    public static long fresh(String test) {
        String fixed = System.getProperty("wick.test.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime() ^ Thread.currentThread().getId() * 31;
        System.out.println(test + ": seed=" + seed + " (replay with -Dwick.test.seed=" + seed + ")");
        return seed;
    }

    /** n indices in [0, bound), drawn so that repeats are frequent when {@code distinct} is small. */
    public static int[] indices(SplittableRandom r, int n, int bound, int distinct) {
        int[] pool = new int[Math.max(1, Math.min(distinct, bound))];
        for (int i = 0; i < pool.length; i++) pool[i] = r.nextInt(bound);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = pool[r.nextInt(pool.length)];
        return out;
    }
}
