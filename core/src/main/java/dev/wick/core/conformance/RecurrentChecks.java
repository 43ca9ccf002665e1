package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;
import dev.wick.core.ops.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The conformance cases of the recurrent cells and layers: the LSTM and GRU timesteps, forward and backward,
 * each over several timesteps chained the way a layer chains them (the cell state or the hidden
 * state of one step is the next step's input; the backward walks the steps in reverse, passing dc
 * or dhPrev down), so an error that compounds is seen. Every check runs at batch and hidden sizes of
 * 1 and off every block multiple, on pre-activations that mix ordinary values, saturating ones (|x|
 * up to 20, where sigmoid(x) rounds to 0 or 1 in float32) and tiny ones; the forward (in place by
 * contract) and the in-place form of each backward run on buffers at odd offsets.
 *
 * <p>Each output is compared over all sizes and steps together, so the tolerance's floor (the mean
 * magnitude) is that of a whole gradient rather than of one element. The backward is checked twice:
 * on given saved activations (both sides read the same ones, so it is held to a few ulps like any
 * elementwise kernel) and on each side's own forward, as a layer runs it. The second cannot be held
 * that tight: a gate's derivative s (1 - s) near saturation keeps only the bits of 1 - s that the
 * rounding of s left, so one ulp of difference in a sigmoid becomes a relative difference of
 * 1 / (1 - s) in that derivative, carried into dr' = dn' gh_n r (1 - r) by a large gh_n. Both
 * bounds stay far below what a swapped gate or a wrong derivative changes (the whole value).
 *
 * <p>The whole-sequence calls (Backend's rnnTanhSequence, lstmSequence and gruSequence methods) run the same cases
 * through a recurrent weight, so each step's product feeds the next cell; they are held to the
 * second bound.
 */
final class RecurrentChecks extends Checks {
    /** Timesteps of every chained check. */
    static final int STEPS = 3;

    /** The forward, and the backward on given activations. */
    private final Tolerance cells;
    /** The backward on each side's own forward. */
    private final Tolerance chained;
    /** (batch, hidden) pairs. */
    private final List<int[]> shapes;

    RecurrentChecks(ConformanceSuite suite, Inputs in, ConformanceSizes sizes, DType dtype) {
        super(suite, in, sizes, dtype);
        this.cells = ulps(dtype, 64);
        this.chained = ulps(dtype, 4096);
        int hidden = sizes.rowLength();
        int batch = Math.max(3, sizes.elements() / (4 * hidden));
        this.shapes = List.of(new int[]{1, 1}, new int[]{1, 37}, new int[]{6, 1}, new int[]{13, 29},
                new int[]{batch, hidden});
    }

    /**
     * An elementwise bound of {@code count} units in the last place of 1 in {@code dtype} (2^-23 in
     * float32, 2^-52 in float64), relative to each output's scale.
     */
    static Tolerance ulps(DType dtype, int count) {
        double ulp = dtype == DType.FLOAT64 ? Math.ulp(1.0) : Math.ulp(1f);
        return Tolerance.elementwise(count * ulp);
    }

    @Override
    void runAll() {
        String steps = STEPS + " steps";
        List<LstmCase> lstm = new ArrayList<>();
        for (int[] s : shapes) lstm.add(lstmCase(s[0], s[1]));
        suite.compare("lstmCellForward (" + steps + " chained through c; odd offsets)", cells,
                s -> joined(lstm, k -> {
                    LstmRun r = lstmForward(s, k, true);
                    return outputs(read(s, r.gates), read(s, r.c, 1), read(s, r.h));
                }));
        suite.compare("lstmCellBackward (" + steps + " chained through dc, given activations)", cells,
                s -> joined(lstm, k -> lstmBackward(s, k, null, false)));
        suite.compare("lstmCellBackward in place (dGates = gates, odd offsets)", cells,
                s -> joined(lstm, k -> lstmBackward(s, k, null, true)));
        suite.compare("lstmCellBackward on the saved forward (" + steps + ")", chained,
                s -> joined(lstm, k -> lstmBackward(s, k, lstmForward(s, k, false), false)));
        suite.compare("rnnTanhSequenceForward and Backward (" + steps + " through the recurrent weight)", chained,
                s -> joined(lstm, k -> rnnTanhSequence(s, k)));
        suite.compare("lstmSequenceForward (" + steps + " through the recurrent weight; odd offsets)", chained,
                s -> joined(lstm, k -> {
                    SequenceRun r = lstmSequence(s, k);
                    return outputs(s.read(r.gates), s.read(r.c), s.read(r.h));
                }));
        suite.compare("lstmSequenceBackward on the saved forward (" + steps + ")", chained,
                s -> joined(lstm, k -> lstmSequenceBackward(s, k, lstmSequence(s, k))));

        List<GruCase> gru = new ArrayList<>();
        for (int[] s : shapes) gru.add(gruCase(s[0], s[1]));
        suite.compare("gruCellForward (" + steps + " chained through h; odd offsets)", cells,
                s -> joined(gru, k -> {
                    GruRun r = gruForward(s, k, true);
                    return outputs(read(s, r.gates), read(s, r.h, 1));
                }));
        suite.compare("gruCellBackward (" + steps + " chained through dhPrev, non-zero at first)", cells,
                s -> joined(gru, k -> gruBackward(s, k, null, false)));
        suite.compare("gruCellBackward in place (dGi = gates, odd offsets)", cells,
                s -> joined(gru, k -> gruBackward(s, k, null, true)));
        suite.compare("gruCellBackward on the saved forward (" + steps + ")", chained,
                s -> joined(gru, k -> gruBackward(s, k, gruForward(s, k, false), false)));
        suite.compare("gruSequenceForward (" + steps + " through the recurrent weight; odd offsets)", chained,
                s -> joined(gru, k -> {
                    SequenceRun r = gruSequence(s, k);
                    return outputs(s.read(r.gates), s.read(r.gh), s.read(r.h));
                }));
        suite.compare("gruSequenceBackward on the saved forward (" + steps + ")", chained,
                s -> joined(gru, k -> gruSequenceBackward(s, k, gruSequence(s, k))));
    }

    // ---- inputs ------------------------------------------------------------------------------------

    /**
     * Gate pre-activations: half ordinary (|x| < 4), a quarter anywhere in [-20, 20] (sigmoid and
     * tanh saturate), an eighth tiny (|x| < 1e-3, where tanh(x) ~ x and sigmoid(x) ~ 1/2).
     */
    private double[] preActivations(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            int kind = in.nextInt(8);
            v[i] = kind < 2 ? in.value(-20, 20) : kind == 2 ? in.value(-1e-3, 1e-3) : in.value(-4, 4);
        }
        return v;
    }

    private double[][] preActivations(int steps, int n) {
        double[][] v = new double[steps][];
        for (int t = 0; t < steps; t++) v[t] = preActivations(n);
        return v;
    }

    private double[][] normals(int steps, int n, double std) {
        double[][] v = new double[steps][];
        for (int t = 0; t < steps; t++) v[t] = in.normal(n, std);
        return v;
    }

    /**
     * Saved activations for the backward from pre-activations [B, gates * H]: sigmoid, but tanh for
     * gate {@code tanhGate}, rounded to float so that both sides read the same values.
     */
    private static double[][] activations(double[][] pre, int gates, int hidden, int tanhGate) {
        double[][] a = new double[pre.length][];
        for (int t = 0; t < pre.length; t++) {
            a[t] = new double[pre[t].length];
            for (int e = 0; e < a[t].length; e++) {
                double x = pre[t][e];
                a[t][e] = (float) ((e / hidden) % gates == tanhGate ? Math.tanh(x) : UnaryOp.SIGMOID.apply(x));
            }
        }
        return a;
    }

    /**
     * One LSTM problem: pre-activations per step, dh per step, dc after the last step; activations
     * per step for the backward on given values, and cell states c_0 .. c_T (only c_0 feeds the
     * forward).
     */
    private record LstmCase(int batch, int hidden, double[][] pre, double[][] dh, double[] dcLast, double[][] act,
                            double[][] c, double[] whh) {
        int units() {
            return batch * hidden;
        }
    }

    private LstmCase lstmCase(int batch, int hidden) {
        int units = batch * hidden;
        return new LstmCase(batch, hidden, preActivations(STEPS, 4 * units), normals(STEPS, units, 1), in.normal(units, 1),
                activations(preActivations(STEPS, 4 * units), 4, hidden, 2), normals(STEPS + 1, units, 2),
                in.normal(4 * hidden * hidden, 1 / Math.sqrt(hidden)));
    }

    /**
     * One GRU problem: x and hPrev projections per step, the hidden states h_0 .. h_T (only h_0
     * feeds the forward), the gradient reaching each hidden state h_0 .. h_T from outside the cell
     * (the one of h_T is the last step's dh; the others start the dhPrev that the step after them
     * adds to), and r, z, n per step for the backward on given values.
     */
    private record GruCase(int batch, int hidden, double[][] gi, double[][] gh, double[][] h, double[][] dh,
                           double[][] act, double[] whh) {
        int units() {
            return batch * hidden;
        }
    }

    private GruCase gruCase(int batch, int hidden) {
        int units = batch * hidden;
        double[][] h = new double[STEPS + 1][];
        for (int t = 0; t <= STEPS; t++) h[t] = in.uniform(units, -1, 1);
        return new GruCase(batch, hidden, preActivations(STEPS, 3 * units), preActivations(STEPS, 3 * units), h,
                normals(STEPS + 1, units, 1), activations(preActivations(STEPS, 3 * units), 3, hidden, 2),
                in.normal(3 * hidden * hidden, 1 / Math.sqrt(hidden)));
    }

    // ---- one side's work ---------------------------------------------------------------------------

    /** Per step: the gates (pre-activations, then activations), cell states c_0 .. c_T, outputs h_1 .. h_T. */
    private record LstmRun(Buffer[] gates, Buffer[] c, Buffer[] h) {
    }

    /** The forward over every step, in buffers at odd offsets where {@code odd}. */
    private static LstmRun lstmForward(Side s, LstmCase k, boolean odd) {
        int units = k.units();
        Buffer[] gates = new Buffer[STEPS], c = new Buffer[STEPS + 1], h = new Buffer[STEPS];
        c[0] = place(s, k.c()[0], odd);
        for (int t = 0; t < STEPS; t++) {
            gates[t] = place(s, k.pre()[t], odd);
            c[t + 1] = placeNans(s, units, odd);
            h[t] = placeNans(s, units, odd);
        }
        s.timed(() -> {
            for (int t = 0; t < STEPS; t++) s.backend().lstmCellForward(gates[t], c[t], c[t + 1], h[t], k.batch, k.hidden);
        });
        return new LstmRun(gates, c, h);
    }

    /** Given activations and cell states, in buffers at odd offsets where {@code odd}. */
    private static LstmRun lstmSaved(Side s, LstmCase k, boolean odd) {
        Buffer[] gates = new Buffer[STEPS], c = new Buffer[STEPS + 1];
        for (int t = 0; t < STEPS; t++) gates[t] = place(s, k.act()[t], odd);
        for (int t = 0; t <= STEPS; t++) c[t] = place(s, k.c()[t], odd);
        return new LstmRun(gates, c, null);
    }

    /**
     * The backward from the last step to the first, on {@code forward}'s saved gates and cell
     * states (null: the given ones): dGates per step, then the final dc.
     */
    private static double[][] lstmBackward(Side s, LstmCase k, LstmRun forward, boolean inPlace) {
        int units = k.units();
        LstmRun f = forward != null ? forward : lstmSaved(s, k, inPlace);
        Buffer dc = place(s, k.dcLast(), inPlace);
        Buffer[] dh = new Buffer[STEPS], dGates = new Buffer[STEPS];
        for (int t = 0; t < STEPS; t++) {
            dh[t] = place(s, k.dh()[t], inPlace);
            dGates[t] = inPlace ? f.gates[t] : s.nans(4 * units);
        }
        s.timed(() -> {
            for (int t = STEPS - 1; t >= 0; t--) {
                s.backend().lstmCellBackward(f.gates[t], f.c[t], f.c[t + 1], dh[t], dc, dGates[t], k.batch, k.hidden);
            }
        });
        return outputs(read(s, dGates), s.read(dc));
    }

    /** Per step: the gates (x projection, then r, z, n), the hidden projections, hidden states h_0 .. h_T. */
    private record GruRun(Buffer[] gates, Buffer[] gh, Buffer[] h) {
    }

    /** The forward over every step, in buffers at odd offsets where {@code odd}. */
    private static GruRun gruForward(Side s, GruCase k, boolean odd) {
        int units = k.units();
        Buffer[] gates = new Buffer[STEPS], gh = new Buffer[STEPS], h = new Buffer[STEPS + 1];
        h[0] = place(s, k.h()[0], odd);
        for (int t = 0; t < STEPS; t++) {
            gates[t] = place(s, k.gi()[t], odd);
            gh[t] = place(s, k.gh()[t], odd);
            h[t + 1] = placeNans(s, units, odd);
        }
        s.timed(() -> {
            for (int t = 0; t < STEPS; t++) s.backend().gruCellForward(gates[t], gh[t], h[t], h[t + 1], k.batch, k.hidden);
        });
        return new GruRun(gates, gh, h);
    }

    /** Given r, z, n, hidden projections and hidden states, in buffers at odd offsets where {@code odd}. */
    private static GruRun gruSaved(Side s, GruCase k, boolean odd) {
        Buffer[] gates = new Buffer[STEPS], gh = new Buffer[STEPS], h = new Buffer[STEPS + 1];
        for (int t = 0; t < STEPS; t++) {
            gates[t] = place(s, k.act()[t], odd);
            gh[t] = place(s, k.gh()[t], odd);
        }
        for (int t = 0; t <= STEPS; t++) h[t] = place(s, k.h()[t], odd);
        return new GruRun(gates, gh, h);
    }

    /**
     * The backward from the last step to the first on {@code forward}'s saved gates (null: the
     * given ones); step t adds into the gradient of h_t, which then is the dh of step t - 1.
     * Returns dGi and dGh per step and the gradients of h_0 .. h_{T-1}.
     */
    private static double[][] gruBackward(Side s, GruCase k, GruRun forward, boolean inPlace) {
        int units = k.units();
        GruRun f = forward != null ? forward : gruSaved(s, k, inPlace);
        Buffer[] dh = new Buffer[STEPS + 1], dGi = new Buffer[STEPS], dGh = new Buffer[STEPS];
        for (int t = 0; t <= STEPS; t++) dh[t] = place(s, k.dh()[t], inPlace);
        for (int t = 0; t < STEPS; t++) {
            dGi[t] = inPlace ? f.gates[t] : s.nans(3 * units);
            dGh[t] = placeNans(s, 3 * units, inPlace);
        }
        s.timed(() -> {
            for (int t = STEPS - 1; t >= 0; t--) {
                s.backend().gruCellBackward(f.gates[t], f.gh[t], f.h[t], dh[t + 1], dGi[t], dGh[t], dh[t], k.batch,
                        k.hidden);
            }
        });
        return outputs(read(s, dGi), read(s, dGh), read(s, Arrays.copyOf(dh, STEPS)));
    }

    // ---- whole sequences ---------------------------------------------------------------------------

    /** A whole-sequence forward's buffers, time-major: gates [T, B, G H], and c (LSTM only) and h [T, B, H]. */
    private record SequenceRun(Buffer gates, Buffer gh, Buffer c, Buffer h) {
    }

    /**
     * The LSTM layer's recurrence over every step in one call, from the case's pre-activations
     * (as the input projections), h_0 = its first dh, c_0 and recurrent weight.
     */
    private static SequenceRun lstmSequence(Side s, LstmCase k) {
        int units = k.units();
        Buffer gates = place(s, concat(List.of(k.pre())), true), whh = place(s, k.whh(), true);
        Buffer hInit = place(s, k.dh()[0], true), cInit = place(s, k.c()[0], true);
        Buffer c = placeNans(s, STEPS * units, true), h = placeNans(s, STEPS * units, true);
        s.timed(() -> s.backend().lstmSequenceForward(gates, whh, hInit, false, cInit, c, h, STEPS, k.batch, k.hidden));
        return new SequenceRun(gates, null, c, h);
    }

    /**
     * The tanh RNN layer's recurrence over every step, forward then backward, on the first H columns
     * of the LSTM case's pre-activations and recurrent weight, from h_0 = its first dh: the hidden
     * states and the pre-activation gradients.
     */
    private static double[][] rnnTanhSequence(Side s, LstmCase k) {
        int hidden = k.hidden, units = k.units();
        double[] pre = new double[STEPS * units];
        for (int t = 0; t < STEPS; t++) {
            for (int b = 0; b < k.batch; b++) System.arraycopy(k.pre()[t], b * 4 * hidden, pre, t * units + b * hidden, hidden);
        }
        double[] whh = Arrays.copyOf(k.whh(), hidden * hidden);
        Buffer h = place(s, pre, true), w = place(s, whh, true);
        Buffer hInit = place(s, k.dh()[0], true), dh = place(s, concat(List.of(k.dh())), true);
        s.timed(() -> {
            s.backend().rnnTanhSequenceForward(h, w, hInit, STEPS, k.batch, hidden);
            s.backend().rnnTanhSequenceBackward(h, w, dh, STEPS, k.batch, hidden);
        });
        return outputs(s.read(h), s.read(dh));
    }

    /** Its backward on the side's own forward: dGates, the dh that reaches each h_t, and c_0's gradient. */
    private static double[][] lstmSequenceBackward(Side s, LstmCase k, SequenceRun f) {
        int units = k.units();
        Buffer whh = place(s, k.whh(), true), cInit = place(s, k.c()[0], true);
        Buffer dh = place(s, concat(List.of(k.dh())), true), dc = place(s, k.dcLast(), true);
        Buffer dGates = placeNans(s, STEPS * 4 * units, true);
        s.timed(() -> s.backend().lstmSequenceBackward(f.gates, whh, cInit, f.c, dh, dc, dGates, STEPS, k.batch, k.hidden));
        return outputs(s.read(dGates), s.read(dh), s.read(dc));
    }

    /** The GRU layer's recurrence over every step in one call, from the case's projections (gh as b_hh) and h_0. */
    private static SequenceRun gruSequence(Side s, GruCase k) {
        int units = k.units();
        Buffer gi = place(s, concat(List.of(k.gi())), true), gh = place(s, concat(List.of(k.gh())), true);
        Buffer whh = place(s, k.whh(), true), hInit = place(s, k.h()[0], true);
        Buffer h = placeNans(s, STEPS * units, true);
        s.timed(() -> s.backend().gruSequenceForward(gi, gh, whh, hInit, false, h, STEPS, k.batch, k.hidden));
        return new SequenceRun(gi, gh, null, h);
    }

    /** Its backward on the side's own forward: dGi, dGh, the dh that reaches each h_t, and h_0's direct gradient. */
    private static double[][] gruSequenceBackward(Side s, GruCase k, SequenceRun f) {
        int units = k.units();
        Buffer whh = place(s, k.whh(), true), hInit = place(s, k.h()[0], true);
        Buffer dh = place(s, concat(List.of(Arrays.copyOfRange(k.dh(), 1, STEPS + 1))), true);
        Buffer dhInit = place(s, k.dh()[0], true);
        Buffer dGi = placeNans(s, STEPS * 3 * units, true), dGh = placeNans(s, STEPS * 3 * units, true);
        s.timed(() -> s.backend().gruSequenceBackward(f.gates, f.gh, whh, hInit, f.h, dh, dGi, dGh, dhInit, STEPS, k.batch,
                k.hidden));
        return outputs(s.read(dGi), s.read(dGh), s.read(dh), s.read(dhInit));
    }


    // ---- buffers and outputs -------------------------------------------------------------------------

    /** The values in a fresh buffer, or (odd) in a slice at offset 3 of a longer one. */
    private static Buffer place(Side s, double[] values, boolean odd) {
        if (!odd) return s.reals(values);
        double[] padded = new double[values.length + 5];
        System.arraycopy(values, 0, padded, 3, values.length);
        return s.reals(padded).slice(3, values.length);
    }

    private static Buffer placeNans(Side s, int length, boolean odd) {
        return odd ? s.nans(length + 5).slice(3, length) : s.nans(length);
    }

    /** The buffers from {@code from} on, read and concatenated. */
    private static double[] read(Side s, Buffer[] buffers, int from) {
        List<double[]> parts = new ArrayList<>();
        for (int i = from; i < buffers.length; i++) parts.add(s.read(buffers[i]));
        return concat(parts);
    }

    private static double[] read(Side s, Buffer[] buffers) {
        return read(s, buffers, 0);
    }

    private static double[] concat(List<double[]> parts) {
        int n = 0;
        for (double[] p : parts) n += p.length;
        double[] all = new double[n];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    @FunctionalInterface
    private interface PerCase<K> {
        double[][] run(K k);
    }

    /** Runs every case and joins their outputs slot by slot (so each slot is judged on one scale). */
    private static <K> double[][] joined(List<K> cases, PerCase<K> work) {
        List<double[][]> results = new ArrayList<>();
        for (K k : cases) results.add(work.run(k));
        double[][] joined = new double[results.get(0).length][];
        for (int slot = 0; slot < joined.length; slot++) {
            List<double[]> parts = new ArrayList<>();
            for (double[][] r : results) parts.add(r[slot]);
            joined[slot] = concat(parts);
        }
        return joined;
    }
}
