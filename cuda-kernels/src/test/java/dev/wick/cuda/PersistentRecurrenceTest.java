package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;
import dev.wick.core.conformance.ConformanceSuite;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The persistent recurrences (persistent.cu: one cooperative launch per sequence, a grid barrier per
 * step) against the step-by-step path they replace (a GEMM and a cell kernel per step), tanh RNN,
 * LSTM and GRU, forward and backward, both paths on the host emulator, which runs a cooperative
 * grid's blocks at the same time. The emulated device has {@link EmulatedDevice#MULTIPROCESSORS}
 * multiprocessors, so the hidden sizes below give several blocks of several units, a last block
 * with fewer, two blocks per multiprocessor where one would hold more than 32 weight columns, and,
 * past that, the fallback.
 */
class PersistentRecurrenceTest {

    @BeforeEach
    void needsTheEmulator() {
        CudaAgainstCpu.assumeEmulator(PersistentRecurrenceTest.class);
    }

    /** The three cells: their gates, and one forward and backward through the backend's sequence calls. */
    enum Cell {
        TANH(1), LSTM(4), GRU(3);

        final int gates;

        Cell(int gates) {
            this.gates = gates;
        }
    }

    /**
     * steps, batch, hidden, whether h0 (and c0) are given: one block; partial last blocks; more rows
     * than warps; 16 units a block, which an LSTM or GRU only gets at two blocks per multiprocessor.
     */
    private static final int[][] SHAPES = {{1, 1, 1, 1}, {3, 2, 37, 0}, {4, 11, 29, 1}, {3, 3, 64, 1}, {2, 9, 7, 0}};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void agreesWithTheStepByStepPath(DType dtype) {
        long seed = ConformanceSuite.freshSeed();
        System.out.println("PersistentRecurrenceTest seed " + seed);
        Random r = new Random(seed);
        double tolerance = dtype == DType.FLOAT64 ? 1e-13 : 2e-5;
        for (Cell cell : Cell.values()) {
            for (int[] shape : SHAPES) {
                int steps = shape[0], batch = shape[1], hidden = shape[2];
                boolean withInit = shape[3] == 1;
                Problem p = Problem.random(r, cell, steps, batch, hidden, withInit);
                String what = "seed " + seed + ", " + dtype + ", " + cell + ", " + steps + " steps of " + batch + " x "
                        + hidden + (withInit ? " with initial state" : "");
                EmulatedDevice persistent = new EmulatedDevice(true);
                EmulatedDevice stepwise = new EmulatedDevice(true);
                stepwise.cooperativeLaunch = false;
                double[][] expected = run(stepwise, dtype, p);
                double[][] actual = run(persistent, dtype, p);
                assertEquals(2, persistent.launches.stream().filter(Launch::cooperative).count(),
                        what + ": forward and backward should each be one cooperative launch");
                assertTrue(stepwise.launches.stream().noneMatch(Launch::cooperative), what);
                for (int part = 0; part < expected.length; part++) {
                    for (int i = 0; i < expected[part].length; i++) {
                        double e = expected[part][i], a = actual[part][i];
                        assertTrue(Math.abs(e - a) <= tolerance * Math.max(1, Math.abs(e)),
                                what + ": output " + part + " [" + i + "] = " + a + ", step by step " + e);
                    }
                }
            }
        }
    }

    /**
     * What the emulator cannot check: every load of another block's data must bypass L1
     * (ld.global.cg; a stale line would survive the barrier on a GPU), and no load may go through
     * the read-only path (ld.global.nc), which nvcc picks for __restrict__ const pointers and which
     * is not coherent with the other blocks' writes within a launch.
     */
    @Test
    void thePtxLoadsOtherBlocksDataThroughL2Only() {
        String ptx = PtxModules.get().modules().stream().filter(m -> m.name().equals("persistent")).findFirst()
                .orElseThrow().ptx();
        assertTrue(!ptx.contains("ld.global.nc"), "a read-only-cache load in persistent.ptx");
        for (String kernel : PtxModules.get().modules().stream().filter(m -> m.name().equals("persistent"))
                .flatMap(m -> m.kernels().keySet().stream()).toList()) {
            int from = ptx.indexOf(".entry " + kernel + "(");
            int to = ptx.indexOf(".entry ", from + 1);
            String body = ptx.substring(from, to < 0 ? ptx.length() : to);
            assertTrue(body.contains("ld.global.cg"), kernel + " reads the other blocks' state without ld.global.cg");
            assertTrue(body.contains("atom.global"), kernel + " has no grid barrier");
        }
    }

    @Test
    void planCoversTheHiddenSizesOneBlockPerMultiprocessorCanHold() {
        EmulatedDevice device = new EmulatedDevice(true);
        try (CudaBackend cuda = new CudaBackend(device, 0)) {
            String kernel = "wick_rnn_tanh_forward_persistent_f32";
            CudaBackend.RecurrencePlan small = cuda.recurrencePlan(kernel, DType.FLOAT32, 1, 3, 37);
            assertNotNull(small);
            assertEquals(10, small.cols());
            assertEquals(4, small.blocks());
            assertEquals(96, small.threads());
            assertEquals(37 * 10 * 4, small.sharedBytes());
            CudaBackend.RecurrencePlan wide = cuda.recurrencePlan(kernel, DType.FLOAT32, 1, 40, 128);
            assertNotNull(wide);
            assertEquals(256, wide.threads(), "at most eight warps");
            assertEquals(32, wide.cols(), "one block per multiprocessor while 32 columns suffice");
            CudaBackend.RecurrencePlan lstm = cuda.recurrencePlan("wick_lstm_forward_persistent_f32", DType.FLOAT32, 4, 3, 64);
            assertNotNull(lstm);
            assertEquals(8, lstm.cols(), "two blocks per multiprocessor: 4 gates x 8 units");
            assertEquals(8, lstm.blocks());
            assertEquals(4 * 64 * 8 * 4, lstm.sharedBytes());
            assertNull(cuda.recurrencePlan(kernel, DType.FLOAT32, 1, 3, 257), "no resident grid with at most 32 units a block");
            device.cooperativeLaunch = false;
            assertNull(cuda.recurrencePlan(kernel, DType.FLOAT32, 1, 3, 37), "no cooperative launch");
        }
    }

    @Test
    void hiddenSizesBeyondThePlanFallBackToTheStepByStepPath() {
        Problem p = Problem.random(new Random(7), Cell.LSTM, 2, 3, 130, true); // 4 x 9 columns even at four blocks an SM
        EmulatedDevice device = new EmulatedDevice(true);
        double[][] out = run(device, DType.FLOAT32, p);
        assertTrue(device.launches.stream().noneMatch(Launch::cooperative));
        assertTrue(device.launches.stream().anyMatch(l -> l.kernel().startsWith("wick_gemm")));
        for (double v : out[2]) assertTrue(Math.abs(v) <= 1, "an LSTM hidden state");
    }

    @Test
    void badSizesAreRefusedBeforeAnythingIsLaunched() {
        EmulatedDevice device = new EmulatedDevice(true);
        try (CudaBackend cuda = new CudaBackend(device, 0)) {
            Buffer h = cuda.allocate(DType.FLOAT32, 12), w = cuda.allocate(DType.FLOAT32, 4);
            float[] before = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
            cuda.upload(before, 0, h, 12);
            int launches = device.launches.size();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cuda.rnnTanhSequenceForward(h, w, null, 0, 3, 2));
            assertTrue(e.getMessage().contains("0 steps"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cuda.rnnTanhSequenceBackward(h, w, h, 3, 3, 2));
            assertTrue(e.getMessage().contains("needs 18"), e.getMessage());
            Buffer gates = cuda.allocate(DType.FLOAT32, 4 * 12), w4 = cuda.allocate(DType.FLOAT32, 16);
            e = assertThrows(IllegalArgumentException.class, // 4 steps of 2 x 2: gates need 64
                    () -> cuda.lstmSequenceForward(gates, w4, h, false, h, h, h, 4, 2, 2));
            assertTrue(e.getMessage().startsWith("lstmSequenceForward"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> cuda.gruSequenceBackward(gates, gates, w4, h, h, h, gates, gates, h, 3, 3, 2)); // gates need 54
            assertTrue(e.getMessage().startsWith("gruSequenceBackward"), e.getMessage());
            assertEquals(launches, device.launches.size());
            float[] after = new float[12];
            cuda.download(h, after, 0, 12);
            assertArrayEquals(before, after);
        }
    }

    /**
     * Inputs of one forward and backward of {@code cell}: x the pre-activations ([T, B, G H]; for a
     * GRU gi, with gh's biases in bias), whh [G H, H], the initial states (zeros and flagged so when
     * not given), the gradients reaching h (and the last c, and, for a GRU, added into dhInit).
     */
    private record Problem(Cell cell, int steps, int batch, int hidden, boolean withInit, double[] x, double[] bias,
                           double[] whh, double[] hInit, double[] cInit, double[] dh, double[] dc) {
        static Problem random(Random r, Cell cell, int steps, int batch, int hidden, boolean withInit) {
            int state = batch * hidden, n = steps * state, g = cell.gates;
            double scale = 1.5 / Math.sqrt(hidden);
            return new Problem(cell, steps, batch, hidden, withInit, normals(r, g * n, 1), normals(r, g * n, 0.3),
                    normals(r, g * hidden * hidden, scale), withInit ? normals(r, state, 0.5) : new double[state],
                    normals(r, state, 0.5), normals(r, n, 1), normals(r, state, 1));
        }

        private static double[] normals(Random r, int n, double scale) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale); // exact in float32 too
            return v;
        }
    }

    /** Every output of the forward and the backward, in a fixed order per cell. */
    private static double[][] run(EmulatedDevice device, DType dtype, Problem p) {
        try (CudaBackend cuda = new CudaBackend(device, 0)) {
            int h = p.hidden, g = p.cell.gates, state = p.batch * h, n = p.steps * state;
            Buffer w = put(cuda, dtype, p.whh), h0 = put(cuda, dtype, p.hInit);
            Buffer x = put(cuda, dtype, p.x), dh = put(cuda, dtype, p.dh);
            boolean zero = !p.withInit;
            switch (p.cell) {
                case TANH -> {
                    cuda.rnnTanhSequenceForward(x, w, zero ? null : h0, p.steps, p.batch, h);
                    cuda.rnnTanhSequenceBackward(x, w, dh, p.steps, p.batch, h);
                    return new double[][]{get(cuda, dtype, x, n), get(cuda, dtype, dh, n)};
                }
                case LSTM -> {
                    Buffer c0 = put(cuda, dtype, p.cInit), c = cuda.allocate(dtype, n), hs = cuda.allocate(dtype, n);
                    // dGates in place of the activations where there is no initial state (allowed, and safe:
                    // each unit's gates are read before they are written)
                    Buffer dc = put(cuda, dtype, p.dc), dGates = zero ? x : cuda.allocate(dtype, 4 * n);
                    cuda.lstmSequenceForward(x, w, h0, zero, c0, c, hs, p.steps, p.batch, h);
                    double[] activations = get(cuda, dtype, x, 4 * n);
                    cuda.lstmSequenceBackward(x, w, c0, c, dh, dc, dGates, p.steps, p.batch, h);
                    return new double[][]{activations, get(cuda, dtype, c, n), get(cuda, dtype, hs, n),
                            get(cuda, dtype, dh, n), get(cuda, dtype, dc, state), get(cuda, dtype, dGates, 4 * n)};
                }
                case GRU -> {
                    Buffer gh = put(cuda, dtype, p.bias), hs = cuda.allocate(dtype, n);
                    Buffer dGh = cuda.allocate(dtype, 3 * n), dh0 = put(cuda, dtype, p.dc);
                    cuda.gruSequenceForward(x, gh, w, h0, zero, hs, p.steps, p.batch, h);
                    double[] activations = get(cuda, dtype, x, 3 * n), projections = get(cuda, dtype, gh, 3 * n);
                    // dGi in place of the activations, as the layer does
                    cuda.gruSequenceBackward(x, gh, w, h0, hs, dh, x, dGh, dh0, p.steps, p.batch, h);
                    return new double[][]{activations, projections, get(cuda, dtype, hs, n), get(cuda, dtype, dh, n),
                            get(cuda, dtype, x, 3 * n), get(cuda, dtype, dGh, 3 * n), get(cuda, dtype, dh0, state)};
                }
                default -> throw new AssertionError(p.cell);
            }
        }
    }
    private static Buffer put(CudaBackend cuda, DType dtype, double[] v) {
        Buffer b = cuda.allocate(dtype, v.length);
        if (dtype == DType.FLOAT64) {
            cuda.upload(v, 0, b, v.length);
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            cuda.upload(f, 0, b, v.length);
        }
        return b;
    }

    private static double[] get(CudaBackend cuda, DType dtype, Buffer b, int n) {
        double[] out = new double[n];
        if (dtype == DType.FLOAT64) {
            cuda.download(b, out, 0, n);
        } else {
            float[] f = new float[n];
            cuda.download(b, f, 0, n);
            for (int i = 0; i < n; i++) out[i] = f[i];
        }
        return out;
    }
}
