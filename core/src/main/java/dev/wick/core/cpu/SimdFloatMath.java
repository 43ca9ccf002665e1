package dev.wick.core.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Objects;

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
 * {@link FloatArrayMath} on the Vector API (jdk.incubator.vector, JDK 17+). Its exp, tanh and
 * sigmoid are Wick's own ({@link FloatMathConstants}), written in lanewise add, multiply, divide,
 * fused multiply-add, min, max, compare-and-blend and integer bit operations only, never the Vector
 * API's transcendental operators: those run a Java fallback until C2 compiles them and HotSpot's
 * SIMD math routines after, which differ in the last bits, so results would depend on JIT timing.
 * Every value here is bit for bit the one {@link PortableFloatMath} computes, whatever the vector
 * width and the JIT tier: tanh's and sigmoid's tails shorter than a vector go through the
 * portable versions, and the sums of exp keep {@link FloatMathConstants#SUM_LANES} lanes in the
 * same order, a row's last partial group padded with zeros as there. (GEMM is the one
 * place the two differ: this kernel fuses each multiply-add, the portable one rounds twice.) Only
 * {@link FloatArrayMath#best} creates it, after checking the module is present.
 *
 * <p>Each Vector API call leaves C2 hundreds of nodes to parse, and once a compilation has created
 * NodeCountInliningCutoff (18,000) of them, C2 stops inlining: the calls left become calls into the
 * API's Java fallbacks, which box every vector (several times slower, and allocating). A
 * transcendental kernel takes about half that budget, so two of them in one compilation, or one
 * inlined into the LSTM cell and the recurrent layer's task, ran out. Hence the heavy kernels
 * ({@link #sigmoid}, {@link #tanh} and its first pass, the GEMM blocks) are each compiled alone: C2
 * does not inline a method of more than FreqInlineSize (325) bytes of bytecode into a hot caller,
 * and each of these is longer, written out rather than split into helpers. SimdKernelsCompiledTest
 * fails if one of them, or the LSTM and GRU cells that call them, allocates once compiled.
 */
final class SimdFloatMath implements FloatArrayMath {
    /** The preferred species, but at most SUM_LANES wide, so that its lanes divide the sum's lanes. */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED.length() <= SUM_LANES
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;
    /**
     * Per-thread room for the sums' lanes, their lost parts and a row's last, partial group of
     * SUM_LANES elements (toArray would allocate on every row).
     */
    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);
    /** Integer lanes of SPECIES's shape, for the bit operations that choose between results. */
    private static final VectorSpecies<Integer> INT_SPECIES = SPECIES.withLanes(int.class);
    private static final IntVector ONE_BITS = ONE.reinterpretAsInts();
    private static final IntVector SIGN_BIT = IntVector.broadcast(INT_SPECIES, 0x80000000);
    private static final IntVector TANH_SERIES_END_BITS = IntVector.broadcast(INT_SPECIES, Float.floatToRawIntBits(TANH_SERIES_END));
    // The constants the polynomials' fused multiply-adds add, as vectors (FloatVector.fma takes
    // two vectors or two scalars, and here the multiplier is a vector).
    private static final FloatVector V_E2 = FloatVector.broadcast(SPECIES, E2), V_E3 = FloatVector.broadcast(SPECIES, E3);
    private static final FloatVector V_E4 = FloatVector.broadcast(SPECIES, E4), V_E5 = FloatVector.broadcast(SPECIES, E5);
    private static final FloatVector V_T2 = FloatVector.broadcast(SPECIES, T2), V_T3 = FloatVector.broadcast(SPECIES, T3);
    private static final FloatVector V_T4 = FloatVector.broadcast(SPECIES, T4), V_T5 = FloatVector.broadcast(SPECIES, T5);
    /** -ln 2 in two parts, for k (-ln 2) + v in two exact-product steps. */
    private static final FloatVector MINUS_LN2_HI = FloatVector.broadcast(SPECIES, -LN2_HI);
    private static final FloatVector MINUS_LN2_LO = FloatVector.broadcast(SPECIES, -LN2_LO);
    /**
     * 512-bit vectors mean AVX-512 and its 32 vector registers, room for the eight-row kernel's 24
     * accumulators; with 16 registers they would spill.
     */
    private static final boolean WIDE_REGISTER_FILE = SPECIES.vectorBitSize() >= 512;

    /**
     * The float lanes of integer bits, in SPECIES itself. reinterpretAsFloats would give the same
     * bits, but its species is derived at run time, so C2 cannot treat it as a constant: a store
     * straight from such a vector is not intrinsified and boxes every vector it writes.
     */
    private static FloatVector asFloats(IntVector bits) {
        return (FloatVector) bits.reinterpretShape(SPECIES, 0);
    }
    /** Doubles in SPECIES's shape: half as many lanes, each vector of floats widens into two ({@link #addRows}). */
    private static final VectorSpecies<Double> DOUBLES = VectorSpecies.of(double.class, SPECIES.vectorShape());
    private static final ThreadLocal<float[][]> LANES = ThreadLocal.withInitial(() -> new float[3][SUM_LANES]);

    private SimdFloatMath() {
    }

    /** A working instance, or an exception if the Vector API does not run here. */
    static SimdFloatMath create() {
        SimdFloatMath math = new SimdFloatMath();
        float[] probe = new float[SUM_LANES + 3];
        java.util.Arrays.fill(probe, -1f);
        double sum = math.expShifted(probe, 0, 0f, probe, 0, probe.length);
        double expected = probe.length * Math.exp(-1);
        if (Math.abs(sum - expected) > 1e-5 * expected) {
            throw new IllegalStateException("Vector API exp gave " + sum + ", expected " + expected);
        }
        return math;
    }

    @Override
    public String description() {
        return "SIMD via jdk.incubator.vector, " + SPECIES.vectorBitSize() + "-bit";
    }

    @Override
    public float max(float[] a, int from, int to) {
        int i = from;
        float m = Float.NEGATIVE_INFINITY;
        int step = SPECIES.length();
        if (to - from >= step) {
            FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            for (; i + step <= to; i += step) acc = acc.max(FloatVector.fromArray(SPECIES, a, i));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < to; i++) m = Math.max(m, a[i]);
        return m;
    }

    @Override
    public double expShifted(float[] src, int sOff, float shift, float[] dst, int dOff, int n) {
        if (shift == -Float.MAX_VALUE) return PortableFloatMath.expShiftedByLowestFloat(src, sOff, dst, dOff, n);
        float[][] lanes = LANES.get();
        float[] sums = lanes[0], lost = lanes[1], tail = lanes[2];
        int bound = n - n % SUM_LANES;
        if (bound < n) {
            // The last, partial group, padded with -infinity, whose exp adds exactly 0 to the sums
            // (as PortableFloatMath pads its sum with zeros). A copy: masked loads and stores are
            // intrinsics only on some JDKs and CPUs, and very slow where they are not.
            java.util.Arrays.fill(tail, Float.NEGATIVE_INFINITY);
            System.arraycopy(src, sOff + bound, tail, 0, n - bound);
        }
        // At least one ulp below a huge shift, where shift - 200 would round back to the shift.
        FloatVector floor = FloatVector.broadcast(SPECIES, Math.min(shift - 200f, Math.nextDown(shift)));
        FloatVector negativeShift = FloatVector.broadcast(SPECIES, -shift);
        // One pass per vector of a group of SUM_LANES elements, each with its own compensated sum,
        // so that element i is summed in lane i mod SUM_LANES whatever the vector width.
        // The partial group is the loop's last round, read from and written to the padded copy: one
        // copy of the kernel in the loop, which C2 inlines whole (a second one can exceed its
        // inlining budget, and a kernel left out of line boxes every vector it passes).
        int end = bound < n ? bound + SUM_LANES : bound;
        for (int part = 0; part < SUM_LANES; part += SPECIES.length()) {
            FloatVector sum = FloatVector.zero(SPECIES), sumLost = sum;
            for (int i = part; i < end; i += SUM_LANES) {
                boolean inTail = i >= bound;
                float[] in = inTail ? tail : src, out = inTail ? tail : dst;
                int from = inTail ? i - bound : sOff + i, to = inTail ? i - bound : dOff + i;
                // Inputs far below the shift (-infinity included) are raised to the floor, where exp
                // is exactly 0 and the error term finite; NaN stays NaN.
                FloatVector x = FloatVector.fromArray(SPECIES, in, from).max(floor);
                // x - shift rounded to float, and its rounding error exactly (Knuth's two-sum);
                // exp(d + error) = exp(d) (1 + error) to first order, error being below ulp(d) / 2.
                FloatVector d = x.sub(shift), xPart = d.add(shift);
                FloatVector error = x.sub(xPart).add(negativeShift.sub(d.sub(xPart)));
                FloatVector c = d.max(UNDERFLOW), rounded = c.fma(LOG2E, ROUND), k = rounded.sub(ROUND);
                FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, c));
                FloatVector p = r.fma(E7, E6).fma(r, V_E5).fma(r, V_E4).fma(r, V_E3).fma(r, V_E2).fma(r, ONE).fma(r, ONE);
                // keep: 0 below the underflow bound (and for -infinity), 1 above it, NaN for NaN.
                FloatVector keep = d.sub(UNDERFLOW).mul(0x1p100f).max(0f).min(1f);
                FloatVector power = asFloats(rounded.reinterpretAsInts().sub(ROUND_BITS_LESS_BIAS)
                        .lanewise(VectorOperators.LSHL, 23));
                FloatVector e = p.mul(keep).mul(power);
                e = e.fma(error, e);
                e.intoArray(out, to);
                // Kahan: a plain float sum would lose up to n roundings, and that error lands on
                // every probability through the normalisation.
                FloatVector y = e.sub(sumLost);
                FloatVector t = sum.add(y);
                sumLost = t.sub(sum).sub(y);
                sum = t;
            }
            sum.intoArray(sums, part);
            sumLost.intoArray(lost, part);
        }
        if (bound < n) System.arraycopy(tail, 0, dst, dOff + bound, n - bound);
        return PortableFloatMath.total(sums, lost);
    }

    // The kernels are written out in the loops with the Vector API's own methods only, never a
    // helper of Wick's that takes or returns a vector. Such a helper, however small, can be
    // compiled on its own first (while its caller still runs in the interpreter), and C2 then
    // declines to inline it into the caller ("already compiled into a big method"): every vector
    // through the call is boxed, an allocation per vector and tens of times slower, in some JVMs
    // and not others. The polynomials are therefore spelled out wherever they are used.

    @Override
    public void scale(float[] a, int off, int n, float s) {
        int step = SPECIES.length();
        int i = 0;
        for (int bound = n - n % step; i < bound; i += step) {
            FloatVector.fromArray(SPECIES, a, off + i).mul(s).intoArray(a, off + i);
        }
        for (; i < n; i++) a[off + i] *= s;
    }

    @Override
    public void storeRow(float[] row, int rowBase, int n, float alpha, float beta, float[] c, int cBase) {
        int step = SPECIES.length();
        int j = 0;
        if (beta == 0) {
            for (int bound = n - n % step; j < bound; j += step) {
                FloatVector.fromArray(SPECIES, row, rowBase + j).mul(alpha).intoArray(c, cBase + j);
            }
            for (; j < n; j++) c[cBase + j] = alpha * row[rowBase + j];
        } else {
            // alpha row + beta c, rounded as the portable path rounds it (no fused multiply-add).
            for (int bound = n - n % step; j < bound; j += step) {
                FloatVector r = FloatVector.fromArray(SPECIES, row, rowBase + j).mul(alpha);
                r.add(FloatVector.fromArray(SPECIES, c, cBase + j).mul(beta)).intoArray(c, cBase + j);
            }
            for (; j < n; j++) c[cBase + j] = alpha * row[rowBase + j] + beta * c[cBase + j];
        }
    }

    @Override
    public boolean hasBlockKernel() {
        return true;
    }

    /**
     * The register-blocked kernel. Every path computes each element as one chain of fused
     * multiply-adds in depth order, from zero or, when {@code add}, from the value in out, so
     * results depend neither on where a column falls nor on how rows are grouped. With 512-bit
     * vectors (AVX-512, which has 32 vector registers) groups of five to eight rows take
     * {@link #multiplyEightRows}; the rest, and every group on narrower vectors (AVX2 has 16
     * registers), take {@link #multiplyFourRows} in groups of four. A's rows are adjacent
     * ({@link FloatArrayMath#multiplyBlock}): the eight reads of a depth step are one index plus
     * constants, whose bounds checks C2 merges into one, where rows a run-time stride apart cost a
     * check each (measured at about a fifth of the kernel's rate).
     *
     * <p>The chains start from out's values rather than adding them at the end: a load and a
     * store per accumulator keep each kernel inside C2's node budget (see the class comment),
     * where a load, an add and two stores (for the two cases) ran past it.
     */
    @Override
    public void multiplyBlock(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b, int bBase,
                              int bRowStride, int nb, float[] out, int outBase, int outRowStride, boolean add) {
        if (WIDE_REGISTER_FILE && rows > 4) {
            multiplyEightRows(a, aBase, aDepthStride, rows, kb, b, bBase, bRowStride, nb, out, outBase, outRowStride, add);
            return;
        }
        for (int r = 0; r < rows; r += 4) {
            multiplyFourRows(a, aBase + r, aDepthStride, Math.min(4, rows - r), kb, b, bBase, bRowStride, nb, out,
                    outBase + r * outRowStride, outRowStride, add);
        }
    }

    /**
     * Up to eight rows of A against three vectors of B's columns: 24 accumulators in registers
     * through the whole depth (per depth step: three vector loads, eight broadcasts, 24 fused
     * multiply-adds), which keeps both FMA pipes busy where four rows by two vectors waits on loads
     * and latency; then, for the last columns, two vectors (16 accumulators) or one (eight), then
     * single columns. All eight lanes of A are computed; rows beyond {@code rows} are neither read
     * from out nor stored.
     */
    private static void multiplyEightRows(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b,
                                          int bBase, int bRowStride, int nb, float[] out, int outBase,
                                          int outRowStride, boolean add) {
        int step = SPECIES.length();
        int j = 0;
        for (; j + 3 * step <= nb; j += 3 * step) {
            eightRowsThreeVectors(a, aBase, aDepthStride, rows, kb, b, bBase + j, bRowStride, out, outBase + j,
                    outRowStride, add);
        }
        if (j + 2 * step <= nb) {
            eightRowsTwoVectors(a, aBase, aDepthStride, rows, kb, b, bBase + j, bRowStride, out, outBase + j,
                    outRowStride, add);
            j += 2 * step;
        }
        // A last partial vector of columns is computed whole where B's array has the room: the
        // lanes past nb read whatever follows of B, start from zero and are never stored (a lane's
        // chain does not depend on its neighbours). Single columns are the fallback (eight times
        // the work each).
        for (; j + step <= nb; j += step) {
            eightRowsOneVector(a, aBase, aDepthStride, rows, kb, b, bBase + j, bRowStride, out, outBase + j, outRowStride,
                    add);
        }
        if (j < nb && readable(b, bBase + j, bRowStride, kb)) {
            // The last partial vector runs the whole-vector kernel on a spill block, its rows one
            // vector apart, and only its first lanes travel to and from out. (The same kernel
            // with both cases in one method ran out of C2's node budget, depending on which
            // products had run first, and boxed.)
            int lanes = nb - j;
            float[] spill = SPILL.get();
            if (add) {
                for (int r = 0; r < rows; r++) System.arraycopy(out, outBase + j + r * outRowStride, spill, r * step, lanes);
            }
            eightRowsOneVector(a, aBase, aDepthStride, rows, kb, b, bBase + j, bRowStride, spill, 0, step, add);
            for (int r = 0; r < rows; r++) System.arraycopy(spill, r * step, out, outBase + j + r * outRowStride, lanes);
            j = nb;
        }
        for (; j < nb; j++) {
            eightRowsOneColumn(a, aBase, aDepthStride, rows, kb, b, bBase + j, bRowStride, out, outBase + j,
                    outRowStride, add);
        }
    }

    /** Whether a whole vector can be read at column offset {@code bq0} of each of the kb rows of B. */
    private static boolean readable(float[] b, int bq0, int bRowStride, int kb) {
        return bq0 + (long) (kb - 1) * bRowStride + SPECIES.length() <= b.length;
    }

    /**
     * Room for a group's rows of one vector each, for the partial vectors at the end of a row (a
     * masked store boxes on JDK 17).
     */
    private static final ThreadLocal<float[]> SPILL = ThreadLocal.withInitial(
            () -> new float[GemmPlan.ROW_GROUP * SPECIES.length()]);

    /** out[at, at + lanes) and zeros past them, through {@code spill}; zeros when not {@code add}. */
    private static FloatVector startLanes(float[] out, int at, int lanes, boolean add, float[] spill) {
        if (add) System.arraycopy(out, at, spill, 0, lanes);
        Arrays.fill(spill, add ? lanes : 0, SPECIES.length(), 0f);
        return FloatVector.fromArray(SPECIES, spill, 0);
    }

    /** out[at, at + lanes) = v's first lanes, through {@code spill}. */
    private static void storeLanes(FloatVector v, float[] out, int at, int lanes, float[] spill) {
        v.intoArray(spill, 0);
        System.arraycopy(spill, 0, out, at, lanes);
    }

    /** Eight rows against three vectors of columns (see {@link #multiplyEightRows}). */
    private static void eightRowsThreeVectors(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b,
            int bq0, int bRowStride, float[] out, int o, int os, boolean add) {
        int step = SPECIES.length();
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c00 = zero, c01 = zero, c02 = zero;
        FloatVector c10 = zero, c11 = zero, c12 = zero;
        FloatVector c20 = zero, c21 = zero, c22 = zero;
        FloatVector c30 = zero, c31 = zero, c32 = zero;
        FloatVector c40 = zero, c41 = zero, c42 = zero;
        FloatVector c50 = zero, c51 = zero, c52 = zero;
        FloatVector c60 = zero, c61 = zero, c62 = zero;
        FloatVector c70 = zero, c71 = zero, c72 = zero;
        if (add) {
            c00 = FloatVector.fromArray(SPECIES, out, o);
            c01 = FloatVector.fromArray(SPECIES, out, o + step);
            c02 = FloatVector.fromArray(SPECIES, out, o + 2 * step);
            c10 = FloatVector.fromArray(SPECIES, out, o + os);
            c11 = FloatVector.fromArray(SPECIES, out, o + os + step);
            c12 = FloatVector.fromArray(SPECIES, out, o + os + 2 * step);
            c20 = FloatVector.fromArray(SPECIES, out, o + 2 * os);
            c21 = FloatVector.fromArray(SPECIES, out, o + 2 * os + step);
            c22 = FloatVector.fromArray(SPECIES, out, o + 2 * os + 2 * step);
            c30 = FloatVector.fromArray(SPECIES, out, o + 3 * os);
            c31 = FloatVector.fromArray(SPECIES, out, o + 3 * os + step);
            c32 = FloatVector.fromArray(SPECIES, out, o + 3 * os + 2 * step);
            c40 = FloatVector.fromArray(SPECIES, out, o + 4 * os);
            c41 = FloatVector.fromArray(SPECIES, out, o + 4 * os + step);
            c42 = FloatVector.fromArray(SPECIES, out, o + 4 * os + 2 * step);
            if (rows > 5) {
                c50 = FloatVector.fromArray(SPECIES, out, o + 5 * os);
                c51 = FloatVector.fromArray(SPECIES, out, o + 5 * os + step);
                c52 = FloatVector.fromArray(SPECIES, out, o + 5 * os + 2 * step);
            }
            if (rows > 6) {
                c60 = FloatVector.fromArray(SPECIES, out, o + 6 * os);
                c61 = FloatVector.fromArray(SPECIES, out, o + 6 * os + step);
                c62 = FloatVector.fromArray(SPECIES, out, o + 6 * os + 2 * step);
            }
            if (rows > 7) {
                c70 = FloatVector.fromArray(SPECIES, out, o + 7 * os);
                c71 = FloatVector.fromArray(SPECIES, out, o + 7 * os + step);
                c72 = FloatVector.fromArray(SPECIES, out, o + 7 * os + 2 * step);
            }
        }
        for (int q = 0, aq = aBase, bq = bq0; q < kb; q++, aq += aDepthStride, bq += bRowStride) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bq);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bq + step);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bq + 2 * step);
            FloatVector x = FloatVector.broadcast(SPECIES, a[aq]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(SPECIES, a[aq + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(SPECIES, a[aq + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(SPECIES, a[aq + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(SPECIES, a[aq + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(SPECIES, a[aq + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(SPECIES, a[aq + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(SPECIES, a[aq + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + step);
        c02.intoArray(out, o + 2 * step);
        c10.intoArray(out, o + os);
        c11.intoArray(out, o + os + step);
        c12.intoArray(out, o + os + 2 * step);
        c20.intoArray(out, o + 2 * os);
        c21.intoArray(out, o + 2 * os + step);
        c22.intoArray(out, o + 2 * os + 2 * step);
        c30.intoArray(out, o + 3 * os);
        c31.intoArray(out, o + 3 * os + step);
        c32.intoArray(out, o + 3 * os + 2 * step);
        c40.intoArray(out, o + 4 * os);
        c41.intoArray(out, o + 4 * os + step);
        c42.intoArray(out, o + 4 * os + 2 * step);
        if (rows > 5) {
            c50.intoArray(out, o + 5 * os);
            c51.intoArray(out, o + 5 * os + step);
            c52.intoArray(out, o + 5 * os + 2 * step);
        }
        if (rows > 6) {
            c60.intoArray(out, o + 6 * os);
            c61.intoArray(out, o + 6 * os + step);
            c62.intoArray(out, o + 6 * os + 2 * step);
        }
        if (rows > 7) {
            c70.intoArray(out, o + 7 * os);
            c71.intoArray(out, o + 7 * os + step);
            c72.intoArray(out, o + 7 * os + 2 * step);
        }
    }

    /** Eight rows against two vectors of columns. */
    private static void eightRowsTwoVectors(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b,
            int bq0, int bRowStride, float[] out, int o, int os, boolean add) {
        int step = SPECIES.length();
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c00 = zero, c01 = zero;
        FloatVector c10 = zero, c11 = zero;
        FloatVector c20 = zero, c21 = zero;
        FloatVector c30 = zero, c31 = zero;
        FloatVector c40 = zero, c41 = zero;
        FloatVector c50 = zero, c51 = zero;
        FloatVector c60 = zero, c61 = zero;
        FloatVector c70 = zero, c71 = zero;
        if (add) {
            c00 = FloatVector.fromArray(SPECIES, out, o);
            c01 = FloatVector.fromArray(SPECIES, out, o + step);
            c10 = FloatVector.fromArray(SPECIES, out, o + os);
            c11 = FloatVector.fromArray(SPECIES, out, o + os + step);
            c20 = FloatVector.fromArray(SPECIES, out, o + 2 * os);
            c21 = FloatVector.fromArray(SPECIES, out, o + 2 * os + step);
            c30 = FloatVector.fromArray(SPECIES, out, o + 3 * os);
            c31 = FloatVector.fromArray(SPECIES, out, o + 3 * os + step);
            c40 = FloatVector.fromArray(SPECIES, out, o + 4 * os);
            c41 = FloatVector.fromArray(SPECIES, out, o + 4 * os + step);
            if (rows > 5) {
                c50 = FloatVector.fromArray(SPECIES, out, o + 5 * os);
                c51 = FloatVector.fromArray(SPECIES, out, o + 5 * os + step);
            }
            if (rows > 6) {
                c60 = FloatVector.fromArray(SPECIES, out, o + 6 * os);
                c61 = FloatVector.fromArray(SPECIES, out, o + 6 * os + step);
            }
            if (rows > 7) {
                c70 = FloatVector.fromArray(SPECIES, out, o + 7 * os);
                c71 = FloatVector.fromArray(SPECIES, out, o + 7 * os + step);
            }
        }
        for (int q = 0, aq = aBase, bq = bq0; q < kb; q++, aq += aDepthStride, bq += bRowStride) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bq);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bq + step);
            FloatVector x = FloatVector.broadcast(SPECIES, a[aq]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[aq + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[aq + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[aq + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[aq + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[aq + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, a[aq + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, a[aq + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + step);
        c10.intoArray(out, o + os);
        c11.intoArray(out, o + os + step);
        c20.intoArray(out, o + 2 * os);
        c21.intoArray(out, o + 2 * os + step);
        c30.intoArray(out, o + 3 * os);
        c31.intoArray(out, o + 3 * os + step);
        c40.intoArray(out, o + 4 * os);
        c41.intoArray(out, o + 4 * os + step);
        if (rows > 5) {
            c50.intoArray(out, o + 5 * os);
            c51.intoArray(out, o + 5 * os + step);
        }
        if (rows > 6) {
            c60.intoArray(out, o + 6 * os);
            c61.intoArray(out, o + 6 * os + step);
        }
        if (rows > 7) {
            c70.intoArray(out, o + 7 * os);
            c71.intoArray(out, o + 7 * os + step);
        }
    }

    /** Eight rows against one vector of columns. */
    private static void eightRowsOneVector(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b,
            int bq0, int bRowStride, float[] out, int o, int os, boolean add) {
        FloatVector zero = FloatVector.zero(SPECIES), c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero,
                c6 = zero, c7 = zero;
        if (add) {
            c0 = FloatVector.fromArray(SPECIES, out, o);
            c1 = FloatVector.fromArray(SPECIES, out, o + os);
            c2 = FloatVector.fromArray(SPECIES, out, o + 2 * os);
            c3 = FloatVector.fromArray(SPECIES, out, o + 3 * os);
            c4 = FloatVector.fromArray(SPECIES, out, o + 4 * os);
            if (rows > 5) c5 = FloatVector.fromArray(SPECIES, out, o + 5 * os);
            if (rows > 6) c6 = FloatVector.fromArray(SPECIES, out, o + 6 * os);
            if (rows > 7) c7 = FloatVector.fromArray(SPECIES, out, o + 7 * os);
        }
        for (int q = 0, aq = aBase, bq = bq0; q < kb; q++, aq += aDepthStride, bq += bRowStride) {
            FloatVector x = FloatVector.fromArray(SPECIES, b, bq);
            c0 = FloatVector.broadcast(SPECIES, a[aq]).fma(x, c0);
            c1 = FloatVector.broadcast(SPECIES, a[aq + 1]).fma(x, c1);
            c2 = FloatVector.broadcast(SPECIES, a[aq + 2]).fma(x, c2);
            c3 = FloatVector.broadcast(SPECIES, a[aq + 3]).fma(x, c3);
            c4 = FloatVector.broadcast(SPECIES, a[aq + 4]).fma(x, c4);
            c5 = FloatVector.broadcast(SPECIES, a[aq + 5]).fma(x, c5);
            c6 = FloatVector.broadcast(SPECIES, a[aq + 6]).fma(x, c6);
            c7 = FloatVector.broadcast(SPECIES, a[aq + 7]).fma(x, c7);
        }
        c0.intoArray(out, o);
        c1.intoArray(out, o + os);
        c2.intoArray(out, o + 2 * os);
        c3.intoArray(out, o + 3 * os);
        c4.intoArray(out, o + 4 * os);
        if (rows > 5) c5.intoArray(out, o + 5 * os);
        if (rows > 6) c6.intoArray(out, o + 6 * os);
        if (rows > 7) c7.intoArray(out, o + 7 * os);
    }

    private static void eightRowsOneColumn(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b,
            int bq0, int bRowStride, float[] out, int o, int os, boolean add) {
        float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f, c4 = 0f, c5 = 0f, c6 = 0f, c7 = 0f;
        if (add) {
            c0 = out[o];
            c1 = out[o + os];
            c2 = out[o + 2 * os];
            c3 = out[o + 3 * os];
            c4 = out[o + 4 * os];
            if (rows > 5) c5 = out[o + 5 * os];
            if (rows > 6) c6 = out[o + 6 * os];
            if (rows > 7) c7 = out[o + 7 * os];
        }
        for (int q = 0, aq = aBase, bq = bq0; q < kb; q++, aq += aDepthStride, bq += bRowStride) {
            float x = b[bq];
            c0 = Math.fma(a[aq], x, c0);
            c1 = Math.fma(a[aq + 1], x, c1);
            c2 = Math.fma(a[aq + 2], x, c2);
            c3 = Math.fma(a[aq + 3], x, c3);
            c4 = Math.fma(a[aq + 4], x, c4);
            c5 = Math.fma(a[aq + 5], x, c5);
            c6 = Math.fma(a[aq + 6], x, c6);
            c7 = Math.fma(a[aq + 7], x, c7);
        }
        out[o] = c0;
        out[o + os] = c1;
        out[o + 2 * os] = c2;
        out[o + 3 * os] = c3;
        out[o + 4 * os] = c4;
        if (rows > 5) out[o + 5 * os] = c5;
        if (rows > 6) out[o + 6 * os] = c6;
        if (rows > 7) out[o + 7 * os] = c7;
    }

    /**
     * Up to four rows of A against two vectors of B's columns, the eight accumulators held in
     * registers through the whole depth (per depth step: two vector loads, four broadcasts, eight
     * fused multiply-adds); narrower tails use one vector, then scalars. Eight accumulators fit the
     * sixteen registers of AVX2. {@code aBase} is the first of the four adjacent rows; all four
     * are computed, and rows beyond {@code rows} are neither read from out nor stored.
     */
    private static void multiplyFourRows(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b,
                                         int bBase, int bRowStride, int nb, float[] out, int o, int os, boolean add) {
        int step = SPECIES.length();
        FloatVector zero = FloatVector.zero(SPECIES);
        int j = 0;
        for (; j + 2 * step <= nb; j += 2 * step) {
            FloatVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
            if (add) {
                c00 = FloatVector.fromArray(SPECIES, out, o + j);
                c01 = FloatVector.fromArray(SPECIES, out, o + j + step);
                if (rows > 1) {
                    c10 = FloatVector.fromArray(SPECIES, out, o + os + j);
                    c11 = FloatVector.fromArray(SPECIES, out, o + os + j + step);
                }
                if (rows > 2) {
                    c20 = FloatVector.fromArray(SPECIES, out, o + 2 * os + j);
                    c21 = FloatVector.fromArray(SPECIES, out, o + 2 * os + j + step);
                }
                if (rows > 3) {
                    c30 = FloatVector.fromArray(SPECIES, out, o + 3 * os + j);
                    c31 = FloatVector.fromArray(SPECIES, out, o + 3 * os + j + step);
                }
            }
            for (int q = 0, aq = aBase, bq = bBase + j; q < kb; q++, aq += aDepthStride, bq += bRowStride) {
                FloatVector b0 = FloatVector.fromArray(SPECIES, b, bq);
                FloatVector b1 = FloatVector.fromArray(SPECIES, b, bq + step);
                FloatVector x = FloatVector.broadcast(SPECIES, a[aq]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(SPECIES, a[aq + 1]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(SPECIES, a[aq + 2]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(SPECIES, a[aq + 3]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
            }
            c00.intoArray(out, o + j);
            c01.intoArray(out, o + j + step);
            if (rows > 1) {
                c10.intoArray(out, o + os + j);
                c11.intoArray(out, o + os + j + step);
            }
            if (rows > 2) {
                c20.intoArray(out, o + 2 * os + j);
                c21.intoArray(out, o + 2 * os + j + step);
            }
            if (rows > 3) {
                c30.intoArray(out, o + 3 * os + j);
                c31.intoArray(out, o + 3 * os + j + step);
            }
        }
        fourRowsTail(a, aBase, aDepthStride, rows, kb, b, bBase, bRowStride, j, nb, out, o, os, add);
    }

    /**
     * {@link #multiplyFourRows}'s columns [j, nb) past its pairs of vectors: one vector at a time
     * (a last partial one through a spill row), then single columns. Compiled apart from the pairs
     * for C2's node budget.
     */
    private static void fourRowsTail(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b, int bBase,
                                     int bRowStride, int j, int nb, float[] out, int o, int os, boolean add) {
        int step = SPECIES.length();
        FloatVector zero = FloatVector.zero(SPECIES);
        float[] spill = SPILL.get();
        for (; j < nb && (j + step <= nb || readable(b, bBase + j, bRowStride, kb)); j += step) {
            int lanes = Math.min(step, nb - j);
            FloatVector c0 = startLanes(out, o + j, lanes, add, spill);
            FloatVector c1 = rows > 1 ? startLanes(out, o + os + j, lanes, add, spill) : zero;
            FloatVector c2 = rows > 2 ? startLanes(out, o + 2 * os + j, lanes, add, spill) : zero;
            FloatVector c3 = rows > 3 ? startLanes(out, o + 3 * os + j, lanes, add, spill) : zero;
            for (int q = 0, aq = aBase, bq = bBase + j; q < kb; q++, aq += aDepthStride, bq += bRowStride) {
                FloatVector x = FloatVector.fromArray(SPECIES, b, bq);
                c0 = FloatVector.broadcast(SPECIES, a[aq]).fma(x, c0);
                c1 = FloatVector.broadcast(SPECIES, a[aq + 1]).fma(x, c1);
                c2 = FloatVector.broadcast(SPECIES, a[aq + 2]).fma(x, c2);
                c3 = FloatVector.broadcast(SPECIES, a[aq + 3]).fma(x, c3);
            }
            storeLanes(c0, out, o + j, lanes, spill);
            if (rows > 1) storeLanes(c1, out, o + os + j, lanes, spill);
            if (rows > 2) storeLanes(c2, out, o + 2 * os + j, lanes, spill);
            if (rows > 3) storeLanes(c3, out, o + 3 * os + j, lanes, spill);
        }
        for (; j < nb; j++) {
            // Four independent chains at once: one alone would wait on each fused multiply-add.
            float c0 = add ? out[o + j] : 0f, c1 = add && rows > 1 ? out[o + os + j] : 0f;
            float c2 = add && rows > 2 ? out[o + 2 * os + j] : 0f, c3 = add && rows > 3 ? out[o + 3 * os + j] : 0f;
            for (int q = 0, aq = aBase, bq = bBase + j; q < kb; q++, aq += aDepthStride, bq += bRowStride) {
                float x = b[bq];
                c0 = Math.fma(a[aq], x, c0);
                c1 = Math.fma(a[aq + 1], x, c1);
                c2 = Math.fma(a[aq + 2], x, c2);
                c3 = Math.fma(a[aq + 3], x, c3);
            }
            out[o + j] = c0;
            if (rows > 1) out[o + os + j] = c1;
            if (rows > 2) out[o + 2 * os + j] = c2;
            if (rows > 3) out[o + 3 * os + j] = c3;
        }
    }

    /** Elements per block of {@link #tanh}'s two passes: a scratch row that stays in L1. */
    private static final int TANH_BLOCK = 512;
    private static final ThreadLocal<float[]> TANH_SCRATCH = ThreadLocal.withInitial(() -> new float[TANH_BLOCK]);

    /**
     * Lane for lane {@link PortableFloatMath#tanh(float)}, in two passes per block: the exp-based
     * half into a scratch row ({@link #tanhFromExp}, a method of its own), then here the series,
     * the choice between them and the sign. Both halves in one compilation run past C2's node
     * budget (see the class comment); each alone stays inside it.
     */
    @Override
    public void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
        // Both ranges checked before anything is stored: a bad one would otherwise fail only after
        // whole blocks of y had been written.
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(yOff, n, y.length);
        int step = SPECIES.length(), bound = n - n % step;
        float[] e = TANH_SCRATCH.get();
        for (int b = 0; b < bound; b += TANH_BLOCK) {
            int length = Math.min(TANH_BLOCK, bound - b), from = xOff + b, to = yOff + b;
            tanhFromExp(x, from, e, length);
            // y = the series below TANH_SERIES_END, else e, with x's sign.
            for (int i = 0; i < length; i += step) {
                FloatVector in = FloatVector.fromArray(SPECIES, x, from + i), a = in.abs(), s = a.mul(a);
                FloatVector series = a.fma(s.mul(s.fma(T0, T1).fma(s, V_T2).fma(s, V_T3).fma(s, V_T4).fma(s, V_T5)), a);
                // Chosen with integer bit operations rather than a compare and a blend (fewer nodes for
                // C2). a is never negative, so its bits order as its values: bits(a) - bits(end) is
                // negative, all ones after the shift, exactly where a < end (NaN goes to e, as there).
                // x's sign is then copied bit for bit, which also keeps -0 (the series gives +0 there).
                IntVector belowEnd = a.reinterpretAsInts().sub(TANH_SERIES_END_BITS).lanewise(VectorOperators.ASHR, 31);
                IntVector chosen = series.reinterpretAsInts().and(belowEnd)
                        .or(FloatVector.fromArray(SPECIES, e, i).reinterpretAsInts().lanewise(VectorOperators.AND_NOT, belowEnd));
                asFloats(chosen.or(in.reinterpretAsInts().and(SIGN_BIT))).intoArray(y, to + i);
            }
        }
        for (int i = bound; i < n; i++) y[yOff + i] = PortableFloatMath.tanh(x[xOff + i]);
    }

    /** e[i] = (1 - exp(-2a)) / (1 + exp(-2a)) for a = |x[from + i]|, as PortableFloatMath's tanhFromExp. */
    private static void tanhFromExp(float[] x, int from, float[] e, int length) {
        int step = SPECIES.length();
        for (int i = 0; i < length; i += step) {
            FloatVector a = FloatVector.fromArray(SPECIES, x, from + i).abs();
            // (1 - e) / (1 + e), e = exp(-2a) = 2^k + 2^k (exp(r) - 1).
            FloatVector v = a.min(TANH_SATURATES).mul(-2f), rounded = v.fma(LOG2E, ROUND);
            FloatVector k = rounded.sub(ROUND), r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, v));
            FloatVector power = asFloats(rounded.reinterpretAsInts().sub(ROUND_BITS_LESS_BIAS)
                    .lanewise(VectorOperators.LSHL, 23));
            FloatVector expm1OverR = r.fma(E7, E6).fma(r, V_E5).fma(r, V_E4).fma(r, V_E3).fma(r, V_E2).fma(r, ONE);
            FloatVector tail = expm1OverR.mul(r).mul(power);
            FloatVector eh = tail.add(power), el = tail.sub(eh.sub(power));
            FloatVector nh = ONE.sub(eh), nl = ONE.sub(nh).sub(eh).sub(el);
            FloatVector dh = ONE.add(eh), dl = eh.sub(dh.sub(1f)).add(el);
            FloatVector q = nh.div(dh);
            FloatVector remainder = q.neg().fma(dh, nh);
            q.add(remainder.add(q.neg().fma(dl, nl)).div(dh)).intoArray(e, i);
        }
    }

    @Override
    public void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
        // Checked first, as in tanh (and see the class comment).
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(yOff, n, y.length);
        int step = SPECIES.length();
        int i = 0;
        for (int bound = n - n % step; i < bound; i += step) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xOff + i), m = v.abs().neg();
            FloatVector c = m.max(UNDERFLOW), rounded = c.fma(LOG2E, ROUND), k = rounded.sub(ROUND);
            FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, c));
            FloatVector p = r.fma(E7, E6).fma(r, V_E5).fma(r, V_E4).fma(r, V_E3).fma(r, V_E2).fma(r, ONE).fma(r, ONE);
            FloatVector keep = m.sub(UNDERFLOW).mul(0x1p100f).max(0f).min(1f);
            FloatVector power = asFloats(rounded.reinterpretAsInts().sub(ROUND_BITS_LESS_BIAS)
                    .lanewise(VectorOperators.LSHL, 23));
            FloatVector e = p.mul(keep).mul(power);
            FloatVector sum = e.add(1f);
            // 1 / (1 + e) where v >= 0, e / (1 + e) where v's sign bit is set (at -0, e is 1 and the
            // two agree), the numerator chosen with integer bit operations as in tanh.
            IntVector negative = v.reinterpretAsInts().lanewise(VectorOperators.ASHR, 31);
            asFloats(e.reinterpretAsInts().and(negative).or(ONE_BITS.lanewise(VectorOperators.AND_NOT, negative)))
                    .div(sum).intoArray(y, yOff + i);
        }
        if (i < n) PortableFloatMath.INSTANCE.sigmoid(x, xOff + i, y, yOff + i, n - i);
    }

    @Override
    public void lstmState(float[] gates, int gOff, int stride, float[] cPrev, int pOff, float[] c, int cOff, int n) {
        int step = SPECIES.length(), j = 0;
        for (int bound = n - n % step; j < bound; j += step) {
            int g = gOff + j;
            FloatVector i = FloatVector.fromArray(SPECIES, gates, g);
            FloatVector f = FloatVector.fromArray(SPECIES, gates, g + stride);
            FloatVector gg = FloatVector.fromArray(SPECIES, gates, g + 2 * stride);
            f.fma(FloatVector.fromArray(SPECIES, cPrev, pOff + j), i.mul(gg)).intoArray(c, cOff + j);
        }
        if (j < n) PortableFloatMath.INSTANCE.lstmState(gates, gOff + j, stride, cPrev, pOff + j, c, cOff + j, n - j);
    }

    @Override
    public void multiplyInto(float[] x, int xOff, float[] y, int yOff, int n) {
        int step = SPECIES.length(), i = 0;
        for (int bound = n - n % step; i < bound; i += step) {
            FloatVector.fromArray(SPECIES, y, yOff + i).mul(FloatVector.fromArray(SPECIES, x, xOff + i)).intoArray(y, yOff + i);
        }
        if (i < n) PortableFloatMath.INSTANCE.multiplyInto(x, xOff + i, y, yOff + i, n - i);
    }

    /**
     * The additions of the portable loop, in its order, a vector of doubles at a time: each from
     * the lower half of a vector of floats read at its column (the lower half alone converts in one
     * instruction; the upper half's conversion runs the Vector API's boxing fallback on JDK 17),
     * four rows per pass over acc. The floats are read in SPECIES itself: a second float species
     * makes the Vector API's shared code see two vector classes, and the GEMM kernel, compiled
     * after it, then ran out of C2's node budget.
     */
    @Override
    public void addRows(float[] x, int base, int stride, int rows, int width, double[] acc) {
        int step = DOUBLES.length(), r = 0;
        // Whole vectors of floats must be readable from each vector of doubles' first column.
        int room = rows == 0 ? 0 : x.length - (base + (rows - 1) * stride) - SPECIES.length() + step;
        int bound = Math.max(0, Math.min(width, room));
        bound -= bound % step;
        for (; r + 4 <= rows; r += 4) {
            int a0 = base + r * stride, a1 = a0 + stride, a2 = a1 + stride, a3 = a2 + stride;
            for (int j = 0; j < bound; j += step) {
                DoubleVector.fromArray(DOUBLES, acc, j).add(widened(x, a0 + j)).add(widened(x, a1 + j))
                        .add(widened(x, a2 + j)).add(widened(x, a3 + j)).intoArray(acc, j);
            }
        }
        for (; r < rows; r++) {
            int at = base + r * stride;
            for (int j = 0; j < bound; j += step) DoubleVector.fromArray(DOUBLES, acc, j).add(widened(x, at + j)).intoArray(acc, j);
        }
        if (bound < width) PortableFloatMath.INSTANCE.addRows(x, base + bound, stride, rows, width - bound, acc, bound);
    }

    /** x[at, at + DOUBLES' lanes) as doubles. */
    private static DoubleVector widened(float[] x, int at) {
        return (DoubleVector) FloatVector.fromArray(SPECIES, x, at).convertShape(VectorOperators.F2D, DOUBLES, 0);
    }

    @Override
    public void lstmGradients(float[] gates, int gOff, int stride, float[] cPrev, int pOff, float[] tanhC, int tOff,
                              float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff, int n) {
        int step = SPECIES.length(), j = 0;
        for (int bound = n - n % step; j < bound; j += step) {
            int g = gOff + j, dg = dgOff + j;
            FloatVector i = FloatVector.fromArray(SPECIES, gates, g);
            FloatVector f = FloatVector.fromArray(SPECIES, gates, g + stride);
            FloatVector gg = FloatVector.fromArray(SPECIES, gates, g + 2 * stride);
            FloatVector o = FloatVector.fromArray(SPECIES, gates, g + 3 * stride);
            FloatVector t = FloatVector.fromArray(SPECIES, tanhC, tOff + j);
            FloatVector dhj = FloatVector.fromArray(SPECIES, dh, dhOff + j);
            FloatVector total = dhj.mul(o).fma(t.neg().fma(t, ONE), FloatVector.fromArray(SPECIES, dc, dcOff + j));
            total.mul(gg).mul(i.mul(ONE.sub(i))).intoArray(dGates, dg);
            total.mul(FloatVector.fromArray(SPECIES, cPrev, pOff + j)).mul(f.mul(ONE.sub(f))).intoArray(dGates, dg + stride);
            total.mul(i).mul(gg.neg().fma(gg, ONE)).intoArray(dGates, dg + 2 * stride);
            dhj.mul(t).mul(o.mul(ONE.sub(o))).intoArray(dGates, dg + 3 * stride);
            total.mul(f).intoArray(dc, dcOff + j);
        }
        if (j < n) {
            PortableFloatMath.INSTANCE.lstmGradients(gates, gOff + j, stride, cPrev, pOff + j, tanhC, tOff + j, dh, dhOff + j,
                    dc, dcOff + j, dGates, dgOff + j, n - j);
        }
    }
}
