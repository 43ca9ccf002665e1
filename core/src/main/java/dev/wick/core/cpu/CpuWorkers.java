package dev.wick.core.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The threads one CPU backend computes on: the calling thread plus {@code threads - 1} pool
 * workers owned by the backend. With one thread nothing is ever handed to another thread.
 *
 * <p>Work is split into contiguous ranges whose bounds depend only on the problem size and the
 * thread count, never on timing, and every kernel that reduces does so over a partition that does
 * not even depend on the thread count: results are the same run to run.
 */
final class CpuWorkers implements AutoCloseable {
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final int threads;
    private final ForkJoinPool pool;

    /** A piece of work over elements [from, to). */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    CpuWorkers(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        if (threads == 1) {
            this.pool = null;
        } else {
            int poolNumber = POOL_NUMBER.incrementAndGet();
            AtomicInteger workerNumber = new AtomicInteger();
            this.pool = new ForkJoinPool(threads - 1, p -> {
                ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                t.setDaemon(true);
                t.setName("wick-cpu-" + poolNumber + "-worker-" + workerNumber.incrementAndGet());
                return t;
            }, null, false);
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over [0, n): in one call when n is below {@code 2 * minChunk} or there is
     * one thread, else in up to {@link #threads()} contiguous chunks of equal size.
     */
    void forRange(int n, int minChunk, Range body) {
        int chunks = chunkCount(n, minChunk);
        if (chunks <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        forTasks(chunks, t -> body.run(chunkStart(n, chunks, t), chunkStart(n, chunks, t + 1)));
    }

    /** How many chunks {@link #forRange} splits n elements into. */
    int chunkCount(int n, int minChunk) {
        if (threads == 1 || n < 2L * minChunk) return 1;
        return (int) Math.min(threads, n / Math.max(1, minChunk));
    }

    /** Start of chunk {@code t} of {@code chunks} equal chunks of [0, n). */
    static int chunkStart(int n, int chunks, int t) {
        return (int) ((long) n * t / chunks);
    }

    /**
     * Runs body(t) for every t in [0, tasks): task 0 on the calling thread, the others on the
     * pool. Returns when all have finished; rethrows the first failure (with the others attached
     * as suppressed) only then, so nothing still writes when the caller regains control.
     */
    void forTasks(int tasks, IntConsumer body) {
        if (tasks <= 1 || pool == null) {
            for (int t = 0; t < tasks; t++) body.accept(t);
            return;
        }
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[tasks - 1];
        for (int t = 1; t < tasks; t++) {
            int task = t;
            forked[t - 1] = pool.submit(() -> body.accept(task));
        }
        Throwable failure = null;
        try {
            body.accept(0);
        } catch (Throwable e) {
            failure = e;
        }
        for (ForkJoinTask<?> f : forked) {
            try {
                f.join();
            } catch (Throwable e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    /** A sum over elements [from, to) of some array. */
    @FunctionalInterface
    interface BlockSum {
        double sum(int from, int to);
    }

    /**
     * Elements per block of a deterministic reduction. A sum over n elements is the sum, in block
     * order, of the sums of the blocks [0, B), [B, 2B), ...: the same bits whatever the thread
     * count, since threads only decide who computes which block.
     */
    static final int REDUCTION_BLOCK = 1 << 12;

    /** Blocks per task below which a reduction stays on the calling thread. */
    private static final int MIN_BLOCKS_PER_TASK = 16;

    /** The sum over [0, n) in fixed blocks of {@link #REDUCTION_BLOCK}, combined in block order. */
    double sumOfBlocks(int n, BlockSum blockSum) {
        int blocks = (int) (((long) n + REDUCTION_BLOCK - 1) / REDUCTION_BLOCK);
        int chunks = chunkCount(blocks, MIN_BLOCKS_PER_TASK);
        if (chunks <= 1) {
            double total = 0;
            for (int b = 0; b < blocks; b++) total += blockSum.sum(blockStart(b, n), blockStart(b + 1, n));
            return total;
        }
        double[] partial = new double[blocks];
        forTasks(chunks, t -> {
            for (int b = chunkStart(blocks, chunks, t), end = chunkStart(blocks, chunks, t + 1); b < end; b++) {
                partial[b] = blockSum.sum(blockStart(b, n), blockStart(b + 1, n));
            }
        });
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }

    private static int blockStart(int block, int n) {
        return (int) Math.min(n, (long) block * REDUCTION_BLOCK);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
