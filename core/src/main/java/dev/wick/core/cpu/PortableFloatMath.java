package dev.wick.core.cpu;

import static dev.wick.core.cpu.FloatMathConstants.E2;
import static dev.wick.core.cpu.FloatMathConstants.E3;
import static dev.wick.core.cpu.FloatMathConstants.E4;
import static dev.wick.core.cpu.FloatMathConstants.E5;
import static dev.wick.core.cpu.FloatMathConstants.E6;
import static dev.wick.core.cpu.FloatMathConstants.E7;
import static dev.wick.core.cpu.FloatMathConstants.LN2_HI;
import static dev.wick.core.cpu.FloatMathConstants.LN2_LO;
import static dev.wick.core.cpu.FloatMathConstants.LOG2E;
import static dev.wick.core.cpu.FloatMathConstants.ROUND;
import static dev.wick.core.cpu.FloatMathConstants.ROUND_BITS_LESS_BIAS;
import static dev.wick.core.cpu.FloatMathConstants.SUM_LANES;
import static dev.wick.core.cpu.FloatMathConstants.T0;
import static dev.wick.core.cpu.FloatMathConstants.T1;
import static dev.wick.core.cpu.FloatMathConstants.T2;
import static dev.wick.core.cpu.FloatMathConstants.T3;
import static dev.wick.core.cpu.FloatMathConstants.T4;
import static dev.wick.core.cpu.FloatMathConstants.T5;
import static dev.wick.core.cpu.FloatMathConstants.TANH_SATURATES;
import static dev.wick.core.cpu.FloatMathConstants.TANH_SERIES_END;
import static dev.wick.core.cpu.FloatMathConstants.UNDERFLOW;

/**
 * {@link FloatArrayMath} in plain Java, and the scalar reference for {@link SimdFloatMath}: exp,
 * tanh, sigmoid and the sum of exps here give the same bits as the SIMD versions (the arithmetic
 * is in {@link FloatMathConstants}), whose tanh and sigmoid take their scalar tails from here.
 * Shaped so that C2 vectorises what it can: exp is evaluated in float with fused multiply-adds,
 * in three short loops over a block (a long loop body is never unrolled, and so never
 * vectorised), and 2^k is built by exact multiplications by powers of two, since reinterpreting
 * int bits as a float does not vectorise on JDK 17 (the product is the same). Within 1 ulp of the
 * true exp over [-87.3, 0].
 */
final class PortableFloatMath implements FloatArrayMath {
    static final PortableFloatMath INSTANCE = new PortableFloatMath();

    /** Elements per block: the block and its scratch stay in L1 (a multiple of SUM_LANES). */
    private static final int BLOCK = 1024;

    private static final class Scratch {
        final float[] value = new float[BLOCK];
        final float[] power = new float[BLOCK];
        final float[] error = new float[BLOCK];
        final float[] sums = new float[SUM_LANES];
        final float[] lost = new float[SUM_LANES];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private PortableFloatMath() {
    }

    @Override
    public String description() {
        return "portable loops (the SIMD ones need the JVM flag --add-modules jdk.incubator.vector)";
    }

    @Override
    public float max(float[] a, int from, int to) {
        // Four running maxima: one chain of dependent max instructions is latency-bound.
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            m0 = Math.max(m0, a[i]);
            m1 = Math.max(m1, a[i + 1]);
            m2 = Math.max(m2, a[i + 2]);
            m3 = Math.max(m3, a[i + 3]);
        }
        for (; i < to; i++) m0 = Math.max(m0, a[i]);
        return Math.max(Math.max(m0, m1), Math.max(m2, m3));
    }

    /**
     * expShifted for the one shift with no float below it, -Float.MAX_VALUE, where the floor that
     * keeps the rounding-error term finite does not exist (-infinity would make it NaN). Every input
     * is then the shift itself (exp 1), -infinity (0), NaN, or above the shift (exp overflows). Both
     * implementations take this path, so they agree here too.
     */
    static double expShiftedByLowestFloat(float[] src, int sOff, float[] dst, int dOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float x = src[sOff + i];
            float e = x == -Float.MAX_VALUE ? 1f : x == Float.NEGATIVE_INFINITY ? 0f
                    : Float.isNaN(x) ? Float.NaN : Float.POSITIVE_INFINITY;
            dst[dOff + i] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    public double expShifted(float[] src, int sOff, float shift, float[] dst, int dOff, int n) {
        if (shift == -Float.MAX_VALUE) return expShiftedByLowestFloat(src, sOff, dst, dOff, n);
        Scratch s = SCRATCH.get();
        float[] v = s.value, error = s.error, sums = s.sums, lost = s.lost;
        java.util.Arrays.fill(sums, 0f);
        java.util.Arrays.fill(lost, 0f);
        // 200 below the shift, where exp is 0 in float; at least one ulp below for a huge shift,
        // where shift - 200 would round back to the shift itself.
        float floor = Math.min(shift - 200f, Math.nextDown(shift)), negativeShift = -shift;
        for (int b = 0; b < n; b += BLOCK) {
            int len = Math.min(BLOCK, n - b);
            // Zero-based copies: C2 vectorises only loops whose arrays share one offset.
            System.arraycopy(src, sOff + b, v, 0, len);
            for (int i = 0; i < len; i++) {
                // x - shift rounded to float, and the rounding error exactly (Knuth's two-sum).
                // Inputs far below the shift (-infinity included) are raised to where exp is 0 in
                // float, which keeps the error term finite; NaN stays NaN.
                float x = Math.max(v[i], floor), d = x - shift;
                float xPart = d + shift;
                error[i] = (x - xPart) + (negativeShift - (d - xPart));
                v[i] = d;
            }
            expNonPositive(v, s.power, len);
            // exp(d + error) = exp(d) (1 + error) to first order, error being below ulp(d) / 2.
            for (int i = 0; i < len; i++) v[i] = Math.fma(v[i], error[i], v[i]);
            // BLOCK is a multiple of SUM_LANES: element b + i goes to lane i mod SUM_LANES.
            for (int i = 0; i < len; i++) addTo(sums, lost, i % SUM_LANES, v[i]);
            System.arraycopy(v, 0, dst, dOff + b, len);
        }
        // The row is summed as if padded with zeros to a whole number of lane groups, as
        // SimdFloatMath sums its last, partial group.
        for (int lane = n % SUM_LANES; lane > 0 && lane < SUM_LANES; lane++) addTo(sums, lost, lane, 0f);
        return total(sums, lost);
    }

    /** Kahan's compensated sum in one lane: a plain float sum would lose up to n roundings. */
    private static void addTo(float[] sums, float[] lost, int lane, float value) {
        float y = value - lost[lane], t = sums[lane] + y;
        lost[lane] = (t - sums[lane]) - y;
        sums[lane] = t;
    }

    /** The lanes' compensated sums added in lane order, in double. */
    static double total(float[] sums, float[] lost) {
        double total = 0;
        for (int lane = 0; lane < SUM_LANES; lane++) total += (double) sums[lane] - lost[lane];
        return total;
    }

    /**
     * v[i] = exp(v[i]) for v[i] <= 0 (NaN stays NaN), with {@code power} as scratch. exp(v) =
     * 2^k exp(r), k = round(v / ln 2), |r| <= ln 2 / 2; exp(r) by its Taylor polynomial of degree
     * 7 (truncation below 6e-9 relative); 2^-q (q = -k, 0..126) as the product of 2^-64, 2^-32,
     * ..., 2^-1 for the bits of q, each bit found by rounding, each factor exact.
     */
    static void expNonPositive(float[] v, float[] power, int n) {
        for (int i = 0; i < n; i++) {
            float x = v[i];
            float c = Math.max(x, UNDERFLOW);
            float k = Math.fma(c, LOG2E, ROUND) - ROUND;
            float r = Math.fma(k, -LN2_HI, c);
            r = Math.fma(k, -LN2_LO, r);
            float p = Math.fma(expm1OverR(r), r, 1f);
            // 0 below the underflow bound (and for -infinity), 1 above it, NaN for NaN.
            float keep = Math.min(Math.max((x - UNDERFLOW) * 0x1p100f, 0f), 1f);
            v[i] = p * keep;
            power[i] = -k;
        }
        for (int i = 0; i < n; i++) {
            float q = power[i], s = 1f, bit;
            bit = roundToInteger((q - 63.5f) * (1f / 128) + 0.5f);
            s *= Math.fma(bit, 0x1p-64f, 1f - bit);
            q = Math.fma(bit, -64f, q);
            bit = roundToInteger((q - 31.5f) * (1f / 64) + 0.5f);
            s *= Math.fma(bit, 0x1p-32f, 1f - bit);
            q = Math.fma(bit, -32f, q);
            bit = roundToInteger((q - 15.5f) * (1f / 32) + 0.5f);
            s *= Math.fma(bit, 0x1p-16f, 1f - bit);
            q = Math.fma(bit, -16f, q);
            v[i] *= s;
            power[i] = q;
        }
        for (int i = 0; i < n; i++) {
            float q = power[i], s = 1f, bit;
            bit = roundToInteger((q - 7.5f) * (1f / 16) + 0.5f);
            s *= Math.fma(bit, 0x1p-8f, 1f - bit);
            q = Math.fma(bit, -8f, q);
            bit = roundToInteger((q - 3.5f) * (1f / 8) + 0.5f);
            s *= Math.fma(bit, 0x1p-4f, 1f - bit);
            q = Math.fma(bit, -4f, q);
            bit = roundToInteger((q - 1.5f) * (1f / 4) + 0.5f);
            s *= Math.fma(bit, 0x1p-2f, 1f - bit);
            q = Math.fma(bit, -2f, q);
            s *= Math.fma(q, 0.5f, 1f - q);
            v[i] *= s;
        }
    }

    /** (exp(r) - 1) / r for |r| <= ln 2 / 2: exp's Taylor polynomial less its constant term, over r. */
    static float expm1OverR(float r) {
        float p = Math.fma(r, E7, E6);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        return Math.fma(p, r, 1f);
    }

    /** x rounded to the nearest integer, for |x| < 2^22, in float arithmetic that C2 vectorises. */
    private static float roundToInteger(float x) {
        return (x + ROUND) - ROUND;
    }

    @Override
    public void scale(float[] a, int off, int n, float s) {
        FloatKernels.scale(a, off, s, a, off, 0, n);
    }

    @Override
    public void storeRow(float[] row, int rowBase, int n, float alpha, float beta, float[] c, int cBase) {
        if (beta == 0) {
            if (alpha == 1) System.arraycopy(row, rowBase, c, cBase, n);
            else FloatKernels.scale(row, rowBase, alpha, c, cBase, 0, n);
        } else if (beta == 1) {
            FloatKernels.axpy(alpha, row, rowBase, c, cBase, 0, n);
        } else {
            for (int j = 0; j < n; j++) c[cBase + j] = alpha * row[rowBase + j] + beta * c[cBase + j];
        }
    }

    /** No: C2 vectorises the portable kernel only on packed, zero-based rows. */
    @Override
    public boolean hasBlockKernel() {
        return false;
    }

    @Override
    public void multiplyBlock(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b, int bBase,
                              int bRowStride, int nb, float[] out, int outBase, int outRowStride, boolean add) {
        throw new UnsupportedOperationException("no in-place GEMM kernel here: FloatGemm packs for its portable one");
    }

    @Override
    public void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] = tanh(x[xOff + i]);
    }

    /** tanh as {@link FloatMathConstants} describes it; within one ulp of the true value. */
    static float tanh(float x) {
        float a = Math.abs(x);
        float s = a * a, p = Math.fma(T0, s, T1);
        p = Math.fma(p, s, T2);
        p = Math.fma(p, s, T3);
        p = Math.fma(p, s, T4);
        p = Math.fma(p, s, T5);
        float t = a < TANH_SERIES_END ? Math.fma(a, s * p, a) : tanhFromExp(a);
        // tanh(-0) is -0; NaN stays NaN.
        return x == 0 ? x : x < 0 ? -t : t;
    }

    /** tanh(a) = (1 - e) / (1 + e), e = exp(-2a), for a >= TANH_SERIES_END (or NaN). */
    private static float tanhFromExp(float a) {
        float v = -2f * Math.min(a, TANH_SATURATES);
        float rounded = Math.fma(v, LOG2E, ROUND), k = rounded - ROUND;
        float r = Math.fma(k, -LN2_HI, v);
        r = Math.fma(k, -LN2_LO, r);
        // e = 2^k + 2^k (exp(r) - 1), both terms exact; eh + el is that sum exactly.
        float power = Float.intBitsToFloat((Float.floatToRawIntBits(rounded) - ROUND_BITS_LESS_BIAS) << 23);
        float tail = (expm1OverR(r) * r) * power;
        float eh = tail + power, el = tail - (eh - power);
        // 1 - e and 1 + e as unrounded pairs (Fast2Sum: 1 >= eh).
        float nh = 1f - eh, nl = ((1f - nh) - eh) - el;
        float dh = 1f + eh, dl = (eh - (dh - 1f)) + el;
        // The quotient, corrected by its exact remainder and by both pairs' low parts.
        float q = nh / dh;
        float remainder = Math.fma(-q, dh, nh);
        return q + (remainder + Math.fma(-q, dl, nl)) / dh;
    }

    @Override
    public void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
        Scratch s = SCRATCH.get();
        float[] e = s.value;
        for (int b = 0; b < n; b += BLOCK) {
            int len = Math.min(BLOCK, n - b);
            for (int i = 0; i < len; i++) e[i] = -Math.abs(x[xOff + b + i]);
            expNonPositive(e, s.power, len);
            for (int i = 0; i < len; i++) {
                float v = x[xOff + b + i], sum = 1f + e[i];
                y[yOff + b + i] = v < 0 ? e[i] / sum : 1f / sum;
            }
        }
    }

    @Override
    public void lstmState(float[] gates, int gOff, int stride, float[] cPrev, int pOff, float[] c, int cOff, int n) {
        for (int j = 0; j < n; j++) {
            int g = gOff + j;
            c[cOff + j] = Math.fma(gates[g + stride], cPrev[pOff + j], gates[g] * gates[g + 2 * stride]);
        }
    }

    @Override
    public void multiplyInto(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] *= x[xOff + i];
    }

    @Override
    public void addRows(float[] x, int base, int stride, int rows, int width, double[] acc) {
        addRows(x, base, stride, rows, width, acc, 0);
    }

    /** {@link #addRows} into acc from {@code accOff} (the SIMD loop's last columns). */
    void addRows(float[] x, int base, int stride, int rows, int width, double[] acc, int accOff) {
        for (int r = 0; r < rows; r++) {
            int at = base + r * stride;
            for (int j = 0; j < width; j++) acc[accOff + j] += x[at + j];
        }
    }

    @Override
    public void lstmGradients(float[] gates, int gOff, int stride, float[] cPrev, int pOff, float[] tanhC, int tOff,
                              float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff, int n) {
        for (int j = 0; j < n; j++) {
            int g = gOff + j, dg = dgOff + j;
            float i = gates[g], f = gates[g + stride], gg = gates[g + 2 * stride], o = gates[g + 3 * stride];
            float t = tanhC[tOff + j], dhj = dh[dhOff + j];
            float total = Math.fma(dhj * o, Math.fma(-t, t, 1f), dc[dcOff + j]);
            dGates[dg] = total * gg * (i * (1f - i));
            dGates[dg + stride] = total * cPrev[pOff + j] * (f * (1f - f));
            dGates[dg + 2 * stride] = total * i * Math.fma(-gg, gg, 1f);
            dGates[dg + 3 * stride] = dhj * t * (o * (1f - o));
            dc[dcOff + j] = total * f;
        }
    }
}
