package dev.wick.core.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The threads one CPU backend computes on: the calling thread plus {@code threads - 1} workers
 * owned by the backend. With one thread nothing is ever handed to another thread.
 *
 * <p>Work is split into contiguous ranges whose bounds depend only on the problem size and the
 * thread count, never on timing, and every kernel that reduces does so over a partition that does
 * not even depend on the thread count: results are the same run to run, whichever thread happens
 * to compute which range.
 *
 * <p>A recurrent layer hands out hundreds of small pieces of work per training step (a GEMM and a
 * cell kernel per timestep, tens of microseconds each), so the hand-off itself must cost far less
 * than that. Waking a parked thread can take longer than the piece of work (a futex wake, and on a
 * virtual machine an interrupt to an idle virtual CPU), so workers spin for {@link #SPIN_NANOS}
 * after each job, watching for the next, before they park; and the caller claims tasks from the
 * same counter as the workers, so a worker that is late to wake leaves its share to the caller
 * instead of holding it up.
 */
final class CpuWorkers implements AutoCloseable {
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
    /**
     * How long an idle worker watches for the next job before it parks: longer than the gaps
     * between a training step's kernels, short enough that an idle engine soon stops using a core.
     */
    static final long SPIN_NANOS = 200_000;
    /** A worker parked this long with no job ends; the next job starts a new one. */
    private static final long IDLE_EXIT_NANOS = 30_000_000_000L;

    private final int threads;
    private final int poolNumber = POOL_NUMBER.incrementAndGet();
    private int workersStarted;
    /** Started on the first job and after they end idle; guarded by {@link #submitting}. */
    private final Worker[] workers;
    /** One job at a time: a caller that finds the workers busy runs its tasks itself. */
    private final ReentrantLock submitting = new ReentrantLock();
    /** The job being handed out, or null; each job has a new generation. */
    private volatile Job current;
    private long generation;
    private volatile boolean closed;

    /** A piece of work over elements [from, to). */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    CpuWorkers(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
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
     * Runs body(t) for every t in [0, tasks), on the calling thread and the workers. Returns when
     * all have finished; rethrows the first failure (with the others attached as suppressed) only
     * then, so nothing still writes when the caller regains control. Called from a task, while
     * another thread's job holds the workers, or after {@link #close}, it runs every task on the
     * calling thread.
     */
    void forTasks(int tasks, IntConsumer body) {
        if (tasks <= 1 || workers.length == 0 || closed || isOwnWorker(Thread.currentThread())
                || submitting.isHeldByCurrentThread() || !submitting.tryLock()) {
            runInline(tasks, body);
            return;
        }
        Job job;
        try {
            startMissingWorkers();
            job = new Job(body, tasks, ++generation);
            current = job;
            // After publishing: a worker that parked before seeing the job is woken; one that is
            // about to park re-reads current after announcing it (see Worker.awaitJob). A worker
            // that misses the job altogether costs time, never a task: the caller claims the rest.
            for (Worker w : workers) {
                if (w.parked) LockSupport.unpark(w);
            }
            job.claimAndRun();
            job.awaitFinished();
            current = null;
        } finally {
            submitting.unlock();
        }
        job.rethrow();
    }

    private static void runInline(int tasks, IntConsumer body) {
        Throwable failure = null;
        for (int t = 0; t < tasks; t++) {
            try {
                body.accept(t);
            } catch (Throwable e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        Job.rethrow(failure);
    }

    private boolean isOwnWorker(Thread thread) {
        return thread instanceof Worker w && w.owner() == this;
    }

    private void startMissingWorkers() {
        for (int i = 0; i < workers.length; i++) {
            if (workers[i] == null || workers[i].ended) {
                workers[i] = new Worker("wick-cpu-" + poolNumber + "-worker-" + ++workersStarted);
                workers[i].start();
            }
        }
    }

    /** One forTasks call: its tasks are claimed one at a time by whoever comes first. */
    private static final class Job {
        final IntConsumer body;
        final int tasks;
        final long generation;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private Throwable failure;

        Job(IntConsumer body, int tasks, long generation) {
            this.body = body;
            this.tasks = tasks;
            this.generation = generation;
        }

        void claimAndRun() {
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                try {
                    body.accept(t);
                } catch (Throwable e) {
                    fail(e);
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        private synchronized void fail(Throwable e) {
            if (failure == null) failure = e;
            else failure.addSuppressed(e);
        }

        /** Waits for tasks claimed by workers: they are running, so spin, yielding after a while. */
        void awaitFinished() {
            long start = System.nanoTime();
            while (finished.get() < tasks) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else Thread.yield();
            }
        }

        synchronized void rethrow() {
            rethrow(failure);
        }

        static void rethrow(Throwable failure) {
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException(failure);
        }
    }

    /** A daemon thread that runs the tasks of each job it sees until the workers are closed. */
    private final class Worker extends Thread {
        /** Set before parking and cleared after, so that a caller knows to unpark it. */
        volatile boolean parked;
        /** Set when the thread is about to end (closed, or idle too long). */
        volatile boolean ended;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        CpuWorkers owner() {
            return CpuWorkers.this;
        }

        @Override
        public void run() {
            // Jobs published before this thread started are not its business.
            long seen = generation();
            for (Job job; (job = awaitJob(seen)) != null; ) {
                seen = job.generation;
                job.claimAndRun();
            }
            ended = true;
        }

        /**
         * The next job after generation {@code seen}, or null once closed or parked idle for
         * {@link #IDLE_EXIT_NANOS}: spins, then parks.
         */
        private Job awaitJob(long seen) {
            long spinStart = System.nanoTime();
            while (true) {
                if (closed) return null;
                Job job = current;
                if (job != null && job.generation != seen) return job;
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                // Re-read after announcing: a job published before the flag was visible is seen
                // here, and one published after it finds the flag and unparks this thread.
                job = current;
                if (!closed && (job == null || job.generation == seen)) {
                    long parkStart = System.nanoTime();
                    LockSupport.parkNanos(this, IDLE_EXIT_NANOS);
                    job = current;
                    if (System.nanoTime() - parkStart >= IDLE_EXIT_NANOS && (job == null || job.generation == seen)) {
                        // Marked ended before parked is cleared: the next caller starts a new one.
                        ended = true;
                        parked = false;
                        return null;
                    }
                }
                parked = false;
                spinStart = System.nanoTime();
            }
        }
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

    /** The generation of the last job published (a starting worker skips it). */
    private long generation() {
        Job job = current;
        return job == null ? 0 : job.generation;
    }

    @Override
    public void close() {
        closed = true;
        submitting.lock();
        try {
            for (Worker w : workers) {
                if (w != null) LockSupport.unpark(w);
            }
        } finally {
            submitting.unlock();
        }
    }
}
