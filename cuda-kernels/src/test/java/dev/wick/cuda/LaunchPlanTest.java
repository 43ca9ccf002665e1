package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.Shape;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.ScatterMode;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the backend asks the device to run, without running it (an {@link EmulatedDevice} with no
 * emulator only records launches): every kernel is reachable and every launch's arguments match the
 * kernel's PTX parameters (the backend checks that before each launch), grids stay within the
 * hardware limits at sizes beyond them, and the bitonic sort's schedule sorts.
 */
class LaunchPlanTest {

    private static CudaBackend recording(EmulatedDevice device) {
        return new CudaBackend(device, 0);
    }

    private static void everyPrimitive(CudaBackend b, DType t) {
        int n = 300, v = 17, d = 9;
        Buffer x = b.allocate(t, n), y = b.allocate(t, n), z = b.allocate(t, n), w = b.allocate(t, n);
        Buffer one = b.allocate(t, 1);
        Buffer idx = b.allocate(DType.INT32, n);
        b.fill(idx, 3, n);
        Buffer table = b.allocate(t, v * d), rows = b.allocate(t, n * d);
        b.fill(x, 1.5, n);
        b.uniform(x, n, 1, -1, 1);
        b.uniform(x, n, idx, new long[]{5, 7}, -1, 1);
        b.normal(x, n, 2, 0, 1);
        b.copy(x, y, n);
        b.convert(x, b.allocate(t == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32, n), n);
        b.firstIndexOutOfRange(idx, n, v, 0);
        b.gather(table, idx, rows, n, d);
        b.scatterAdd(table, idx, rows, n, d, -1, ScatterMode.ATOMIC);
        b.scatterAdd(table, idx, rows, n, d, 4, ScatterMode.DETERMINISTIC);
        b.gemm(false, false, 10, 30, 10, 1, x, y, 0, z);
        b.gemm(false, true, 10, 30, 10, 1, x, y, 0.5, z);
        b.gemm(true, false, 10, 30, 10, 1, x, y, 0.5, z);
        b.gemm(true, true, 10, 30, 10, 1, x, y, 0.5, z);
        b.tanhBackward(y, x, z, n, true);
        recurrentCells(b, x, y, z, w);
        b.softmaxCrossEntropy(x, idx, 30, 10, -100, one, y);
        b.axpy(2, x, z, n);
        b.squaredNorm(x, one, n);
        opFamilies(b, t, x, y, z);
        b.sgdUpdate(x, y, null, n, 0.1, 0, 0);
        b.sgdUpdate(x, y, z, n, 0.1, 0.9, 0);
        b.adamUpdate(x, y, z, w, n, 0.1, 0.9, 0.999, 1e-8, 0, 3);
        Buffer sparseRows = b.allocate(DType.INT32, n), nnz = b.allocate(DType.INT32, 1), values = b.allocate(t, n * d);
        b.coalesceRows(idx, rows, n, d, 4, sparseRows, values, nnz);
        Buffer m = b.allocate(t, v * d), second = b.allocate(t, v * d);
        b.sparseSgdUpdate(table, sparseRows, values, n, d, 0.1, 0.01);
        b.sparseAdamUpdate(table, sparseRows, values, m, second, n, d, 0.1, 0.9, 0.999, 1e-8, 3);
    }

    /**
     * The LSTM and GRU timesteps at batch 7, hidden 10: gates in y, states in slices of x; and two
     * timesteps of the tanh RNN's recurrence and one of the LSTM's and the GRU's, which the emulated
     * device runs as persistent kernels.
     */
    private static void recurrentCells(CudaBackend b, Buffer x, Buffer y, Buffer z, Buffer w) {
        int batch = 7, hidden = 10, units = batch * hidden;
        Buffer s0 = x.slice(0, units), s1 = x.slice(units, units), s2 = x.slice(2 * units, units);
        Buffer s3 = x.slice(3 * units, units);
        b.lstmCellForward(y, s0, s1, s2, batch, hidden);
        b.lstmCellBackward(y, s0, s1, s2, s3, y, batch, hidden);
        b.gruCellForward(y, z, s0, s1, batch, hidden);
        b.gruCellBackward(y, z, s0, s1, y, w, s2, batch, hidden);
        Buffer sequence = x.slice(0, 2 * units), weight = w.slice(0, hidden * hidden);
        b.rnnTanhSequenceForward(sequence, weight, s2, 2, batch, hidden);
        b.rnnTanhSequenceBackward(sequence, weight, z.slice(0, 2 * units), 2, batch, hidden);
        Buffer gatesWeight = b.allocate(x.dtype(), 4 * hidden * hidden);
        b.lstmSequenceForward(y, gatesWeight, s0, false, s1, s2, s3, 1, batch, hidden);
        b.lstmSequenceBackward(y, gatesWeight, s1, s2, s3, s0, y, 1, batch, hidden);
        b.gruSequenceForward(y, z, gatesWeight, s0, false, s1, 1, batch, hidden);
        b.gruSequenceBackward(y, z, gatesWeight, s0, s1, s2, y, w, s3, 1, batch, hidden);
    }

    /** Every entry of the op table through its family, in both launch shapes where there are two. */
    private static void opFamilies(CudaBackend b, DType t, Buffer x, Buffer y, Buffer z) {
        int n = x.length();
        for (UnaryOp op : UnaryOp.values()) b.unary(op, x, y, n);
        Strides same = Strides.broadcast(Shape.of(n), Shape.of(n));
        Strides bias = Strides.broadcast(Shape.of(30, 10), Shape.of(10));
        for (BinaryOp op : BinaryOp.values()) {
            b.binary(op, x, y, z, same);
            b.binary(op, x, y, z, bias);
            b.binaryScalar(op, x, 2, false, z, n);
            b.binaryScalar(op, x, 2, true, z, n);
        }
        Buffer positions = b.allocate(DType.INT32, n);
        for (ReduceOp op : ReduceOp.values()) {
            Buffer out = op.indexResult() ? positions : z;
            b.reduce(op, x, out, 30, 10, 1);
            b.reduce(op, x, out, 3, 10, 10);
        }
        Strides transpose = Strides.of(new int[]{10, 30}, new int[]{1, 10}, new int[]{30, 1});
        for (DType c : new DType[]{t, DType.INT32}) b.copyStrided(b.allocate(c, n), b.allocate(c, n), transpose);
    }

    @Test
    void everyKernelIsLaunchedWithArgumentsMatchingItsPtxParameters() {
        EmulatedDevice device = new EmulatedDevice(false);
        try (CudaBackend b = recording(device)) {
            everyPrimitive(b, DType.FLOAT32);
            everyPrimitive(b, DType.FLOAT64);
        }
        Set<String> launched = device.launches.stream().map(Launch::kernel).collect(Collectors.toCollection(TreeSet::new));
        Set<String> all = PtxModules.get().modules().stream().flatMap(m -> m.kernels().keySet().stream())
                .collect(Collectors.toCollection(TreeSet::new));
        all.remove("wick_bitonic_merge_global"); // only for more than 2 * 2048 keys: see the sort test
        all.remove("wick_bitonic_merge_tile");
        assertEquals(all, launched);
    }

    /** An empty batch or hidden size launches nothing; short, integer or badly sized operands are refused first. */
    @Test
    void recurrentCellsCheckTheirOperandsBeforeLaunch() {
        EmulatedDevice device = new EmulatedDevice(false);
        try (CudaBackend b = recording(device)) {
            Buffer gates = b.allocate(DType.FLOAT32, 4 * 6), state = b.allocate(DType.FLOAT32, 6);
            Buffer ints = b.allocate(DType.INT32, 6);
            b.lstmCellForward(gates, state, state, state, 0, 5);
            b.gruCellBackward(gates, gates, state, state, gates, gates, state, 3, 0);
            assertTrue(device.launches.isEmpty(), device.launches::toString);
            List<Runnable> refused = List.of(
                    () -> b.lstmCellForward(gates, state, state, state, 2, 4),          // gates hold 4 x 6, need 4 x 8
                    () -> b.lstmCellBackward(gates, state, state, ints, state, gates, 2, 3),
                    () -> b.gruCellForward(gates, gates, state, state, -1, 3),
                    () -> b.gruCellForward(gates, gates, state, state, 1 << 20, 1 << 12), // 2^32 units
                    () -> b.gruCellBackward(ints, gates, state, state, gates, gates, state, 2, 3));
            for (Runnable call : refused) {
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, call::run);
            }
            assertTrue(device.launches.isEmpty(), device.launches::toString);
        }
    }

    @Test
    void argumentsThatDoNotMatchThePtxAreRefusedBeforeLaunch() {
        PtxModules ptx = PtxModules.get();
        KernelArgs wrong = new KernelArgs().i32(1).i32(2).i32(3).f64(1.0).ptr(null, 0).ptr(null, 0).f32(0).ptr(null, 0);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ptx.checkArguments("wick_gemm_nn_f32", wrong));
        assertTrue(e.getMessage().contains("wick_gemm_nn_f32"), e.getMessage());
        KernelArgs tooFew = new KernelArgs().ptr(null, 0).ptr(null, 0);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ptx.checkArguments("wick_unary_tanh_f32", tooFew));
    }

    @Test
    void gridsStayWithinTheHardwareLimitsBeyondThem() {
        EmulatedDevice device = new EmulatedDevice(false);
        try (CudaBackend b = recording(device)) {
            int m = 65_535 * 64 + 100; // more row tiles than a grid's y dimension holds
            Buffer a = b.allocate(DType.FLOAT32, m), bb = b.allocate(DType.FLOAT32, 1), c = b.allocate(DType.FLOAT32, m);
            b.gemm(false, false, m, 1, 1, 1, a, bb, 0, c);
            Launch gemm = device.launches.get(device.launches.size() - 1);
            assertEquals(65_535, gemm.gridY());
            assertEquals(1, gemm.gridX());
            int count = 70_000;
            Buffer idx = b.allocate(DType.INT32, count), out = b.allocate(DType.FLOAT32, count);
            b.fill(idx, 0, count);
            b.gather(bb, idx, out, count, 1);
            Launch gather = device.launches.get(device.launches.size() - 1);
            assertEquals(CudaBackend.MAX_ROW_BLOCKS, gather.gridX());
            assertEquals(32, gather.blockX());
        }
    }

    /** The bitonic network as defined (pairs i, i + j with bit j of i clear), for one launch. */
    private static void apply(Launch l, long[] keys) {
        int n = keys.length;
        KernelArgs a = l.args();
        switch (l.kernel()) {
            case "wick_bitonic_sort_tile" -> {
                int tile = Math.min(n, CudaBackend.SORT_TILE);
                assertEquals(n / tile, l.gridX());
                for (int base = 0; base < n; base += tile)
                    for (int k = 2; k <= tile; k <<= 1)
                        for (int j = k >> 1; j > 0; j >>= 1)
                            for (int i = base; i < base + tile; i++)
                                if ((i & j) == 0) exchange(keys, i, i + j, (i & k) == 0);
            }
            case "wick_bitonic_merge_global" -> {
                int j = (Integer) a.value(2), k = (Integer) a.value(3);
                assertTrue(j >= CudaBackend.SORT_TILE && j < k, "global step j=" + j + " k=" + k);
                for (int i = 0; i < n; i++) if ((i & j) == 0) exchange(keys, i, i + j, (i & k) == 0);
            }
            case "wick_bitonic_merge_tile" -> {
                int k = (Integer) a.value(2);
                assertEquals(n / CudaBackend.SORT_TILE, l.gridX());
                for (int base = 0; base < n; base += CudaBackend.SORT_TILE)
                    for (int j = CudaBackend.SORT_TILE / 2; j > 0; j >>= 1)
                        for (int i = base; i < base + CudaBackend.SORT_TILE; i++)
                            if ((i & j) == 0) exchange(keys, i, i + j, (i & k) == 0);
            }
            default -> { }
        }
    }

    private static void exchange(long[] keys, int i, int l, boolean ascending) {
        if ((Long.compareUnsigned(keys[i], keys[l]) > 0) == ascending) {
            long t = keys[i];
            keys[i] = keys[l];
            keys[l] = t;
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 1000, 2048, 2049, 4096, 5000, 70_000})
    void theSortScheduleSortsAnyCount(int count) {
        EmulatedDevice device = new EmulatedDevice(false);
        try (CudaBackend b = recording(device)) {
            Buffer table = b.allocate(DType.FLOAT32, 10), idx = b.allocate(DType.INT32, count);
            Buffer src = b.allocate(DType.FLOAT32, count);
            b.fill(idx, 0, count);
            b.scatterAdd(table, idx, src, count, 1, -1, ScatterMode.DETERMINISTIC);
        }
        List<Launch> sort = device.launches.stream().filter(l -> l.kernel().startsWith("wick_bitonic")).toList();
        int n = (Integer) sort.get(0).args().value(1);
        assertEquals(Math.max(2, Integer.highestOneBit(count - 1) << 1), n);
        long[] keys = new Random(count).longs(n).map(k -> k >>> 1).toArray();
        long[] expected = keys.clone();
        Arrays.sort(expected);
        for (Launch l : sort) apply(l, keys);
        assertTrue(Arrays.equals(expected, keys), "the launches for " + count + " keys do not sort them");
    }
}
