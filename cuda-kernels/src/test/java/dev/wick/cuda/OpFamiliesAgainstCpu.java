package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.Shape;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.Strides;
import dev.wick.core.cpu.CpuBackend;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every entry of the op table, through its family, on a CUDA backend (ops.cu as generated from the
 * table) against the CPU backend, the reference: random inputs with NaN, infinities and signed zeros
 * mixed in, sizes that are not powers of two, broadcasting in both directions, the scalar on either
 * side, reductions along the first, a middle and the last axis (both launch shapes of ops.cu), and
 * strided copies in every dtype. Sizes stay small: the host emulator runs each CUDA thread as an OS
 * thread. Subclasses say which device: {@link OpFamiliesEmulatedTest}, {@link OpFamiliesCudaTest}.
 */
abstract class OpFamiliesAgainstCpu extends CudaAgainstCpu {
    private static final double[] SPECIALS = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0,
            -0.0, 1, -1, 0.5, 40, -40};

    /** The same values on both backends. */
    private record Twin(int length, Buffer onCpu, Buffer onCuda) {
        Buffer on(Backend b) {
            return b instanceof CpuBackend ? onCpu : onCuda;
        }
    }

    private Twin twin(DType t, double[] values) {
        Twin x = new Twin(values.length, cpu.allocate(t, values.length), cuda.allocate(t, values.length));
        for (Backend b : List.of(cpu, cuda)) write(b, values, x.on(b));
        return x;
    }

    private Twin output(DType t, int length) {
        return twin(t, new double[length]);
    }

    private void release(Twin... twins) {
        for (Twin x : twins) {
            cpu.release(x.onCpu());
            cuda.release(x.onCuda());
        }
    }

    private Random random(String test, DType t) {
        return new Random(seed ^ (test + t).hashCode());
    }

    /** Gaussians of spread 3, with about one element in {@code specialEvery} from SPECIALS. */
    private static double[] values(Random r, int n, int specialEvery) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(specialEvery) == 0 ? SPECIALS[r.nextInt(SPECIALS.length)] : 3 * r.nextGaussian();
        }
        return v;
    }

    /** Small integers, signed zeros among them: ties for the selecting reductions. */
    private static double[] ties(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(9) - 4;
            v[i] = k == 0 && r.nextBoolean() ? -0.0 : k;
        }
        return v;
    }

    /** Relative tolerance of elementwise results: float math in float32 kernels, double in float64 ones. */
    private static double tolerance(DType t) {
        return t == DType.FLOAT64 ? 1e-12 : 1e-6;
    }

    /**
     * Runs {@code call} on both backends and compares the output: NaN against NaN, infinities and
     * (where {@code tolerance} is 0) everything exactly, signed zeros included; else within
     * {@code tolerance} times the larger of |expected| and {@code scale[i]} (null: no floor).
     */
    private void compare(String what, Twin out, double tolerance, double[] scale, BiConsumer<Backend, Twin> call) {
        call.accept(cpu, out);
        call.accept(cuda, out);
        double[] expected = read(cpu, out.onCpu()), actual = read(cuda, out.onCuda());
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.compare(e, a) == 0) continue;
            boolean close = tolerance > 0 && Double.isFinite(e) && Double.isFinite(a)
                    && Math.abs(e - a) <= tolerance * Math.max(Math.abs(e), scale == null ? 0 : scale[i]);
            if (!close) {
                fail(what + ": element " + i + " is " + a + " on CUDA, " + e + " on the CPU (seed " + seed + ")");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void unaryOps(DType t) {
        int n = 1237;
        Twin x = twin(t, values(random("unary", t), n, 8));
        Twin y = output(t, n);
        for (UnaryOp op : UnaryOp.values()) {
            compare("unary " + op.opName() + " " + t, y, tolerance(t), null,
                    (b, out) -> b.unary(op, x.on(b), out.on(b), n));
        }
        release(x, y);
    }

    /** Each case: a's shape, b's shape. */
    private static final int[][][] BROADCASTS = {
            {{37, 23}, {37, 23}}, // flat
            {{37, 23}, {23}}, // a bias row
            {{37, 1}, {1, 23}}, // an outer product
            {{23}, {37, 23}}, // the broadcast operand first
            {{5, 1, 7}, {3, 1}}, // three dimensions left after coalescing
            {{2, 3, 2, 3, 2, 3}, {3, 1, 3, 1, 3}}, // six, the most a kernel takes
            {{}, {4, 5}}, // a scalar tensor
    };

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void binaryOpsWithBroadcasting(DType t) {
        Random r = random("binary", t);
        for (int[][] c : BROADCASTS) {
            Shape sa = Shape.of(c[0]), sb = Shape.of(c[1]);
            Strides layout = Strides.broadcast(sa, sb);
            Twin a = twin(t, values(r, sa.numel(), 8)), b = twin(t, values(r, sb.numel(), 8));
            Twin out = output(t, layout.numel());
            for (BinaryOp op : BinaryOp.values()) {
                compare("binary " + op.opName() + " " + t + " " + sa + " with " + sb, out, tolerance(t), null,
                        (be, o) -> be.binary(op, a.on(be), b.on(be), o.on(be), layout));
            }
            release(a, b, out);
        }
    }

    /** The output may be a where a is walked contiguously: the bias add of a layer, in place. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void binaryOpsInPlace(DType t) {
        Random r = random("in place", t);
        Shape sa = Shape.of(19, 13), sb = Shape.of(13);
        Strides layout = Strides.broadcast(sa, sb);
        double[] start = values(r, sa.numel(), 8);
        Twin b = twin(t, values(r, sb.numel(), 8));
        for (BinaryOp op : BinaryOp.values()) {
            Twin a = twin(t, start);
            compare("binary " + op.opName() + " " + t + " in place", a, tolerance(t), null,
                    (be, o) -> be.binary(op, o.on(be), b.on(be), o.on(be), layout));
            release(a);
        }
        release(b);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void binaryOpsWithAScalarOnEitherSide(DType t) {
        int n = 601;
        Random r = random("scalar", t);
        Twin a = twin(t, values(r, n, 8));
        Twin out = output(t, n);
        double[] scalars = {0.7, -3, 0.0, Double.NaN, Double.NEGATIVE_INFINITY, 1e-3};
        for (BinaryOp op : BinaryOp.values()) {
            for (double s : scalars) {
                for (boolean first : new boolean[]{false, true}) {
                    compare("binaryScalar " + op.opName() + " " + t + " s=" + s + (first ? " first" : " second"), out,
                            tolerance(t), null, (b, o) -> b.binaryScalar(op, a.on(b), s, first, o.on(b), n));
                }
            }
        }
        release(a, out);
    }

    /** Reductions as [outer, n, inner]: the last axis (both for a short and a long row), a middle one, the first. */
    private static final int[][] REDUCTIONS = {
            {63, 11, 1}, // a block per output, fewer elements than threads
            {3, 1000, 1}, // a block per output, several elements per thread
            {7, 45, 11}, // a middle axis: 32 x 8 blocks with padding columns
            {1, 37, 70}, // the first axis (the bias gradient), three column tiles
            {2, 1, 33}, // an axis of one
    };

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void reductionsAlongEveryAxis(DType t) {
        Random r = random("reduce", t);
        for (int[] c : REDUCTIONS) {
            int outer = c[0], n = c[1], inner = c[2];
            for (double[] input : List.of(values(r, outer * n * inner, 200), ties(r, outer * n * inner))) {
                reduceAll(t, input, outer, n, inner);
            }
        }
    }

    /** Rows of NaN, infinities, all -inf and ties, along the last axis and along the first. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void reductionsOfSpecialValues(DType t) {
        double inf = Double.POSITIVE_INFINITY, nan = Double.NaN;
        double[][] rows = {{-inf, -inf, -inf}, {inf, 1, 2}, {1, nan, 2}, {nan, -inf, nan}, {-0.0, 0.0, -0.0},
                {3, 3, -3}, {-3, 3, -3}, {inf, -inf, 0}};
        int m = rows.length, k = rows[0].length;
        double[] byRow = new double[m * k], byColumn = new double[m * k];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                byRow[i * k + j] = rows[i][j];
                byColumn[j * m + i] = rows[i][j];
            }
        }
        reduceAll(t, byRow, m, k, 1);
        reduceAll(t, byColumn, 1, k, m);
    }

    /** An empty axis: sum 0, mean NaN, logsumexp -inf (the selecting ops refuse it). */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void accumulationsOverAnEmptyAxis(DType t) {
        for (int inner : new int[]{1, 3}) {
            Twin x = output(t, 0), out = output(t, 4 * inner);
            for (ReduceOp op : ReduceOp.values()) {
                if (op.kind() != ReduceOp.Kind.ACCUMULATE) continue;
                compare("reduce " + op.opName() + " " + t + " over an empty axis", out, 0, null,
                        (b, o) -> b.reduce(op, x.on(b), o.on(b), 4, 0, inner));
            }
            release(x, out);
        }
    }

    private void reduceAll(DType t, double[] input, int outer, int n, int inner) {
        Twin x = twin(t, input);
        Twin values = output(t, outer * inner), positions = output(DType.INT32, outer * inner);
        double[] magnitude = new double[outer * inner], one = new double[outer * inner];
        Arrays.fill(one, 1);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < inner; i++) magnitude[o * inner + i] += Math.abs(input[(o * n + j) * inner + i]);
            }
        }
        for (ReduceOp op : ReduceOp.values()) {
            String what = "reduce " + op.opName() + " " + t + " [" + outer + ", " + n + ", " + inner + "]";
            Twin out = op.indexResult() ? positions : values;
            double tolerance = op.kind() == ReduceOp.Kind.SELECT ? 0 : 10 * tolerance(t);
            // a sum's error is relative to the sum of magnitudes (cancellation), a logarithm's is absolute
            double[] scale = switch (op) {
                case SUM -> magnitude;
                case MEAN -> divided(magnitude, n);
                default -> one;
            };
            compare(what, out, tolerance, scale, (b, o) -> b.reduce(op, x.on(b), o.on(b), outer, n, inner));
        }
        release(x, values, positions);
    }

    private static double[] divided(double[] v, int n) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] / n;
        return out;
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void stridedCopies(DType t) {
        Random r = random("copy", t);
        double[] source = new double[37 * 23];
        for (int i = 0; i < source.length; i++) source[i] = t == DType.INT32 ? r.nextInt() : r.nextGaussian();
        Twin src = twin(t, source);
        List<Strides> layouts = new ArrayList<>();
        layouts.add(Strides.of(new int[]{23, 37}, new int[]{1, 23}, new int[]{37, 1})); // transpose
        layouts.add(Strides.of(new int[]{37, 9}, new int[]{23, 1}, new int[]{9, 1})); // columns 0..8
        layouts.add(Strides.of(new int[]{5, 23, 4}, new int[]{0, 1, 0}, Strides.contiguous(new int[]{5, 23, 4})));
        layouts.add(Strides.of(new int[]{3, 37, 2}, new int[]{0, 23, 5}, new int[]{74, 2, 1})); // repeated, stepped
        for (Strides layout : layouts) {
            Twin dst = output(t, layout.numel());
            compare("copyStrided " + t + " " + layout, dst, 0, null,
                    (b, d) -> b.copyStrided(src.on(b), d.on(b), layout));
            release(dst);
        }
        // a source view that starts inside its buffer: columns 5..11 of the same matrix
        Strides slice = Strides.of(new int[]{37, 7}, new int[]{23, 1}, new int[]{7, 1});
        Twin dst = output(t, 37 * 7);
        compare("copyStrided " + t + " of a slice", dst, 0, null,
                (b, d) -> b.copyStrided(src.on(b).slice(5, src.length() - 5), d.on(b), slice));
        release(src, dst);
    }
}
