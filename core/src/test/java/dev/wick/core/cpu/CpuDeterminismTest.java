package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.TestData;
import dev.wick.core.Shape;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import dev.wick.core.backend.ScatterMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every primitive gives the same bits on one, two and three threads, on inputs large enough to be
 * split: the partitions (and the reductions' combine order) depend on the problem only. GEMM is
 * covered in {@link CpuGemmTest#resultsDoNotDependOnTheThreadCount}.
 */
class CpuDeterminismTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void everyPrimitiveGivesTheSameBitsOnOneTwoAndThreeThreads(DType dtype) {
        TestData data = TestData.fresh();
        Inputs in = new Inputs(data);
        Map<String, double[]> one = run(1, dtype, in);
        for (int threads : new int[]{2, 3}) {
            Map<String, double[]> many = run(threads, dtype, in);
            assertEquals(one.keySet(), many.keySet());
            for (String op : one.keySet()) {
                data.assertSameBits(one.get(op), many.get(op), dtype + " " + op + " on " + threads + " threads vs 1");
            }
        }
    }

    /** Shared random inputs; sizes chosen to cross every parallel threshold. */
    private static final class Inputs {
        final int n = 270_001, rows = 270, cols = 1001, vocab = 300, dim = 100, count = 2701;
        final long seed;
        final double[] x, y, z, logits, bias, table, src;
        final int[] targets, indices;

        Inputs(TestData data) {
            // every size must be large enough for the backend to split it between threads
            assertTrue(n >= 2 * CpuBackend.CHEAP_GRAIN && (long) rows * cols >= 2 * CpuBackend.CHEAP_GRAIN
                    && (long) count * dim >= 2 * CpuBackend.CHEAP_GRAIN, "inputs too small to be split");
            seed = data.random().nextLong();
            x = data.uniform(n, 3);
            y = data.uniform(n, 1);
            z = data.uniform(n, 1);
            logits = data.uniform(rows * cols, 10);
            bias = data.uniform(cols, 1);
            table = data.uniform(vocab * dim, 1);
            src = data.uniform(count * dim, 1);
            targets = data.indices(rows, cols);
            for (int r = 0; r < rows; r += 7) targets[r] = -1;
            indices = data.indices(count, vocab); // nine lookups per row on average
        }
    }

    private static Map<String, double[]> run(int threads, DType dtype, Inputs in) {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (CpuBackend b = new CpuBackend(threads)) {
            Buffers io = new Buffers(b, dtype);
            int n = in.n;
            Buffer r = io.put(new double[n]);
            b.uniform(r, n, in.seed, -1, 1);
            out.put("uniform", io.get(r));
            b.normal(r, n, in.seed, 0, 1);
            out.put("normal", io.get(r));
            Buffer x = io.put(in.x), y = io.put(in.y), o = io.put(new double[n]);
            for (UnaryOp op : UnaryOp.values()) {
                b.unary(op, x, o, n);
                out.put(op.opName(), io.get(o));
            }
            b.tanhBackward(io.put(in.y), x, o, n, true);
            out.put("tanhBackward", io.get(o));
            Strides flat = Strides.of(new int[]{n}, new int[]{1}, new int[]{1});
            for (BinaryOp op : BinaryOp.values()) {
                b.binary(op, x, y, o, flat);
                out.put(op.opName(), io.get(o));
                b.binaryScalar(op, x, 0.3, true, o, n);
                out.put(op.opName() + " scalar first", io.get(o));
            }
            b.axpy(-0.7, x, o, n);
            out.put("axpy", io.get(o));
            Buffer scalar = io.put(new double[1]);
            for (ReduceOp op : ReduceOp.values()) {
                Buffer whole = op.indexResult() ? b.allocate(DType.INT32, 1) : scalar;
                b.reduce(op, x, whole, 1, n, 1);
                out.put(op.opName() + " of all", io.get(whole));
            }
            b.squaredNorm(x, scalar, n);
            out.put("squaredNorm", io.get(scalar));

            Buffer p = io.put(in.x), v = io.put(in.z), g = io.put(in.y);
            b.sgdUpdate(p, g, v, n, 0.1, 0.9, 0.01);
            out.put("sgd param", io.get(p));
            out.put("sgd velocity", io.get(v));
            Buffer m = io.put(new double[n]), s = io.put(new double[n]);
            for (int step = 1; step <= 2; step++) b.adamUpdate(p, g, m, s, n, 1e-3, 0.9, 0.999, 1e-8, 0.01, step);
            out.put("adam param", io.get(p));
            out.put("adam m", io.get(m));
            out.put("adam v", io.get(s));

            int rows = in.rows, cols = in.cols;
            Buffer logits = io.put(in.logits), grad = io.put(new double[rows * cols]), loss = io.put(new double[1]);
            b.softmaxCrossEntropy(logits, io.ints(in.targets), rows, cols, -1, loss, grad);
            out.put("softmax loss", io.get(loss));
            out.put("softmax gradient", io.get(grad));
            Buffer biased = io.put(new double[rows * cols]);
            b.binary(BinaryOp.ADD, logits, io.put(in.bias), biased, Strides.broadcast(Shape.of(rows, cols), Shape.of(cols)));
            out.put("bias add", io.get(biased));
            for (ReduceOp op : ReduceOp.values()) {
                Buffer columns = op.indexResult() ? b.allocate(DType.INT32, cols) : io.put(in.bias);
                b.reduce(op, logits, columns, 1, rows, cols);
                out.put(op.opName() + " of columns", io.get(columns));
            }

            Buffer table = io.put(in.table), idx = io.ints(in.indices);
            Buffer gathered = io.put(new double[in.count * in.dim]);
            b.gather(table, idx, gathered, in.count, in.dim);
            out.put("gather", io.get(gathered));
            for (ScatterMode mode : ScatterMode.values()) {
                Buffer t = io.put(in.table);
                b.scatterAdd(t, idx, io.put(in.src), in.count, in.dim, in.indices[0], mode);
                out.put("scatterAdd " + mode, io.get(t));
            }
        }
        return out;
    }
}
