package dev.wick.core.cpu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both implementations of FloatArrayMath against double-precision references, to the ulp, and
 * against each other, to the bit.
 */
class FloatArrayMathTest {
    private static List<FloatArrayMath> implementations() {
        return List.of(PortableFloatMath.INSTANCE, SimdFloatMath.create());
    }

    /** The build runs tests with --add-modules jdk.incubator.vector, so the SIMD path must be the one chosen. */
    @Test
    void theVectorApiIsChosenWhereTheModuleIsPresent() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "surefire's argLine adds jdk.incubator.vector");
        assertInstanceOf(SimdFloatMath.class, FloatArrayMath.best());
        try (CpuBackend simd = new CpuBackend(1); CpuBackend portable = CpuBackend.portable(1)) {
            assertTrue(simd.description().contains("SIMD"));
            assertTrue(portable.description().contains("portable"));
        }
    }

    private static double ulpError(float got, double exact) {
        return Math.abs(got - exact) / Math.ulp((float) exact);
    }

    /** exp(v - 0) over a sweep of every 37th float in [-87.3, 0], odd lengths and offsets included. */
    @Test
    void expIsWithinOneUlpOverTheWholeNonPositiveRange() {
        int lo = Float.floatToRawIntBits(-0f), hi = Float.floatToRawIntBits(-87.3f);
        int count = (hi - lo) / 37 + 1;
        float[] x = new float[count + 5];
        for (int i = 0; i < count; i++) x[i + 5] = Float.intBitsToFloat(lo + 37 * i);
        for (FloatArrayMath math : implementations()) {
            float[] y = new float[count + 2];
            double sum = math.expShifted(x, 5, 0f, y, 2, count);
            double worst = 0, exactSum = 0;
            for (int i = 0; i < count; i++) {
                double exact = Math.exp(x[i + 5]);
                exactSum += exact;
                worst = Math.max(worst, ulpError(y[i + 2], exact));
            }
            assertTrue(worst <= 1.0, math.description() + ": worst error " + worst + " ulp");
            assertEquals(exactSum, sum, 1e-6 * exactSum, math.description());
        }
    }

    /** The edge values, repeated so that they land in vector lanes as well as in the scalar tail. */
    @Test
    void expHandlesTheEdgesOfItsDomain() {
        float[] edges = {Float.NEGATIVE_INFINITY, -1000f, -104f, Float.NaN, -0f, 0f, -87.3f, -1e-30f};
        int copies = 9;
        float[] x = new float[edges.length * copies];
        for (int c = 0; c < copies; c++) System.arraycopy(edges, 0, x, c * edges.length, edges.length);
        for (FloatArrayMath math : implementations()) {
            float[] y = new float[x.length];
            math.expShifted(x, 0, 0f, y, 0, x.length);
            for (int c = 0; c < copies; c++) {
                int o = c * edges.length;
                String who = math.description() + ", copy " + c;
                assertEquals(0f, y[o], who + ": exp(-inf)");
                assertEquals(0f, y[o + 1], who + ": exp(-1000)");
                assertTrue(y[o + 2] >= 0 && y[o + 2] < 1.2e-38f, who + ": exp(-104) = " + y[o + 2]);
                assertTrue(Float.isNaN(y[o + 3]), who + ": exp(NaN)");
                assertEquals(1f, y[o + 4], who);
                assertEquals(1f, y[o + 5], who);
                assertTrue(ulpError(y[o + 6], Math.exp((double) -87.3f)) <= 1, who + ": exp(-87.3) = " + y[o + 6]);
                assertEquals(1f, y[o + 7], who);
            }
        }
    }

    /** A shift so large that shift - 200 rounds back to it: everything well below still gives 0. */
    @Test
    void expShiftedStaysRightForHugeShifts() {
        for (float shift : new float[]{5e9f, -5e9f, 3e38f}) {
            float[] x = new float[37];
            for (int i = 0; i < x.length; i++) {
                x[i] = i % 3 == 0 ? shift : i % 3 == 1 ? (shift > 0 ? 0f : shift * 1.2f) : Float.NEGATIVE_INFINITY;
            }
            for (FloatArrayMath math : implementations()) {
                float[] y = new float[x.length];
                double sum = math.expShifted(x, 0, shift, y, 0, x.length);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(i % 3 == 0 ? 1f : 0f, y[i], math.description() + ", shift " + shift + ", at " + i);
                }
                assertEquals(13, sum, 0, math.description() + ", shift " + shift);
            }
        }
    }

    /** The difference x - shift is not rounded to float first: exp sees it exactly. */
    @Test
    void expShiftedIsWithinOneUlpOfTheExactDifference() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        int n = 1237;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (20 * random.nextDouble() - 10);
        x[100] = Float.NEGATIVE_INFINITY;
        for (FloatArrayMath math : implementations()) {
            float max = math.max(x, 0, n);
            float[] y = new float[n];
            math.expShifted(x, 0, max, y, 0, n);
            for (int i = 0; i < n; i++) {
                double exact = Math.exp((double) x[i] - max);
                // exp's own error, plus one rounding for the correction by the difference's error
                assertTrue(ulpError(y[i], exact) <= 1.5, "seed " + seed + ", " + math.description() + " at " + i
                        + ": " + y[i] + ", exact " + exact);
            }
        }
    }

    @Test
    void maxFindsTheLargestOverAnyRangeAndPropagatesNaN() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        for (FloatArrayMath math : implementations()) {
            for (int[] range : new int[][]{{0, 1000}, {3, 70}, {5, 6}, {999, 1000}, {17, 17}}) {
                float expected = Float.NEGATIVE_INFINITY;
                for (int i = range[0]; i < range[1]; i++) expected = Math.max(expected, x[i]);
                assertEquals(expected, math.max(x, range[0], range[1]), "seed " + seed + " " + math.description());
            }
            float[] withNaN = x.clone();
            withNaN[500] = Float.NaN;
            assertTrue(Float.isNaN(math.max(withNaN, 0, 1000)), math.description());
        }
    }

    /**
     * Within 0.76 ulp: an exhaustive sweep of every float found the worst case at the input placed
     * at x[7] here, just below the switch from the series to exp, a little under the bound.
     */
    @Test
    void tanhIsWithinThreeQuartersOfAnUlpAndOdd() {
        int n = 20011;
        float[] x = new float[n + 3];
        for (int i = 0; i < n; i++) x[i + 3] = (float) Math.scalb((double) (i - n / 2) / (n / 2), (i % 7) - 3) * 6;
        x[3] = -0f;
        x[4] = Float.NaN;
        x[5] = Float.POSITIVE_INFINITY;
        x[6] = -40f;
        x[7] = 0.54623663f;
        for (FloatArrayMath math : implementations()) {
            float[] y = new float[n];
            math.tanh(x, 3, y, 0, n);
            assertTrue(Float.isNaN(y[1]), math.description() + ": tanh(NaN)");
            for (int i = 0; i < n; i++) {
                if (i == 1) continue;
                double exact = Math.tanh(x[i + 3]);
                assertTrue(ulpError(y[i], exact) <= 0.76,
                        math.description() + ": tanh(" + x[i + 3] + ") = " + y[i] + ", exact " + exact);
            }
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y[0]), math.description() + ": tanh(-0)");
            assertEquals(1f, y[2], math.description());
            assertEquals(-1f, y[3], math.description());
        }
    }

    /**
     * sigmoid within two ulps wherever its result is a normal float a little above the smallest
     * (below that, exp(-|x|) flushes to zero and so does the result); 0 and 1 where it saturates,
     * NaN for NaN. Random inputs in [-110, 110] and [-20, 20], a printed seed.
     */
    @Test
    void sigmoidIsWithinTwoUlpsAboveTheSmallestNormals() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        int n = 200_003;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((2 * random.nextDouble() - 1) * (i % 2 == 0 ? 20 : 110));
        x[0] = Float.NaN;
        x[1] = Float.NEGATIVE_INFINITY;
        x[2] = Float.POSITIVE_INFINITY;
        x[3] = -120f;
        for (FloatArrayMath math : implementations()) {
            float[] y = new float[n];
            math.sigmoid(x, 0, y, 0, n);
            String what = math.description() + ", seed " + seed;
            assertTrue(Float.isNaN(y[0]), what + ": sigmoid(NaN)");
            assertEquals(0f, y[1], what);
            assertEquals(1f, y[2], what);
            assertEquals(0f, y[3], what);
            for (int i = 4; i < n; i++) {
                double exact = dev.wick.core.ops.UnaryOp.SIGMOID.apply(x[i]);
                if (exact < 4 * Float.MIN_NORMAL) continue;
                assertTrue(ulpError(y[i], exact) <= 2, what + ": sigmoid(" + x[i] + ") = " + y[i] + ", exact " + exact);
            }
        }
    }

    /** The inputs where exp, tanh and sigmoid change behaviour, and their neighbours. */
    static final float[] EDGES = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
            FloatMathConstants.UNDERFLOW, -87.3365f, -88.7f, -103.97f, -104f, 88.72f, 1f, -1f,
            FloatMathConstants.TANH_SERIES_END, -FloatMathConstants.TANH_SERIES_END, 0.52f, 9.01f, -9.01f,
            FloatMathConstants.TANH_SATURATES, -FloatMathConstants.TANH_SATURATES, 0x1p-12f, -0x1p-12f, 1e-30f, -1e-30f};

    /**
     * Edge values, their float neighbours, random bit patterns (every float, NaNs with payloads and
     * subnormals included) and uniform values over the ranges that matter.
     */
    static float[] mixedInputs(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(8);
            if (kind == 0) {
                float edge = EDGES[random.nextInt(EDGES.length)];
                int nudge = random.nextInt(3);
                x[i] = nudge == 0 ? edge : nudge == 1 ? Math.nextUp(edge) : Math.nextDown(edge);
            } else if (kind == 1) {
                x[i] = Float.intBitsToFloat(random.nextInt());
            } else if (kind < 5) {
                x[i] = (float) (24 * random.nextDouble() - 12);
            } else if (kind < 7) {
                x[i] = (float) (-100 * random.nextDouble());
            } else {
                x[i] = (float) Math.scalb(random.nextDouble() - 0.5, -random.nextInt(40));
            }
        }
        return x;
    }

    /**
     * The largest non-NaN element of x[from, to): a shift no smaller than every number in the row,
     * so that only the NaN elements give NaN (the row's max would be NaN, and so would everything).
     */
    static float maxIgnoringNaN(float[] x, int from, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) if (!Float.isNaN(x[i])) max = Math.max(max, x[i]);
        return max;
    }

    /** Same bits, NaN counting as NaN whatever its payload (Java leaves payloads unspecified). */
    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(what + " at " + i + ": portable " + expected[i] + " ("
                        + Integer.toHexString(Float.floatToRawIntBits(expected[i])) + "), SIMD " + actual[i] + " ("
                        + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    /**
     * The SIMD kernels compute the portable ones' arithmetic lane for lane, so the two agree to the
     * bit, for every element of a range (vector lanes and scalar tails alike) and every offset.
     */
    @Test
    void simdTanhAndSigmoidGiveThePortableBits() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        FloatArrayMath simd = SimdFloatMath.create(), portable = PortableFloatMath.INSTANCE;
        int n = 3_000_017;
        float[] x = mixedInputs(random, n);
        float[] expected = new float[n], actual = new float[n];
        portable.tanh(x, 0, expected, 0, n);
        simd.tanh(x, 0, actual, 0, n);
        assertSameBits(expected, actual, "seed " + seed + ", tanh");
        portable.sigmoid(x, 0, expected, 0, n);
        simd.sigmoid(x, 0, actual, 0, n);
        assertSameBits(expected, actual, "seed " + seed + ", sigmoid");
        // Odd lengths at odd offsets, in place too: where each element lands in a vector changes.
        for (int trial = 0; trial < 200; trial++) {
            int length = random.nextInt(70), from = random.nextInt(n - length);
            float[] a = java.util.Arrays.copyOfRange(x, from, from + length + 3);
            float[] b = a.clone();
            portable.tanh(a, 3, a, 1, length);
            simd.tanh(b, 3, b, 1, length);
            assertSameBits(a, b, "seed " + seed + ", tanh in place, length " + length);
            portable.sigmoid(a, 2, a, 2, length);
            simd.sigmoid(b, 2, b, 2, length);
            assertSameBits(a, b, "seed " + seed + ", sigmoid in place, length " + length);
        }
    }

    /**
     * The LSTM cell's loops: the SIMD ones give the portable bits for every row length up to 70 and
     * a long one, at odd offsets, with the gradients written over the gates (in place) and apart.
     */
    @Test
    void simdLstmCellLoopsGiveThePortableBits() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        FloatArrayMath simd = SimdFloatMath.create(), portable = PortableFloatMath.INSTANCE;
        for (int n = 0; n <= 71; n++) {
            int length = n == 71 ? 1031 : n, stride = length + random.nextInt(5);
            float[] gates = new float[4 * stride + 9], cPrev = new float[length + 3], tanhC = new float[length + 2];
            float[] dh = new float[length + 4], dc = new float[length + 1], h = new float[length + 6];
            for (float[] v : List.of(cPrev, tanhC, dh, dc, h)) {
                for (int i = 0; i < v.length; i++) v[i] = (float) (2 * random.nextDouble() - 1);
            }
            for (int i = 0; i < gates.length; i++) gates[i] = (float) random.nextDouble(); // activations in [0, 1)
            String what = "seed " + seed + ", length " + length;
            float[] cP = new float[length + 5], cS = new float[length + 5];
            portable.lstmState(gates, 7, stride, cPrev, 3, cP, 5, length);
            simd.lstmState(gates, 7, stride, cPrev, 3, cS, 5, length);
            assertSameBits(cP, cS, what + ", lstmState");
            float[] hP = h.clone(), hS = h.clone();
            portable.multiplyInto(gates, 9, hP, 6, length);
            simd.multiplyInto(gates, 9, hS, 6, length);
            assertSameBits(hP, hS, what + ", multiplyInto");
            for (boolean inPlace : new boolean[]{false, true}) {
                float[] gP = gates.clone(), gS = gates.clone(), dcP = dc.clone(), dcS = dc.clone();
                float[] dgP = inPlace ? gP : new float[4 * stride + 2], dgS = inPlace ? gS : new float[4 * stride + 2];
                int dgOff = inPlace ? 5 : 2;
                portable.lstmGradients(gP, 5, stride, cPrev, 3, tanhC, 2, dh, 4, dcP, 1, dgP, dgOff, length);
                simd.lstmGradients(gS, 5, stride, cPrev, 3, tanhC, 2, dh, 4, dcS, 1, dgS, dgOff, length);
                assertSameBits(dgP, dgS, what + ", lstmGradients dGates" + (inPlace ? " in place" : ""));
                assertSameBits(dcP, dcS, what + ", lstmGradients dc" + (inPlace ? " in place" : ""));
            }
        }
    }

    /** exp(x - shift) and the sum of the row, to the bit, over rows of every short length and long ones. */
    @Test
    void simdExpShiftedGivesThePortableBitsAndSum() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        FloatArrayMath simd = SimdFloatMath.create(), portable = PortableFloatMath.INSTANCE;
        float[] x = mixedInputs(random, 2_000_003);
        int at = 0, rows = 0;
        while (at < x.length) {
            int length = Math.min(x.length - at, rows % 10 == 9 ? random.nextInt(100_000) : random.nextInt(80));
            float max = maxIgnoringNaN(x, at, at + length);
            // The row's max (the softmax's shift), or now and then any shift at least as large.
            float shift = rows % 4 == 3 ? Math.max(max, (float) (200 * random.nextDouble() - 100)) : max;
            float[] expected = new float[length], actual = new float[length];
            double expectedSum = portable.expShifted(x, at, shift, expected, 0, length);
            double actualSum = simd.expShifted(x, at, shift, actual, 0, length);
            String what = "seed " + seed + ", row at " + at + " of length " + length + ", shift " + shift;
            assertSameBits(expected, actual, what);
            assertEquals(Double.doubleToLongBits(expectedSum), Double.doubleToLongBits(actualSum),
                    what + ": sums " + expectedSum + " and " + actualSum);
            at += length;
            rows++;
        }
    }

    @Test
    void expShiftedByTheLowestFloatGivesOneForItAndZeroForMinusInfinity() {
        // -Float.MAX_VALUE has no float below it to raise -infinity to: the error term once came out
        // NaN there, and the vector kernel's padding of a short row made the whole sum NaN.
        float low = -Float.MAX_VALUE, inf = Float.POSITIVE_INFINITY;
        float[][] rows = {{low}, {low, -inf, low}, {-inf, low, -inf, -inf, low, low, -inf}, {low, Float.NaN}};
        for (FloatArrayMath math : implementations()) {
            for (float[] row : rows) {
                float[] out = new float[row.length];
                double sum = math.expShifted(row, 0, low, out, 0, row.length);
                double expected = 0;
                for (int i = 0; i < row.length; i++) {
                    float e = Float.isNaN(row[i]) ? Float.NaN : row[i] == low ? 1f : 0f;
                    assertEquals(Float.floatToIntBits(e), Float.floatToIntBits(out[i]), math.description() + " at " + i);
                    expected += e;
                }
                assertEquals(expected, sum, math.description() + ": the sum of " + java.util.Arrays.toString(row));
            }
        }
    }

    /**
     * The column sums of a reduction: both implementations give, bit for bit, a plain double loop
     * over the rows in order (rows not a multiple of the four per pass, widths ending in a partial
     * vector, a stride wider than the width, an infinity and a NaN in some columns).
     */
    @Test
    void addRowsGivesTheSequentialDoubleSums() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 300; trial++) {
            int rows = random.nextInt(23), width = 1 + random.nextInt(70), stride = width + random.nextInt(9);
            int base = random.nextInt(5);
            float[] x = mixedInputs(random, base + Math.max(0, rows - 1) * stride + width);
            if (trial % 10 == 3 && x.length > base) x[base + random.nextInt(x.length - base)] = Float.POSITIVE_INFINITY;
            if (trial % 10 == 7 && x.length > base) x[base + random.nextInt(x.length - base)] = Float.NaN;
            double[] start = new double[width + 2];
            for (int j = 0; j < start.length; j++) start[j] = random.nextDouble() - 0.5;
            double[] expected = start.clone();
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < width; j++) expected[j] = expected[j] + (double) x[base + r * stride + j];
            }
            for (FloatArrayMath math : implementations()) {
                double[] acc = start.clone();
                math.addRows(x, base, stride, rows, width, acc);
                for (int j = 0; j < acc.length; j++) {
                    assertEquals(Double.doubleToLongBits(expected[j]), Double.doubleToLongBits(acc[j]), "seed " + seed + ", "
                            + math.description() + ", " + rows + " rows of " + width + " (stride " + stride + "), column " + j);
                }
            }
        }
    }

    @Test
    void scaleMultipliesInPlaceOverAnyRange() {
        for (FloatArrayMath math : implementations()) {
            float[] a = new float[41];
            for (int i = 0; i < a.length; i++) a[i] = i;
            math.scale(a, 3, 35, 0.5f);
            for (int i = 0; i < a.length; i++) {
                assertEquals(i >= 3 && i < 38 ? i * 0.5f : i, a[i], math.description() + " at " + i);
            }
        }
    }
}
