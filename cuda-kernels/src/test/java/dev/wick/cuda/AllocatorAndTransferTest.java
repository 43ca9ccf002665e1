package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.cpu.CpuBackend;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caching allocator, the staged transfers and the misuse checks, on an emulated device. */
class AllocatorAndTransferTest {

    @Test
    void sizeClassesWasteAtMostAQuarter() {
        assertEquals(512, DeviceAllocator.sizeClass(1));
        assertEquals(512, DeviceAllocator.sizeClass(512));
        assertEquals(640, DeviceAllocator.sizeClass(513));
        assertEquals(1024, DeviceAllocator.sizeClass(1000));
        assertEquals(1280, DeviceAllocator.sizeClass(1025));
        assertEquals(5120, DeviceAllocator.sizeClass(5000));
        assertEquals((1 << 20) + (1 << 18), DeviceAllocator.sizeClass((1 << 20) + 1));
        Random r = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long bytes = 1 + (r.nextLong() >>> 20);
            long c = DeviceAllocator.sizeClass(bytes);
            assertTrue(c >= bytes && (c <= 512 || c < bytes * 1.25 + 1), bytes + " -> " + c);
        }
    }

    @Test
    void releasedBlocksAreReusedAndCounted() {
        EmulatedDevice device = new EmulatedDevice(false);
        try (CudaBackend b = new CudaBackend(device, 0)) {
            Buffer x = b.allocate(DType.FLOAT32, 1000);
            Buffer y = b.allocate(DType.FLOAT64, 10);
            MemoryStats s = b.memoryStats();
            assertEquals(4096 + 512, s.bytesInUse());
            assertEquals(2, s.driverAllocations());
            b.release(x);
            assertThrows(IllegalStateException.class, () -> b.release(x));
            Buffer again = b.allocate(DType.INT32, 1000); // same class: from the cache
            assertEquals(2, b.memoryStats().driverAllocations());
            b.release(again);
            b.release(y);
            s = b.memoryStats();
            assertEquals(0, s.bytesInUse());
            assertEquals(4096 + 512, s.bytesCached());
            assertEquals(4096 + 512, s.peakBytesInUse());
            b.trimCache();
            assertEquals(0, b.memoryStats().bytesCached());
            assertEquals(2, b.memoryStats().driverFrees());
            assertEquals(0, device.liveAllocations());
            Buffer empty = b.allocate(DType.FLOAT32, 0);
            b.release(empty);
            assertThrows(IllegalArgumentException.class, () -> b.release(b.allocate(DType.FLOAT32, 4).slice(1, 2)));
        }
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetries() {
        EmulatedDevice device = new EmulatedDevice(false) {
            private long live;

            @Override
            public DeviceMemory allocate(long bytes) {
                if (live + bytes > 8192) throw new CudaException("CUDA_ERROR_OUT_OF_MEMORY", "cuMemAlloc(" + bytes + ")");
                live += bytes;
                return super.allocate(bytes);
            }

            @Override
            public void free(DeviceMemory memory) {
                live -= memory.bytes();
                super.free(memory);
            }
        };
        try (CudaBackend b = new CudaBackend(device, 0)) {
            b.release(b.allocate(DType.FLOAT32, 1500)); // 6144 bytes, cached
            Buffer big = b.allocate(DType.FLOAT32, 1800); // 7168 bytes: fits only once the cache is emptied
            assertEquals(1, b.memoryStats().driverFrees());
            CudaException e = assertThrows(CudaException.class, () -> b.allocate(DType.FLOAT32, 1000));
            assertEquals("CUDA_ERROR_OUT_OF_MEMORY", e.result());
            b.release(big);
        }
    }

    @Test
    void closingFreesEverythingAndRefusesFurtherUse() {
        EmulatedDevice device = new EmulatedDevice(false);
        CudaBackend b = new CudaBackend(device, 0);
        Buffer kept = b.allocate(DType.FLOAT32, 100);
        b.release(b.allocate(DType.FLOAT32, 5000));
        b.close();
        assertEquals(0, device.liveAllocations());
        assertTrue(device.closed);
        assertThrows(IllegalStateException.class, () -> b.allocate(DType.FLOAT32, 1));
        assertThrows(IllegalStateException.class, () -> b.upload(new float[1], 0, kept, 1));
        b.release(kept); // after close, releasing is a no-op (as with a closed engine's tensors)
        b.close();
    }

    @Test
    void transfersRoundTripThroughSlicesAndInChunks() {
        EmulatedDevice device = new EmulatedDevice(false);
        try (CudaBackend b = new CudaBackend(device, 0)) {
            Random r = new Random(7);
            int n = 5_000_000; // 20 MB of floats: two staging chunks
            float[] f = new float[n];
            for (int i = 0; i < n; i++) f[i] = r.nextFloat();
            Buffer fb = b.allocate(DType.FLOAT32, n);
            b.upload(f, 0, fb, n);
            float[] back = new float[n];
            b.download(fb, back, 0, n);
            assertArrayEquals(f, back);
            assertEquals(1, device.hostAllocations, "the staging buffer grows once, to its maximum");

            double[] d = {1, 2, 3, 4, 5, 6, 7};
            Buffer db = b.allocate(DType.FLOAT64, 10);
            double[] minusOnes = new double[10];
            java.util.Arrays.fill(minusOnes, -1);
            b.upload(minusOnes, 0, db, 10); // (a FLOAT64 fill is a kernel, which this device does not run)
            b.upload(d, 2, db.slice(4, 5), 5);
            double[] dback = new double[12];
            b.download(db, dback, 1, 10);
            assertArrayEquals(new double[]{0, -1, -1, -1, -1, 3, 4, 5, 6, 7, -1, 0}, dback);

            int[] ints = {9, 8, 7};
            Buffer ib = b.allocate(DType.INT32, 3);
            b.upload(ints, 0, ib, 3);
            int[] iback = new int[1];
            b.download(ib.slice(2, 1), iback, 0, 1);
            assertEquals(7, iback[0]);
            Buffer copy = b.allocate(DType.INT32, 3);
            b.copy(ib, copy, 3);
            int[] all = new int[3];
            b.download(copy, all, 0, 3);
            assertArrayEquals(ints, all);
        }
    }

    @Test
    void misuseIsRefusedWithTheDocumentedExceptions() {
        try (CudaBackend b = new CudaBackend(new EmulatedDevice(false), 0);
             CudaBackend other = new CudaBackend(new EmulatedDevice(false), 0);
             CpuBackend cpu = new CpuBackend(1)) {
            Buffer f = b.allocate(DType.FLOAT32, 4);
            assertThrows(IllegalArgumentException.class, () -> b.upload(new double[4], 0, f, 4));
            assertThrows(IllegalArgumentException.class, () -> b.upload(new float[8], 0, f, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> b.upload(new float[4], 2, f, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> f.slice(2, 3));
            assertThrows(IllegalArgumentException.class, () -> b.unary(UnaryOp.TANH, other.allocate(DType.FLOAT32, 4), f, 4));
            assertThrows(IllegalArgumentException.class, () -> b.unary(UnaryOp.TANH, cpu.allocate(DType.FLOAT32, 4), f, 4));
            assertThrows(IllegalArgumentException.class, () -> b.unary(UnaryOp.TANH, b.allocate(DType.INT32, 4), f, 4));
            assertThrows(IllegalArgumentException.class, () -> b.unary(UnaryOp.TANH, f, b.allocate(DType.FLOAT64, 4), 4));
        }
    }
}
