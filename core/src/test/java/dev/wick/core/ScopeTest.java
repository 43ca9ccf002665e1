package dev.wick.core;

import dev.wick.core.backend.MemoryStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory scopes: what they close, what keep() hands out, ordering, and a steady training-like loop. */
class ScopeTest {

    @Test
    void aScopeClosesWhatWasCreatedInsideIt() {
        try (Engine e = Wick.cpu(1)) {
            Tensor outside = e.zeros(DType.FLOAT32, 3);
            Tensor a, b, sum;
            try (Scope s = e.scope()) {
                a = e.zeros(DType.FLOAT32, 3);
                b = e.full(DType.FLOAT32, 2, 3);
                sum = a.add(b); // results of ops belong to the scope too
                assertEquals(3, s.size());
            }
            assertTrue(a.isClosed() && b.isClosed() && sum.isClosed());
            assertFalse(outside.isClosed(), "a tensor made before the scope opened is not its business");
            outside.close();
            assertEquals(0, e.memoryStats().bytesInUse());
        }
    }

    @Test
    void keepHandsATensorToTheEnclosingScope() {
        try (Engine e = Wick.cpu(1)) {
            Tensor kept, keptOut;
            try (Scope outer = e.scope()) {
                try (Scope inner = e.scope()) {
                    kept = inner.keep(e.full(DType.FLOAT64, 1.5, 2));
                    e.zeros(DType.FLOAT64, 2);
                    assertEquals(1, inner.size());
                }
                assertFalse(kept.isClosed(), "kept tensors survive their scope");
                assertEquals(3.0, kept.sum().item());
                assertEquals(2, outer.size(), "the kept tensor (and the sum) now belong to the outer scope");
                keptOut = outer.keep(e.zeros(DType.FLOAT64, 1));
            }
            assertTrue(kept.isClosed(), "the enclosing scope closes it");
            assertFalse(keptOut.isClosed(), "keep() in the outermost scope hands the tensor to the caller");
            keptOut.close();
            assertEquals(0, e.memoryStats().bytesInUse());
        }
    }

    @Test
    void scopesMustBeClosedInnermostFirst() {
        try (Engine e = Wick.cpu(1)) {
            Scope outer = e.scope();
            Scope inner = e.scope();
            Tensor t = e.zeros(DType.FLOAT32, 1);
            assertThrows(IllegalStateException.class, outer::close);
            assertFalse(t.isClosed(), "the refused close closed nothing");
            inner.close();
            assertTrue(t.isClosed());
            outer.close();
            assertThrows(IllegalStateException.class, () -> outer.keep(t), "keep on a closed scope");
        }
    }

    @Test
    void aSteadyLoopAllocatesNoNewArraysAfterItsFirstStep() {
        try (Engine e = Wick.cpu(2)) {
            Tensor w = e.normal(DType.FLOAT32, 1, 0, 0.1, 64, 32);
            Tensor table = e.normal(DType.FLOAT32, 2, 0, 0.1, 48, 64);
            Tensor grad = e.zeros(DType.FLOAT32, 64, 32);
            // sizes that are their own size class, so bytes in use are exactly numel * 4
            long afterFirst = -1;
            for (int step = 0; step < 10; step++) {
                try (Scope s = e.scope()) {
                    Tensor idx = e.fromInts(new int[]{1, 4, 4, 9, 1, 0, 47, 3}, 8);
                    Tensor h = table.gather(idx).matmul(w).tanh();
                    try (Tensor.LossAndGradient lg = h.softmaxCrossEntropy(e.fromInts(new int[]{0, 1, 2, 3, 4, 5, 6, 7}, 8), -1)) {
                        Tensor.gemm(true, false, 1.0, table.gather(idx), h.tanhBackward(lg.dLogits()), 0.0, grad);
                    }
                    w.addScaledInPlace(-0.1, grad);
                    table.scatterAdd(idx, e.zeros(DType.FLOAT32, 8, 64));
                }
                if (step == 0) afterFirst = e.memoryStats().driverAllocations();
            }
            MemoryStats m = e.memoryStats();
            assertEquals(afterFirst, m.driverAllocations(), "steps after the first reuse cached arrays: " + m);
            assertEquals((64 * 32 + 48 * 64 + 64 * 32) * 4L, m.bytesInUse(), "only the three long-lived tensors remain: " + m);
        }
    }
}
