package dev.wick.core.cpu;

import dev.wick.core.ops.UnaryOp;

/**
 * The pointwise part of one LSTM or GRU timestep (Backend's lstmCell and gruCell methods), over a
 * range [from, to) of batch rows. Float32 takes its sigmoid and tanh from {@link FloatArrayMath}
 * a whole gate row at a time (per element they would be scalar calls, the cell's largest cost after
 * the GEMMs); the products and sums are then one plain loop. Float64 is the scalar reference.
 *
 * <p>Every formula is written once per dtype in the same order as the CUDA kernels in
 * recurrent.cu (n + z (hPrev - n) for the GRU's output, f cPrev + i g as one fused multiply-add),
 * so the two backends differ only by their exp and tanh.
 */
final class RecurrentKernels {
    private RecurrentKernels() {
    }

    /** Per-thread room for one row of tanh(c) in the float32 LSTM backward. */
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] row(int length) {
        float[][] holder = ROW.get();
        if (holder[0].length < length) holder[0] = new float[length];
        return holder[0];
    }

    // ---- LSTM ----------------------------------------------------------------------------------

    static void lstmForward(FloatArrayMath math, float[] gates, int go, float[] cPrev, int po, float[] c, int co,
                            float[] h, int ho, int hidden, int from, int to) {
        for (int b = from; b < to; b++) {
            int g = go + 4 * hidden * b, p = po + hidden * b, s = co + hidden * b, o = ho + hidden * b;
            // i and f, then o, through one call site: the JIT inlines sigmoid wherever it is called,
            // and two copies of it made this method big enough to lose Vector API intrinsics.
            for (int part = 0; part < 2; part++) {
                int at = part == 0 ? g : g + 3 * hidden;
                math.sigmoid(gates, at, gates, at, part == 0 ? 2 * hidden : hidden);
            }
            math.tanh(gates, g + 2 * hidden, gates, g + 2 * hidden, hidden);
            math.lstmState(gates, g, hidden, cPrev, p, c, s, hidden);
            math.tanh(c, s, h, o, hidden);
            math.multiplyInto(gates, g + 3 * hidden, h, o, hidden);
        }
    }

    static void lstmBackward(FloatArrayMath math, float[] gates, int go, float[] cPrev, int po, float[] c, int co,
                             float[] dh, int dho, float[] dc, int dco, float[] dGates, int dgo, int hidden,
                             int from, int to) {
        float[] tc = row(hidden);
        for (int b = from; b < to; b++) {
            int g = go + 4 * hidden * b, dg = dgo + 4 * hidden * b, p = po + hidden * b;
            int s = co + hidden * b, d = dho + hidden * b, e = dco + hidden * b;
            math.tanh(c, s, tc, 0, hidden);
            math.lstmGradients(gates, g, hidden, cPrev, p, tc, 0, dh, d, dc, e, dGates, dg, hidden);
        }
    }

    static void lstmForward(double[] gates, int go, double[] cPrev, int po, double[] c, int co, double[] h, int ho,
                            int hidden, int from, int to) {
        for (int b = from; b < to; b++) {
            int g = go + 4 * hidden * b, p = po + hidden * b, s = co + hidden * b, o = ho + hidden * b;
            for (int j = 0; j < hidden; j++) {
                double i = sigmoid(gates[g + j]), f = sigmoid(gates[g + hidden + j]);
                double gg = Math.tanh(gates[g + 2 * hidden + j]), out = sigmoid(gates[g + 3 * hidden + j]);
                gates[g + j] = i;
                gates[g + hidden + j] = f;
                gates[g + 2 * hidden + j] = gg;
                gates[g + 3 * hidden + j] = out;
                double cell = Math.fma(f, cPrev[p + j], i * gg);
                c[s + j] = cell;
                h[o + j] = out * Math.tanh(cell);
            }
        }
    }

    static void lstmBackward(double[] gates, int go, double[] cPrev, int po, double[] c, int co, double[] dh, int dho,
                             double[] dc, int dco, double[] dGates, int dgo, int hidden, int from, int to) {
        for (int b = from; b < to; b++) {
            int g = go + 4 * hidden * b, dg = dgo + 4 * hidden * b, p = po + hidden * b;
            int s = co + hidden * b, d = dho + hidden * b, e = dco + hidden * b;
            for (int j = 0; j < hidden; j++) {
                double i = gates[g + j], f = gates[g + hidden + j], gg = gates[g + 2 * hidden + j];
                double o = gates[g + 3 * hidden + j], t = Math.tanh(c[s + j]), dhj = dh[d + j];
                double total = Math.fma(dhj * o, Math.fma(-t, t, 1), dc[e + j]);
                dGates[dg + j] = total * gg * (i * (1 - i));
                dGates[dg + hidden + j] = total * cPrev[p + j] * (f * (1 - f));
                dGates[dg + 2 * hidden + j] = total * i * Math.fma(-gg, gg, 1);
                dGates[dg + 3 * hidden + j] = dhj * t * (o * (1 - o));
                dc[e + j] = total * f;
            }
        }
    }

    // ---- GRU -----------------------------------------------------------------------------------

    static void gruForward(FloatArrayMath math, float[] gi, int io, float[] gh, int ho, float[] hPrev, int po,
                           float[] h, int oo, int hidden, int from, int to) {
        for (int b = from; b < to; b++) {
            int i = io + 3 * hidden * b, k = ho + 3 * hidden * b, p = po + hidden * b, o = oo + hidden * b;
            for (int j = 0; j < 2 * hidden; j++) gi[i + j] += gh[k + j];
            math.sigmoid(gi, i, gi, i, 2 * hidden);
            int n = i + 2 * hidden, kn = k + 2 * hidden;
            for (int j = 0; j < hidden; j++) gi[n + j] = Math.fma(gi[i + j], gh[kn + j], gi[n + j]);
            math.tanh(gi, n, gi, n, hidden);
            for (int j = 0; j < hidden; j++) {
                float nj = gi[n + j];
                h[o + j] = Math.fma(gi[i + hidden + j], hPrev[p + j] - nj, nj);
            }
        }
    }

    static void gruBackward(float[] gates, int go, float[] gh, int ho, float[] hPrev, int po, float[] dh, int dho,
                            float[] dGi, int dio, float[] dGh, int dko, float[] dhPrev, int dpo, int hidden,
                            int from, int to) {
        for (int b = from; b < to; b++) {
            int g = go + 3 * hidden * b, k = ho + 3 * hidden * b, p = po + hidden * b, d = dho + hidden * b;
            int di = dio + 3 * hidden * b, dk = dko + 3 * hidden * b, dp = dpo + hidden * b;
            for (int j = 0; j < hidden; j++) {
                float r = gates[g + j], z = gates[g + hidden + j], n = gates[g + 2 * hidden + j];
                float dhj = dh[d + j], hp = hPrev[p + j];
                float dn = dhj * (1f - z) * Math.fma(-n, n, 1f);
                float dz = dhj * (hp - n) * (z * (1f - z));
                float dr = dn * gh[k + 2 * hidden + j] * (r * (1f - r));
                dGi[di + j] = dr;
                dGi[di + hidden + j] = dz;
                dGi[di + 2 * hidden + j] = dn;
                dGh[dk + j] = dr;
                dGh[dk + hidden + j] = dz;
                dGh[dk + 2 * hidden + j] = dn * r;
                dhPrev[dp + j] = Math.fma(dhj, z, dhPrev[dp + j]);
            }
        }
    }

    static void gruForward(double[] gi, int io, double[] gh, int ho, double[] hPrev, int po, double[] h, int oo,
                           int hidden, int from, int to) {
        for (int b = from; b < to; b++) {
            int i = io + 3 * hidden * b, k = ho + 3 * hidden * b, p = po + hidden * b, o = oo + hidden * b;
            for (int j = 0; j < hidden; j++) {
                double r = sigmoid(gi[i + j] + gh[k + j]);
                double z = sigmoid(gi[i + hidden + j] + gh[k + hidden + j]);
                double n = Math.tanh(Math.fma(r, gh[k + 2 * hidden + j], gi[i + 2 * hidden + j]));
                gi[i + j] = r;
                gi[i + hidden + j] = z;
                gi[i + 2 * hidden + j] = n;
                h[o + j] = Math.fma(z, hPrev[p + j] - n, n);
            }
        }
    }

    static void gruBackward(double[] gates, int go, double[] gh, int ho, double[] hPrev, int po, double[] dh, int dho,
                            double[] dGi, int dio, double[] dGh, int dko, double[] dhPrev, int dpo, int hidden,
                            int from, int to) {
        for (int b = from; b < to; b++) {
            int g = go + 3 * hidden * b, k = ho + 3 * hidden * b, p = po + hidden * b, d = dho + hidden * b;
            int di = dio + 3 * hidden * b, dk = dko + 3 * hidden * b, dp = dpo + hidden * b;
            for (int j = 0; j < hidden; j++) {
                double r = gates[g + j], z = gates[g + hidden + j], n = gates[g + 2 * hidden + j];
                double dhj = dh[d + j], hp = hPrev[p + j];
                double dn = dhj * (1 - z) * Math.fma(-n, n, 1);
                double dz = dhj * (hp - n) * (z * (1 - z));
                double dr = dn * gh[k + 2 * hidden + j] * (r * (1 - r));
                dGi[di + j] = dr;
                dGi[di + hidden + j] = dz;
                dGi[di + 2 * hidden + j] = dn;
                dGh[dk + j] = dr;
                dGh[dk + hidden + j] = dz;
                dGh[dk + 2 * hidden + j] = dn * r;
                dhPrev[dp + j] = Math.fma(dhj, z, dhPrev[dp + j]);
            }
        }
    }

    private static double sigmoid(double x) {
        return UnaryOp.SIGMOID.apply(x);
    }
}
