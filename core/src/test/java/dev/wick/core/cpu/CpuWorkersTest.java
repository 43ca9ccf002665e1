package dev.wick.core.cpu;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The CPU backend's thread hand-off: every task runs exactly once whoever claims it, a failure
 * surfaces only after every task has finished, and nesting, concurrent callers and a closed pool
 * fall back to running on the calling thread.
 */
class CpuWorkersTest {

    @Test
    void everyTaskRunsExactlyOnceAcrossManyJobs() {
        try (CpuWorkers workers = new CpuWorkers(3)) {
            for (int job = 0; job < 2_000; job++) {
                int tasks = 1 + job % 7;
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                workers.forTasks(tasks, runs::incrementAndGet);
                for (int t = 0; t < tasks; t++) assertEquals(1, runs.get(t), "job " + job + ", task " + t);
            }
        }
    }

    @Test
    void workersTakePartWhenTheyAreAwake() {
        try (CpuWorkers workers = new CpuWorkers(2)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            // Each task takes 200 us: while the caller runs the first, an awake worker claims the
            // second. A pool whose workers never took part would still pass the other tests.
            for (int round = 0; round < 5_000 && seen.size() < 2; round++) {
                workers.forTasks(2, t -> {
                    seen.add(Thread.currentThread());
                    long until = System.nanoTime() + 200_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                });
            }
            assertEquals(2, seen.size(), "a worker never ran a task: " + seen);
        }
    }

    @Test
    void aFailureSurfacesAfterEveryTaskHasFinished() {
        try (CpuWorkers workers = new CpuWorkers(2)) {
            AtomicIntegerArray finished = new AtomicIntegerArray(5);
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> workers.forTasks(5, t -> {
                if (t == 0) throw boom;
                long until = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < until) Thread.onSpinWait();
                finished.set(t, 1);
            }));
            assertSame(boom, thrown);
            for (int t = 1; t < 5; t++) assertEquals(1, finished.get(t), "task " + t + " still running when forTasks returned");
        }
    }

    @Test
    void nestedCallsRunOnTheCallingThread() {
        try (CpuWorkers workers = new CpuWorkers(2)) {
            AtomicIntegerArray inner = new AtomicIntegerArray(4 * 3);
            workers.forTasks(4, outer -> {
                Thread caller = Thread.currentThread();
                workers.forTasks(3, t -> {
                    assertSame(caller, Thread.currentThread());
                    inner.incrementAndGet(outer * 3 + t);
                });
            });
            for (int i = 0; i < inner.length(); i++) assertEquals(1, inner.get(i), "inner task " + i);
        }
    }

    @Test
    void concurrentCallersEachGetEveryTaskRunOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try (CpuWorkers workers = new CpuWorkers(2)) {
            CountDownLatch start = new CountDownLatch(1);
            Future<?>[] done = new Future<?>[4];
            for (int c = 0; c < 4; c++) {
                done[c] = callers.submit(() -> {
                    start.await();
                    for (int job = 0; job < 300; job++) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(5);
                        workers.forTasks(5, runs::incrementAndGet);
                        for (int t = 0; t < 5; t++) assertEquals(1, runs.get(t));
                    }
                    return null;
                });
            }
            start.countDown();
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aClosedPoolRunsTasksOnTheCaller() {
        CpuWorkers workers = new CpuWorkers(3);
        workers.forTasks(3, t -> { });
        workers.close();
        Thread caller = Thread.currentThread();
        AtomicIntegerArray runs = new AtomicIntegerArray(3);
        workers.forTasks(3, t -> {
            assertSame(caller, Thread.currentThread());
            runs.incrementAndGet(t);
        });
        for (int t = 0; t < 3; t++) assertEquals(1, runs.get(t));
    }
}
