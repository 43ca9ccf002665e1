package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU backend's caching allocator: reuse, statistics, misuse and concurrency. */
class CpuAllocatorTest {

    @Test
    void releasedArraysServeLaterRequestsOfTheirSizeClass() {
        try (CpuBackend backend = new CpuBackend(1)) {
            CpuBuffer a = (CpuBuffer) backend.allocate(DType.FLOAT32, 1000);
            Object array = a.array;
            backend.release(a);
            CpuBuffer b = (CpuBuffer) backend.allocate(DType.FLOAT32, 1000);
            assertSame(array, b.array, "same dtype and length reuse the array");
            backend.release(b);
            CpuBuffer c = (CpuBuffer) backend.allocate(DType.FLOAT32, 990);
            assertSame(array, c.array, "a slightly shorter request shares the size class");
            assertEquals(990, c.length(), "the buffer has the requested length, not the array's");
            CpuBuffer d = (CpuBuffer) backend.allocate(DType.FLOAT64, 1000);
            assertNotSame(array, d.array, "another dtype never shares");
            assertEquals(2, backend.memoryStats().driverAllocations(), "only the first float and the double array are new");
        }
    }

    @Test
    void sizeClassesWasteAtMostAnEighth() {
        for (int n : new int[]{0, 1, 16, 17, 100, 1000, 4097, 123_457, 1 << 20, (1 << 20) + 1, Integer.MAX_VALUE - 100}) {
            int c = CpuAllocator.capacityFor(n);
            assertTrue(c >= n && c - n <= n / 8 + 1, "capacity " + c + " for " + n);
        }
        assertEquals(CpuAllocator.capacityFor(1000), CpuAllocator.capacityFor(970), "nearby lengths share a class");
    }

    @Test
    void steadyStateLoopAllocatesNoNewArrays() {
        try (CpuBackend backend = new CpuBackend(2)) {
            List<Buffer> params = new ArrayList<>();
            for (int i = 0; i < 4; i++) params.add(backend.allocate(DType.FLOAT32, 5000 + i));
            long allocationsAfterWarmUp = -1;
            for (int step = 0; step < 20; step++) {
                List<Buffer> temporaries = new ArrayList<>();
                for (int i = 0; i < 10; i++) temporaries.add(backend.allocate(i % 2 == 0 ? DType.FLOAT32 : DType.FLOAT64, 777 * (i + 1)));
                temporaries.add(backend.allocate(DType.INT32, 64));
                for (Buffer t : temporaries) backend.release(t);
                if (step == 0) allocationsAfterWarmUp = backend.memoryStats().driverAllocations();
            }
            MemoryStats s = backend.memoryStats();
            assertEquals(allocationsAfterWarmUp, s.driverAllocations(), "no new arrays after the first step: " + s);
            assertEquals(0, s.driverFrees());
        }
    }

    @Test
    void statisticsCountBytesInUsePeakAndCached() {
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffer a = backend.allocate(DType.FLOAT64, 1024); // 8 KiB
            Buffer b = backend.allocate(DType.FLOAT32, 1024); // 4 KiB
            MemoryStats s = backend.memoryStats();
            assertEquals(12 * 1024, s.bytesInUse());
            assertEquals(12 * 1024, s.peakBytesInUse());
            assertEquals(0, s.bytesCached());
            backend.release(a);
            s = backend.memoryStats();
            assertEquals(4 * 1024, s.bytesInUse());
            assertEquals(12 * 1024, s.peakBytesInUse(), "the peak stays");
            assertEquals(8 * 1024, s.bytesCached());
            Buffer again = backend.allocate(DType.FLOAT64, 1024);
            assertEquals(0, backend.memoryStats().bytesCached());
            backend.release(again);
            backend.release(b);
            backend.trimCache();
            s = backend.memoryStats();
            assertEquals(0, s.bytesInUse());
            assertEquals(0, s.bytesCached());
            assertEquals(2, s.driverFrees(), "trimCache drops both cached arrays");
            backend.allocate(DType.FLOAT64, 1024);
            assertEquals(3, backend.memoryStats().driverAllocations(), "after a trim, a request allocates again");
        }
    }

    @Test
    void releasingAViewIsAnIllegalArgument() {
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffer b = backend.allocate(DType.FLOAT32, 10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.release(b.slice(2, 3)));
            assertTrue(e.getMessage().contains("view"), e.getMessage());
            assertEquals(40, backend.memoryStats().bytesInUse(), "nothing was released");
        }
    }

    @Test
    void releasingTwiceIsRefusedAndLeavesTheCacheIntact() {
        try (CpuBackend backend = new CpuBackend(1)) {
            CpuBuffer b = (CpuBuffer) backend.allocate(DType.FLOAT32, 100);
            backend.release(b);
            assertThrows(IllegalStateException.class, () -> backend.release(b));
            MemoryStats s = backend.memoryStats();
            assertEquals(0, s.bytesInUse());
            assertEquals(4L * CpuAllocator.capacityFor(100), s.bytesCached(), "cached once, not twice");
            CpuBuffer x = (CpuBuffer) backend.allocate(DType.FLOAT32, 100);
            CpuBuffer y = (CpuBuffer) backend.allocate(DType.FLOAT32, 100);
            assertNotSame(x.array, y.array, "two live buffers never share an array");
        }
    }

    /**
     * A released buffer and its views are refused by every kernel, as on CUDA: their array may
     * already serve another tensor, which a late write would silently corrupt.
     */
    @Test
    void aReleasedBufferAndItsViewsAreRefusedAndTheirArraysNewOwnerIsUntouched() {
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffer b = backend.allocate(DType.FLOAT32, 8);
            Buffer view = b.slice(2, 4);
            Buffer viewOfView = view.slice(1, 2);
            backend.release(b);
            CpuBuffer reuser = (CpuBuffer) backend.allocate(DType.FLOAT32, 8);
            assertSame(((CpuBuffer) b).array, reuser.array, "the cache hands the array on");
            backend.upload(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, 0, reuser, 8);
            for (Buffer dead : new Buffer[]{b, view, viewOfView}) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> backend.unary(UnaryOp.TANH, dead, dead, dead.length()));
                assertTrue(e.getMessage().contains("released"), e.getMessage());
                assertThrows(IllegalStateException.class, () -> backend.fill(dead, 0.0, dead.length()));
                assertThrows(IllegalStateException.class, () -> backend.download(dead, new float[8], 0, dead.length()));
            }
            float[] back = new float[8];
            backend.download(reuser, back, 0, 8);
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, back, "the new owner's values survive");
        }
    }

    @Test
    void buffersOfAnotherBackendAreRefused() {
        try (CpuBackend one = new CpuBackend(1); CpuBackend other = new CpuBackend(1)) {
            Buffer b = one.allocate(DType.FLOAT32, 4);
            assertThrows(IllegalArgumentException.class, () -> other.release(b));
        }
    }

    @Test
    void closedBackendRefusesAllocationsAndDropsReleases() {
        CpuBackend backend = new CpuBackend(2);
        Buffer b = backend.allocate(DType.FLOAT32, 8);
        backend.close();
        assertThrows(IllegalStateException.class, () -> backend.allocate(DType.FLOAT32, 8));
        backend.release(b);
        assertEquals(0, backend.memoryStats().bytesCached());
    }

    @Test
    void concurrentAllocateAndReleaseNeverHandOutOneArrayTwice() throws Exception {
        try (CpuBackend backend = new CpuBackend(1)) {
            int threads = 4, rounds = 2000;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int mark = t + 1;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        CpuBuffer b = (CpuBuffer) backend.allocate(DType.INT32, 64 + r % 3);
                        int[] a = b.i();
                        java.util.Arrays.fill(a, 0, b.length, mark);
                        Thread.yield();
                        for (int i = 0; i < b.length; i++) {
                            if (a[i] != mark) throw new AssertionError("array shared between two live buffers");
                        }
                        backend.release(b);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get(30, TimeUnit.SECONDS);
            pool.shutdown();
            MemoryStats s = backend.memoryStats();
            assertEquals(0, s.bytesInUse(), s.toString());
            // lengths 64, 65, 66 fall in two size classes
            assertTrue(s.driverAllocations() <= 2 * threads, "at most one array per thread and size class: " + s);
        }
    }
}
