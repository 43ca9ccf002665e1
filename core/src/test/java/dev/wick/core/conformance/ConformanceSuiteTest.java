package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import dev.wick.core.backend.ScatterMode;
import dev.wick.core.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConformanceSuiteTest {

    @Test
    void cpuFloat32AgreesWithCpuFloat64() {
        long seed = ConformanceSuite.freshSeed();
        ConformanceReport report = ConformanceSuite.cpuFloat32AgainstFloat64(seed);
        System.out.println(report.table());
        assertTrue(report.passed(), () -> "seed " + seed + "\n" + report.table());
        assertEquals(0, report.count(Verdict.SKIPPED), report::table);
        assertTrue(report.rows().size() > 45, "every primitive has at least one check");
    }

    /** The plain-Java loops a JVM without the Vector API module runs (the default above uses SIMD). */
    @Test
    void portableCpuFloat32AgreesWithCpuFloat64() {
        long seed = ConformanceSuite.freshSeed();
        try (CpuBackend float32 = CpuBackend.portable(2); CpuBackend float64 = new CpuBackend()) {
            ConformanceReport report = ConformanceSuite.run(float32, DType.FLOAT32, float64, DType.FLOAT64,
                    ConformanceSizes.standard(), seed);
            System.out.println(float32.description() + "\n" + report.table());
            assertTrue(report.passed(), () -> "seed " + seed + "\n" + report.table());
            assertEquals(0, report.count(Verdict.SKIPPED), report::table);
        }
    }

    @Test
    void cpuFloat64AgreesWithItselfExactlyWhereItMust() {
        long seed = ConformanceSuite.freshSeed();
        try (CpuBackend a = new CpuBackend(1); CpuBackend b = new CpuBackend()) {
            ConformanceReport report = ConformanceSuite.run(a, DType.FLOAT64, b, DType.FLOAT64,
                    ConformanceSizes.small(), seed);
            assertTrue(report.passed(), () -> "seed " + seed + "\n" + report.table());
            for (ConformanceRow r : report.rows()) {
                assertEquals(0, r.maxAbsError(), () -> "the same code on the same inputs, seed " + seed + ": " + r);
            }
        }
    }

    /** Every planted bug fails exactly the checks that exercise it; everything else still passes. */
    @Test
    void plantedBugsFailTheirChecksAndNothingElse() {
        long seed = ConformanceSuite.freshSeed();
        try (CpuBackend reference = new CpuBackend(); Backend broken = new BuggyBackend(new CpuBackend(), seed)) {
            ConformanceReport report = ConformanceSuite.run(broken, DType.FLOAT32, reference, DType.FLOAT32,
                    ConformanceSizes.small(), seed, Map.of("normal (counter-based)", "not implemented by this test backend"));
            Set<String> failed = report.failures().stream().map(ConformanceRow::primitive)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> expected = new TreeSet<>(List.of(
                    "gather (duplicate-heavy indices)", "gather (all-distinct indices)",
                    "scatterAdd ATOMIC (duplicate-heavy)", "scatterAdd ATOMIC (all-distinct, skip index)",
                    "scatterAdd DETERMINISTIC twice: bit-identical",
                    "gemm NN (alpha, beta != 0)", "gemm NT (alpha, beta != 0)", "gemm TN (alpha, beta != 0)",
                    "gemm TT (alpha, beta != 0)", "gemm TN, k = 1", "gemm NT, k = 0 (C = beta C)",
                    // the recurrent layers' default path adds each step's product into the gates with gemm
                    "rnnTanhSequenceForward and Backward (3 steps through the recurrent weight)",
                    "lstmSequenceForward (3 steps through the recurrent weight; odd offsets)",
                    "lstmSequenceBackward on the saved forward (3 steps)",
                    "gruSequenceForward (3 steps through the recurrent weight; odd offsets)",
                    "gruSequenceBackward on the saved forward (3 steps)",
                    "unary tanh (and in place at an odd offset)",
                    "softmaxCrossEntropy (some targets ignored)", "softmaxCrossEntropy (large logits, |x| ~ 1000)",
                    "softmaxCrossEntropy (1031 classes)",
                    "reduce sum (all, last, first, middle axis, length 1)",
                    "reduce mean (all, last, first, middle axis, length 1)",
                    "reduce logsumexp (all, last, first, middle axis, length 1)"));
            assertEquals(expected, failed, () -> "seed " + seed + "\n" + report.table());
            ConformanceRow normal = report.rows().stream().filter(r -> r.primitive().startsWith("normal")).findFirst()
                    .orElseThrow();
            assertEquals(Verdict.SKIPPED, normal.verdict());
            assertTrue(normal.note().contains("not implemented by this test backend"), normal::note);
            ConformanceRow lse = report.rows().stream().filter(r -> r.primitive().startsWith("reduce logsumexp"))
                    .findFirst().orElseThrow();
            assertTrue(lse.note().contains("IllegalStateException"), lse::note);
            assertFalse(report.passed());
            assertTrue(report.table().contains("seed:      " + seed));
        }
    }

    /** An unsupported check that nobody excused is a failure: "skipped" must never hide a missing kernel. */
    @Test
    void anUnexcusedUnsupportedCheckFails() {
        long seed = ConformanceSuite.freshSeed();
        try (CpuBackend reference = new CpuBackend(); Backend broken = new BuggyBackend(new CpuBackend(), seed)) {
            ConformanceReport report = ConformanceSuite.run(broken, DType.FLOAT32, reference, DType.FLOAT32,
                    ConformanceSizes.small(), seed);
            ConformanceRow normal = report.rows().stream().filter(r -> r.primitive().startsWith("normal")).findFirst()
                    .orElseThrow();
            assertEquals(Verdict.FAIL, normal.verdict(), report::table);
            assertTrue(normal.note().contains("not told why"), normal::note);
            assertEquals(0, report.count(Verdict.SKIPPED), report::table);
        }
    }

    @Test
    void tolerancesJudgeWhatTheySay() {
        double[] ref = {1, -2, 0, Double.NaN, 4};
        assertTrue(Tolerance.exact().accepts(Tolerance.exact().measure(ref, new double[]{1, -2, -0.0, Double.NaN, 4})));
        assertFalse(Tolerance.exact().accepts(Tolerance.exact().measure(ref, new double[]{1, -2, 0, 0, 4})));
        assertFalse(Tolerance.exact().accepts(Tolerance.exact().measure(ref, new double[]{1, -2, 0, Double.NaN})));
        // mean |r| over finite values is 7/4: an error of 1e-7 at the zero element is 1e-7 / 1.75 relative
        Tolerance.Errors e = Tolerance.elementwise(1e-6).measure(ref, new double[]{1, -2, 1e-7, Double.NaN, 4});
        assertEquals(1e-7 / 1.75, e.maxRel(), 1e-20);
        assertTrue(Tolerance.elementwise(1e-6).accepts(e));
        assertFalse(Tolerance.elementwise(1e-6).accepts(
                Tolerance.elementwise(1e-6).measure(ref, new double[]{1.00001, -2, 0, Double.NaN, 4})));
        Tolerance.Errors n = Tolerance.norm(1e-5).measure(ref, new double[]{1, -2, 3e-5, Double.NaN, 4});
        assertEquals(3e-5 / 4, n.maxRel(), 1e-18);
        assertTrue(Tolerance.norm(1e-5).accepts(n));
        assertFalse(Tolerance.norm(1e-5).accepts(Tolerance.norm(1e-5).measure(ref, new double[]{1, -2, 0, 1, 4})));
    }

    /** A CPU backend with one planted bug per primitive family (see the test above for which). */
    private static final class BuggyBackend extends ForwardingBackend {
        private final Random random;

        BuggyBackend(Backend delegate, long seed) {
            super(delegate);
            this.random = new Random(seed);
        }

        @Override
        public void normal(Buffer dst, int length, long seed, double mean, double std) {
            throw new UnsupportedOperationException("normal is not implemented here");
        }

        @Override
        public void gather(Buffer table, Buffer indices, Buffer out, int count, int rowLength) {
            delegate.gather(table, indices, out, count - 1, rowLength); // forgets the last row
        }

        @Override
        public void scatterAdd(Buffer table, Buffer indices, Buffer src, int count, int rowLength, int skipIndex,
                               ScatterMode mode) {
            int[] idx = new int[count];
            delegate.download(indices, idx, 0, count);
            if (mode == ScatterMode.ATOMIC) { // last write wins instead of accumulating
                for (int p = 0; p < count; p++) {
                    if (idx[p] == skipIndex) continue;
                    delegate.copy(src.slice(p * rowLength, rowLength), table.slice(idx[p] * rowLength, rowLength),
                            rowLength);
                }
                return;
            }
            // accumulates in a different order every call: right to rounding, never bit-stable
            float[] t = new float[table.length()];
            float[] s = new float[count * rowLength];
            delegate.download(table, t, 0, t.length);
            delegate.download(src, s, 0, s.length);
            List<Integer> order = new ArrayList<>();
            for (int p = 0; p < count; p++) order.add(p);
            Collections.shuffle(order, random);
            for (int p : order) {
                if (idx[p] == skipIndex) continue;
                for (int j = 0; j < rowLength; j++) t[idx[p] * rowLength + j] += s[p * rowLength + j];
            }
            delegate.upload(t, 0, table, t.length);
        }

        @Override
        public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, Buffer b,
                         double beta, Buffer c) {
            delegate.gemm(transA, transB, m, n, k, alpha, a, b, 0, c); // ignores beta
        }

        @Override
        public void unary(UnaryOp op, Buffer x, Buffer y, int length) {
            delegate.unary(op, x, y, length);
            if (op == UnaryOp.TANH) delegate.binaryScalar(BinaryOp.MUL, y, 1 + 1e-5, false, y, length);
        }

        @Override
        public void softmaxCrossEntropy(Buffer logits, Buffer targets, int rows, int cols, int ignoreIndex,
                                        Buffer loss, Buffer dLogits) {
            delegate.softmaxCrossEntropy(logits, targets, rows, cols, ignoreIndex, loss, dLogits);
            delegate.binaryScalar(BinaryOp.MUL, dLogits, 1.01, false, dLogits, rows * cols);
        }

        @Override
        public void reduce(ReduceOp op, Buffer x, Buffer out, int outer, int n, int inner) {
            if (op == ReduceOp.LOGSUMEXP) throw new IllegalStateException("device lost");
            // the accumulating reductions forget the last row; the selections are right
            int rows = op.kind() == ReduceOp.Kind.ACCUMULATE ? Math.max(0, n - 1) : n;
            delegate.reduce(op, x, out, outer, rows, inner);
        }
    }
}
