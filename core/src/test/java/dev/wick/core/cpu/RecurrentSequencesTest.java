package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.TestData;
import dev.wick.core.backend.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPU's whole-sequence recurrences (tanh RNN, LSTM, GRU) (each thread owning some batch rows for every timestep)
 * give exactly the bits of the step-by-step path they replace, one GEMM and one cell call per
 * timestep, on 1 to 4 threads: with batches split into whole row groups, into ragged ones
 * (37 rows on 3 threads), and too small to split (where the backend falls back to that path).
 * Operands sit at odd offsets in NaN-filled buffers, so a read outside its rows shows.
 */
class RecurrentSequencesTest {
    /** {steps, batch, hidden}: one step, hidden sizes of 1 to 64, batches below and above 8 rows per thread. */
    private static final int[][] SHAPES = {{1, 16, 5}, {5, 37, 3}, {4, 20, 45}, {3, 33, 64}, {2, 7, 1}};
    private static final int[] THREADS = {1, 2, 3, 4};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void tanhRnnForwardAndBackwardGiveTheStepByStepBits(DType dtype) {
        TestData data = TestData.fresh();
        for (int[] s : SHAPES) {
            int steps = s[0], batch = s[1], hidden = s[2], state = batch * hidden;
            double[] pre = data.uniform(steps * state, 2), whh = data.uniform(hidden * hidden, 0.5);
            double[] hInit = data.uniform(state, 1), dh = data.uniform(steps * state, 1);
            assertSameBitsOnEveryThreadCount(data, dtype, "tanh rnn", new String[]{"h", "dh"}, s, (io, zeroInit, stepByStep) -> {
                CpuBackend b = (CpuBackend) io.backend;
                Buffer h = io.putAt(pre, 3), whhT = io.putAt(transpose(whh, hidden, hidden), 2), w = io.putAt(whh, 5);
                Buffer h0 = zeroInit ? null : io.putAt(hInit, 1), g = io.putAt(dh, 4);
                if (stepByStep) {
                    for (int t = 0; t < steps; t++) {
                        Buffer ht = h.slice(t * state, state);
                        if (t > 0 || h0 != null) {
                            b.gemm(false, false, batch, hidden, hidden, 1, t > 0 ? h.slice((t - 1) * state, state) : h0, whhT, 1, ht);
                        }
                        b.unary(dev.wick.core.ops.UnaryOp.TANH, ht, ht, state);
                    }
                    for (int t = steps - 1; t >= 0; t--) {
                        Buffer gt = g.slice(t * state, state);
                        b.tanhBackward(h.slice(t * state, state), gt, gt, state, false);
                        if (t > 0) b.gemm(false, false, batch, hidden, hidden, 1, gt, w, 1, g.slice((t - 1) * state, state));
                    }
                } else {
                    b.rnnTanhSequenceForward(h, w, h0, steps, batch, hidden);
                    b.rnnTanhSequenceBackward(h, w, g, steps, batch, hidden);
                }
                return List.of(io.get(h), io.get(g));
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void lstmForwardAndBackwardGiveTheStepByStepBits(DType dtype) {
        TestData data = TestData.fresh();
        for (int[] s : SHAPES) {
            LstmInputs in = new LstmInputs(data, s[0], s[1], s[2]);
            assertSameBitsOnEveryThreadCount(data, dtype, "lstm", LSTM_OUTPUTS, s,
                    (io, zeroInit, stepByStep) -> lstm(io, in, zeroInit, stepByStep));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void gruForwardAndBackwardGiveTheStepByStepBits(DType dtype) {
        TestData data = TestData.fresh();
        for (int[] s : SHAPES) {
            GruInputs in = new GruInputs(data, s[0], s[1], s[2]);
            assertSameBitsOnEveryThreadCount(data, dtype, "gru", GRU_OUTPUTS, s,
                    (io, zeroInit, stepByStep) -> gru(io, in, zeroInit, stepByStep));
        }
    }

    /** One layer's outputs, computed step by step or by the whole-sequence call. */
    @FunctionalInterface
    private interface Layer {
        List<double[]> run(Buffers io, boolean zeroInit, boolean stepByStep);
    }

    /** The whole-sequence call on 1 to 4 threads against the step-by-step path on one, with and without h0. */
    private static void assertSameBitsOnEveryThreadCount(TestData data, DType dtype, String name, String[] outputs,
                                                         int[] shape, Layer layer) {
        for (boolean zeroInit : new boolean[]{true, false}) {
            List<double[]> expected;
            try (CpuBackend one = new CpuBackend(1)) {
                expected = layer.run(new Buffers(one, dtype), zeroInit, true);
            }
            for (int threads : THREADS) {
                try (CpuBackend b = new CpuBackend(threads)) {
                    List<double[]> actual = layer.run(new Buffers(b, dtype), zeroInit, false);
                    for (int i = 0; i < expected.size(); i++) {
                        data.assertSameBits(expected.get(i), actual.get(i), dtype + " " + name + " " + outputs[i]
                                + " T, B, H = " + shape[0] + ", " + shape[1] + ", " + shape[2] + (zeroInit ? ", zero h0" : "")
                                + " on " + threads + " threads");
                    }
                }
            }
        }
    }

    private static final String[] LSTM_OUTPUTS = {"gates", "c", "h", "dGates", "dh", "dc", "dGates in place"};
    private static final String[] GRU_OUTPUTS = {"gates", "gh", "h", "dGi", "dGh", "dh", "dhInit", "dGi in place"};

    private static final class LstmInputs {
        final int steps, batch, hidden;
        final double[] pre, whh, whhT, hInit, cInit, saved, savedC, dh, dc;

        LstmInputs(TestData data, int steps, int batch, int hidden) {
            this.steps = steps;
            this.batch = batch;
            this.hidden = hidden;
            int state = batch * hidden;
            pre = data.uniform(steps * 4 * state, 3);
            whh = data.uniform(4 * hidden * hidden, 0.5);
            whhT = transpose(whh, 4 * hidden, hidden);
            hInit = data.uniform(state, 1);
            cInit = data.uniform(state, 1);
            saved = data.uniform(steps * 4 * state, 1);
            savedC = data.uniform(steps * state, 2);
            dh = data.uniform(steps * state, 1);
            dc = data.uniform(state, 1);
        }
    }

    /**
     * The forward from the input projections, then the backward on given saved values: gates, c
     * and h, then dGates, dh and dc, then dGates once more with dGates = gates. {@code stepByStep}
     * composes the per-step calls the way Backend's default does.
     */
    private static List<double[]> lstm(Buffers io, LstmInputs in, boolean zeroInit, boolean stepByStep) {
        CpuBackend b = (CpuBackend) io.backend;
        int steps = in.steps, batch = in.batch, hidden = in.hidden, state = batch * hidden, width = 4 * state;
        Buffer gates = io.putAt(in.pre, 3), whhT = io.putAt(in.whhT, 5), whh = io.putAt(in.whh, 2);
        Buffer hInit = io.putAt(zeroInit ? new double[state] : in.hInit, 1), cInit = io.putAt(in.cInit, 7);
        Buffer c = io.putAt(new double[steps * state], 1), h = io.putAt(new double[steps * state], 4);
        if (stepByStep) {
            for (int t = 0; t < steps; t++) {
                Buffer g = gates.slice(t * width, width);
                if (t > 0 || !zeroInit) {
                    b.gemm(false, false, batch, 4 * hidden, hidden, 1, t > 0 ? h.slice((t - 1) * state, state) : hInit, whhT,
                            1, g);
                }
                b.lstmCellForward(g, t > 0 ? c.slice((t - 1) * state, state) : cInit, c.slice(t * state, state),
                        h.slice(t * state, state), batch, hidden);
            }
        } else {
            b.lstmSequenceForward(gates, whh, hInit, zeroInit, cInit, c, h, steps, batch, hidden);
        }
        List<double[]> out = new ArrayList<>(List.of(io.get(gates), io.get(c), io.get(h)));

        for (boolean inPlace : new boolean[]{false, true}) {
            Buffer saved = io.putAt(in.saved, 6), savedC = io.putAt(in.savedC, 3);
            Buffer dh = io.putAt(in.dh, 2), dc = io.putAt(in.dc, 5);
            Buffer dGates = inPlace ? saved : io.putAt(new double[steps * width], 1);
            if (stepByStep) {
                for (int t = steps - 1; t >= 0; t--) {
                    Buffer dg = dGates.slice(t * width, width);
                    b.lstmCellBackward(saved.slice(t * width, width), t > 0 ? savedC.slice((t - 1) * state, state) : cInit,
                            savedC.slice(t * state, state), dh.slice(t * state, state), dc, dg, batch, hidden);
                    if (t > 0) b.gemm(false, false, batch, hidden, 4 * hidden, 1, dg, whh, 1, dh.slice((t - 1) * state, state));
                }
            } else {
                b.lstmSequenceBackward(saved, whh, cInit, savedC, dh, dc, dGates, steps, batch, hidden);
            }
            if (inPlace) {
                out.add(io.get(dGates));
            } else {
                out.addAll(List.of(io.get(dGates), io.get(dh), io.get(dc)));
            }
        }
        return out;
    }

    private static final class GruInputs {
        final int steps, batch, hidden;
        final double[] gi, biasHH, whh, whhT, hInit, saved, savedGh, savedH, dh;

        GruInputs(TestData data, int steps, int batch, int hidden) {
            this.steps = steps;
            this.batch = batch;
            this.hidden = hidden;
            int state = batch * hidden;
            gi = data.uniform(steps * 3 * state, 3);
            biasHH = data.uniform(steps * 3 * state, 1);
            whh = data.uniform(3 * hidden * hidden, 0.5);
            whhT = transpose(whh, 3 * hidden, hidden);
            hInit = data.uniform(state, 1);
            saved = data.uniform(steps * 3 * state, 1);
            savedGh = data.uniform(steps * 3 * state, 2);
            savedH = data.uniform(steps * state, 1);
            dh = data.uniform(steps * state, 1);
        }
    }

    /** As {@link #lstm}: gi, gh and h, then dGi, dGh, dh and dhInit, then dGi with dGi = gates. */
    private static List<double[]> gru(Buffers io, GruInputs in, boolean zeroInit, boolean stepByStep) {
        CpuBackend b = (CpuBackend) io.backend;
        int steps = in.steps, batch = in.batch, hidden = in.hidden, state = batch * hidden, width = 3 * state;
        Buffer gi = io.putAt(in.gi, 3), gh = io.putAt(in.biasHH, 2), whhT = io.putAt(in.whhT, 5), whh = io.putAt(in.whh, 1);
        Buffer hInit = io.putAt(zeroInit ? new double[state] : in.hInit, 6), h = io.putAt(new double[steps * state], 4);
        if (stepByStep) {
            for (int t = 0; t < steps; t++) {
                Buffer k = gh.slice(t * width, width), prev = t > 0 ? h.slice((t - 1) * state, state) : hInit;
                if (t > 0 || !zeroInit) b.gemm(false, false, batch, 3 * hidden, hidden, 1, prev, whhT, 1, k);
                b.gruCellForward(gi.slice(t * width, width), k, prev, h.slice(t * state, state), batch, hidden);
            }
        } else {
            b.gruSequenceForward(gi, gh, whh, hInit, zeroInit, h, steps, batch, hidden);
        }
        List<double[]> out = new ArrayList<>(List.of(io.get(gi), io.get(gh), io.get(h)));

        for (boolean inPlace : new boolean[]{false, true}) {
            Buffer saved = io.putAt(in.saved, 6), savedGh = io.putAt(in.savedGh, 3), savedH = io.putAt(in.savedH, 2);
            Buffer dh = io.putAt(in.dh, 2), dhInit = io.putAt(new double[state], 5);
            Buffer dGi = inPlace ? saved : io.putAt(new double[steps * width], 1);
            Buffer dGh = io.putAt(new double[steps * width], 3);
            if (stepByStep) {
                for (int t = steps - 1; t >= 0; t--) {
                    Buffer dk = dGh.slice(t * width, width), dPrev = t > 0 ? dh.slice((t - 1) * state, state) : dhInit;
                    b.gruCellBackward(saved.slice(t * width, width), savedGh.slice(t * width, width),
                            t > 0 ? savedH.slice((t - 1) * state, state) : hInit, dh.slice(t * state, state),
                            dGi.slice(t * width, width), dk, dPrev, batch, hidden);
                    if (t > 0) b.gemm(false, false, batch, hidden, 3 * hidden, 1, dk, whh, 1, dPrev);
                }
            } else {
                b.gruSequenceBackward(saved, savedGh, whh, hInit, savedH, dh, dGi, dGh, dhInit, steps, batch, hidden);
            }
            if (inPlace) {
                out.add(io.get(dGi));
            } else {
                out.addAll(List.of(io.get(dGi), io.get(dGh), io.get(dh), io.get(dhInit)));
            }
        }
        return out;
    }

    private static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) t[j * rows + r] = m[r * cols + j];
        }
        return t;
    }
}
