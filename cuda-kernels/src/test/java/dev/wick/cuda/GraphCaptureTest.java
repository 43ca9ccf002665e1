package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.DeviceGraph;
import dev.wick.core.ops.BinaryOp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device graphs on the emulated device: a captured step replays bit for bit what the eager step
 * computes, with its per-step scalars read from device memory; what would wait for the device or
 * cross to the host inside a capture is refused with the capture discarded; the memory a capture
 * used is kept for its graph until it is closed.
 */
class GraphCaptureTest {

    /**
     * A small fixed-shape "training step": y = tanh(x W) summed into a loss-like scalar, the
     * gradient of a made-up objective, then Adam with device-side scalars. Inputs are written into
     * {@code x} before the step; the step writes {@code out}.
     */
    private static void step(Tensor x, Tensor w, Tensor m, Tensor v, Tensor adamScalars, Tensor out) {
        Engine e = x.engine();
        try (Scope scope = e.scope()) {
            Tensor y = x.matmul(w).tanh();
            Tensor grad = x.transpose(0, 1).matmul(y.mul(y).rsub(1.0)); // d/dW of sum(tanh(xW))
            Tensor clipped = grad.applyInPlace(BinaryOp.MUL, grad.squaredNorm().add(1.0).sqrt().applyScalarFirst(BinaryOp.DIV, 1.0));
            w.adamUpdateInPlace(clipped, m, v, adamScalars, 0.9, 0.999, 1e-8, 0.01);
            out.copyFromInPlace(y.sum().reshape(1));
        }
    }

    @Test
    void aReplayedStepComputesTheEagerStepsBits() {
        CudaAgainstCpu.assumeEmulator(GraphCaptureTest.class);
        long seed = new Random().nextLong();
        System.out.println("GraphCaptureTest seed " + seed);
        int rows = 7, inner = 13, cols = 5, steps = 4;
        Random r = new Random(seed);
        float[][] batches = new float[steps + 1][rows * inner];
        for (float[] b : batches) for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        float[] w0 = new float[inner * cols];
        for (int i = 0; i < w0.length; i++) w0[i] = (float) (0.3 * r.nextGaussian());

        float[][] eager = run(batches, w0, false, seed);
        float[][] graph = run(batches, w0, true, seed);
        for (int s = 0; s < eager.length; s++) {
            assertArrayEquals(eager[s], graph[s], "step " + s + " (seed " + seed + ")");
        }
    }

    /** Runs the steps eagerly, or the first eagerly and the rest as replays; returns out and W after each. */
    private static float[][] run(float[][] batches, float[] w0, boolean graphs, long seed) {
        EmulatedDevice device = new EmulatedDevice(true);
        try (Engine e = new Engine(new CudaBackend(device, 0));
             Tensor x = e.zeros(DType.FLOAT32, 7, 13);
             Tensor w = e.fromFloats(w0, 13, 5);
             Tensor m = e.zeros(DType.FLOAT32, 13, 5);
             Tensor v = e.zeros(DType.FLOAT32, 13, 5);
             Tensor scalars = e.zeros(DType.FLOAT64, 3);
             Tensor out = e.zeros(DType.FLOAT32, 1)) {
            float[][] seen = new float[batches.length][];
            DeviceGraph graph = null;
            long driverAllocationsAfterCapture = -1;
            for (int s = 0; s < batches.length; s++) {
                try (Tensor batch = e.fromFloats(batches[s], 7, 13)) {
                    x.copyFromInPlace(batch);
                }
                scalars.copyFromInPlace(Backend.adamScalars(0.05 / (s + 1), 0.9, 0.999, s + 1));
                if (!graphs || s == 0) {
                    step(x, w, m, v, scalars, out);
                } else {
                    if (graph == null) {
                        int before = device.launches.size();
                        graph = e.captureGraph(() -> step(x, w, m, v, scalars, out));
                        assertTrue(device.launches.size() > before + 5, "the capture recorded the step's kernels");
                    }
                    int launches = device.launches.size();
                    graph.replay();
                    assertEquals(launches, device.launches.size(), "a replay queues no launch of its own");
                }
                float[] outAndW = new float[1 + 13 * 5];
                outAndW[0] = out.toFloatArray()[0];
                System.arraycopy(w.toFloatArray(), 0, outAndW, 1, 13 * 5);
                seen[s] = outAndW;
                // The capture took cached blocks into the graph's pool, so the eager work between
                // replays refills the cache once; from the second replay on, nothing is allocated.
                if (s == 2) driverAllocationsAfterCapture = e.memoryStats().driverAllocations();
            }
            if (graphs) {
                assertEquals(batches.length - 1, device.graphReplays, "seed " + seed);
                assertEquals(driverAllocationsAfterCapture, e.memoryStats().driverAllocations(),
                        "steady replays (and the eager work between) allocate nothing from the driver");
                graph.close();
            }
            return seen;
        }
    }

    @Test
    void whatWaitsForTheDeviceIsRefusedInsideACaptureAndNothingIsLeftBehind() {
        CudaAgainstCpu.assumeEmulator(GraphCaptureTest.class);
        EmulatedDevice device = new EmulatedDevice(true);
        try (Engine e = new Engine(new CudaBackend(device, 0));
             Tensor x = e.fromFloats(new float[]{1, -2, 3}, 3);
             Tensor ids = e.zeros(DType.INT32, 3)) {
            long inUse = e.memoryStats().bytesInUse();
            Runnable[] refused = {
                () -> x.sum().item(),
                () -> e.fromFloats(new float[]{1}, 1),
                () -> e.backend().synchronize(),
                () -> Tensor.checkIndices(ids, 2), // written on the device, so the check would read it back
            };
            for (Runnable work : refused) {
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> e.captureGraph(() -> {
                    try (Scope scope = e.scope()) {
                        x.tanh();
                        work.run();
                    }
                }));
                assertTrue(thrown.getMessage().contains("inside a graph capture"), thrown.getMessage());
                assertFalse(device.capturing(), "the capture was ended");
                assertEquals(inUse, e.memoryStats().bytesInUse(), "the capture's memory was given back");
            }
            // The engine works eagerly afterwards, and the tensor holds what it held.
            assertArrayEquals(new float[]{2, -4, 6}, x.mul(2.0).toFloatArray());
            // Indices written from the host carry their range: checking them needs no device read, even captured.
            ids.copyFromInPlace(new int[]{0, 1, 1});
            e.captureGraph(() -> Tensor.checkIndices(ids, 2)).close();
            ids.copyFromInPlace(new int[]{0, 2, 1});
            assertThrows(IndexOutOfBoundsException.class, () -> Tensor.checkIndices(ids, 2));
        }
    }

    /**
     * End to end: tensors made eagerly between replays never share memory with the graph, neither
     * with its temporaries nor with a tensor made before the capture and closed inside it.
     */
    @Test
    void eagerTensorsMadeBetweenReplaysKeepTheirValues() {
        CudaAgainstCpu.assumeEmulator(GraphCaptureTest.class);
        int n = 1000;
        float[] values = new float[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) values[i] = (float) r.nextGaussian();
        try (Engine e = new Engine(new CudaBackend(new EmulatedDevice(true), 0));
             Tensor x = e.fromFloats(values, n);
             Tensor out = e.zeros(DType.FLOAT32, n)) {
            Tensor[] doomed = {e.zeros(DType.FLOAT32, n)};
            Runnable work = () -> {
                try (Scope scope = e.scope()) {
                    Tensor t = x.tanh();
                    Tensor u = t.mul(t);
                    doomed[0].copyFromInPlace(u);
                    out.copyFromInPlace(doomed[0].add(1.0));
                }
            };
            work.run(); // warm: the cache now holds the work's temporaries
            float[] expected = out.toFloatArray();
            DeviceGraph graph = e.captureGraph(() -> {
                work.run();
                doomed[0].close(); // made before the capture, its last use captured
            });
            Tensor[] kept = new Tensor[8];
            for (int i = 0; i < kept.length; i++) kept[i] = e.full(DType.FLOAT32, 7.0, n);
            out.zeroInPlace();
            graph.replay();
            graph.replay();
            assertArrayEquals(expected, out.toFloatArray(), "the replay computes what the eager work did");
            float[] sevens = new float[n];
            Arrays.fill(sevens, 7f);
            for (Tensor k : kept) assertArrayEquals(sevens, k.toFloatArray(), "an eager tensor made between replays");
            graph.close();
            for (Tensor k : kept) k.close();
        }
    }

    @Test
    void aCapturesMemoryIsKeptForItsGraphUntilTheGraphIsClosed() {
        DeviceAllocator allocator = new DeviceAllocator(new EmulatedDevice(false));
        DeviceAllocator.Block before = allocator.allocate(4096);
        allocator.release(before); // in the shared cache now
        DeviceAllocator.Block pre = allocator.allocate(2048);
        allocator.beginCapture();
        DeviceAllocator.Block a = allocator.allocate(4096); // taken from the cache into the graph's pool
        assertSame(before, a);
        allocator.release(a);
        DeviceAllocator.Block again = allocator.allocate(4096); // the same capture may reuse it
        assertSame(a, again);
        allocator.release(again);
        DeviceAllocator.Block held = allocator.allocate(1000);
        allocator.release(pre); // made before the capture, released in it: captured kernels may use it
        DeviceAllocator.GraphPool pool = allocator.endCapture();
        assertEquals(3, pool.blocks());
        assertNotSame(pre, allocator.allocate(2048), "a block released inside the capture stays the graph's");

        DeviceAllocator.Block eager = allocator.allocate(4096);
        assertNotSame(a, eager, "eager work between replays must not get the graph's memory");
        allocator.release(held); // released after the capture: still the graph's
        assertNotSame(held, allocator.allocate(1000));
        long inUse = allocator.stats().bytesInUse();
        allocator.closePool(pool);
        assertEquals(inUse - 4096 - 1024 - 2048, allocator.stats().bytesInUse(), "the pool's free blocks are no longer in use");
        assertSame(a, allocator.allocate(4096), "closed, the graph's memory is the cache's again");
        assertEquals(6, allocator.stats().driverAllocations());
        allocator.close();
    }

    @Test
    void theCpuHasNoGraphs() {
        try (Engine e = dev.wick.core.Wick.cpu(1)) {
            assertFalse(e.capturesGraphs());
            UnsupportedOperationException thrown = assertThrows(UnsupportedOperationException.class,
                    () -> e.captureGraph(() -> { }));
            assertTrue(thrown.getMessage().contains("no device graphs"), thrown.getMessage());
        }
    }
}
