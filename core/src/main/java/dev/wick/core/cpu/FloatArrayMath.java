package dev.wick.core.cpu;

/**
 * The float32 array loops that C2's auto-vectoriser cannot produce from plain Java on JDK 17, or
 * produces only some of the time: exp and tanh (Math.exp is a scalar call, about 14 ns per element
 * here), horizontal reductions, and the GEMM kernel, whose speed C2 leaves to its inlining and
 * unrolling decisions (the same loop measured from 20 to 90 GFLOP/s between runs). Two
 * implementations: {@link SimdFloatMath} on the incubating Vector API, chosen when the JVM was
 * started with {@code --add-modules jdk.incubator.vector}, and {@link PortableFloatMath}, plain
 * Java for every other JVM. Their exp, tanh, sigmoid and sum of exps are one algorithm written
 * twice ({@link FloatMathConstants}) and give the same bits, whatever the vector width, the JIT
 * tier or where a range starts; exp is within one ulp of the true value wherever the result is a
 * normal float (it flushes results near and below float's smallest normal to zero), tanh within
 * one. Only their GEMM kernels round differently. The conformance suite runs against each, and
 * -Dwick.cpu.portable=true chooses the portable loops.
 */
interface FloatArrayMath {
    /** The system property that, set to {@code true}, keeps the CPU backend on the portable loops. */
    String PORTABLE_PROPERTY = "wick.cpu.portable";

    /** What a backend description says about this implementation. */
    String description();

    /** The largest of a[from, to), NaN if any is NaN; -infinity for an empty range. */
    float max(float[] a, int from, int to);

    /**
     * dst[dOff + i] = exp(src[sOff + i] - shift) for i in [0, n), where every src - shift is at
     * most 0 (shift is at least the range's max), and returns the sum of the values written. The
     * difference is taken exactly (it is not rounded to float before exp: that alone would cost
     * up to |src - shift| 2^-24 of relative error, 16 ulps for a difference of 16).
     */
    double expShifted(float[] src, int sOff, float shift, float[] dst, int dOff, int n);

    /** a[off + i] *= s for i in [0, n). */
    void scale(float[] a, int off, int n, float s);

    /** y[yOff + i] = tanh(x[xOff + i]) for i in [0, n); y may be x. */
    void tanh(float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * y[yOff + i] = 1 / (1 + exp(-x[xOff + i])) for i in [0, n); y may be x. Through exp(-|x|),
     * which never overflows, so small results keep their relative accuracy (the recurrent cells'
     * gates).
     */
    void sigmoid(float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * The LSTM cell's new cell state from its activated gates, for j in [0, n): c[cOff + j] =
     * fma(f, cPrev[pOff + j], i g), where the gates i, f, g of element j are gates[gOff + j +
     * {0, 1, 2} stride]. Both implementations give the same bits (a product and a fused multiply-add).
     */
    void lstmState(float[] gates, int gOff, int stride, float[] cPrev, int pOff, float[] c, int cOff, int n);

    /** y[yOff + i] *= x[xOff + i] for i in [0, n) (the LSTM's h = o tanh(c), in place on tanh(c)). */
    void multiplyInto(float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * acc[j] += x[base + r stride + j] for rows r = 0 .. rows - 1 in that order, j in [0, width):
     * the column sums of a reduction, each addition in double (the conversion is exact), so both
     * implementations give the same bits, in any vector width.
     */
    void addRows(float[] x, int base, int stride, int rows, int width, double[] acc);

    /**
     * The LSTM cell's gradients for j in [0, n), with i, f, g, o the saved activations at
     * gates[gOff + j + {0, 1, 2, 3} stride], t = tanhC[tOff + j], dh = dh[dhOff + j]:
     * total = fma(dh o, fma(-t, t, 1), dc), then dGates (same layout as gates) = [total g i (1 - i),
     * total cPrev f (1 - f), total i fma(-g, g, 1), dh t o (1 - o)] and dc = total f. dGates may be
     * gates (exactly). Both implementations give the same bits, each operation in this order.
     */
    void lstmGradients(float[] gates, int gOff, int stride, float[] cPrev, int pOff, float[] tanhC, int tOff,
                       float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff, int n);

    /**
     * c[cBase + j] = alpha row[rowBase + j] + beta c[cBase + j] for j < n; C is not read when beta
     * is 0 (NaN there stays out), as in BLAS. GEMM adds each slice's result into C with it where
     * the kernel cannot do it itself (alpha other than 1, C's columns apart, the portable kernel).
     */
    void storeRow(float[] row, int rowBase, int n, float alpha, float beta, float[] c, int cBase);

    /**
     * Whether this implementation has a GEMM kernel ({@link #multiplyBlock}); without one,
     * FloatGemm packs both operands for its portable kernel ({@link FloatGemm#multiplyPanel}).
     */
    boolean hasBlockKernel();

    /**
     * The GEMM kernel: for r < rows (at most {@link GemmPlan#ROW_GROUP}) and j < nb,
     * out[outBase + r outRowStride + j] becomes one chain of fused multiply-adds of A(r, q) B(q, j)
     * over q < kb in depth order, started from zero, or from that element of out when
     * {@code add}. A group of A's rows lies side by side, A(r, q) = a[aBase + q aDepthStride + r]
     * (FloatGemm interleaves them, or passes a transposed A in place), all ROW_GROUP of them
     * readable (the results of those past {@code rows} are dropped), and B is read in place,
     * B(q, j) = b[bBase + q bRowStride + j] (B itself, or a packed panel when B is transposed).
     * Nothing else of out is read or written. An element's result must not depend on nb or on
     * where its column falls in the block, so that GEMM's results do not depend on how C is split
     * between threads. Only where {@link #hasBlockKernel()}.
     */
    void multiplyBlock(float[] a, int aBase, int aDepthStride, int rows, int kb, float[] b, int bBase, int bRowStride,
                       int nb, float[] out, int outBase, int outRowStride, boolean add);

    /** The Vector API implementation when this JVM has the module and it works, else the portable one. */
    static FloatArrayMath best() {
        if (Boolean.getBoolean(PORTABLE_PROPERTY)) return PortableFloatMath.INSTANCE;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return PortableFloatMath.INSTANCE;
        try {
            // Loaded only here, after the module check: on a JVM without the module the class
            // cannot link, and the portable loops take over instead of a failed initialiser.
            return SimdFloatMath.create();
        } catch (Throwable t) {
            return PortableFloatMath.INSTANCE;
        }
    }
}
