package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is refused before any kernel runs, with a message that says what is wrong; nothing is half-written. */
class BadInputTest {
    private final Engine e = Wick.cpu();

    @AfterEach
    void close() {
        e.close();
    }

    @Test
    void outOfRangeEmbeddingIndexNamesIndexPositionAndVocabularyAndChangesNothing() {
        TinyModel model = new TinyModel(e, DType.FLOAT32, 11, 4, 5, 42);
        // Give the gradients non-zero contents first, so "unchanged" means something.
        Tensor goodIn = e.fromInts(new int[]{1, 2, 3, 4}, 2, 2);
        Tensor goodTargets = e.fromInts(new int[]{2, 3, 4, 5}, 4);
        try (Tape tape = Tape.record()) {
            tape.backward(model.loss(goodIn, goodTargets));
        }
        float[][] paramsBefore = snapshot(model, false);
        float[][] gradsBefore = snapshot(model, true);
        for (int bad : new int[]{-1, 11, 1000}) {
            Tensor in = e.fromInts(new int[]{1, 2, bad, 4}, 2, 2);
            try (Tape tape = Tape.record()) {
                IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class,
                        () -> tape.backward(model.loss(in, goodTargets)));
                String m = ex.getMessage();
                assertTrue(m.contains("index " + bad) && m.contains("position 2") && m.contains("vocabulary size 11"), m);
            }
        }
        Tensor badTargets = e.fromInts(new int[]{2, 3, 11, 5}, 4);
        try (Tape tape = Tape.record()) {
            IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class,
                    () -> tape.backward(model.loss(goodIn, badTargets)));
            assertTrue(ex.getMessage().contains("index 11") && ex.getMessage().contains("position 2"), ex.getMessage());
        }
        assertSame(paramsBefore, snapshot(model, false));
        assertSame(gradsBefore, snapshot(model, true));
    }

    @Test
    void scatterAddWithABadIndexWritesNothing() {
        Tensor table = e.uniform(DType.FLOAT32, 3, -1, 1, 6, 3);
        float[] before = table.toFloatArray();
        Tensor src = e.uniform(DType.FLOAT32, 4, -1, 1, 3, 3);
        IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class,
                () -> table.scatterAdd(e.fromInts(new int[]{0, 5, 6}, 3), src));
        assertTrue(ex.getMessage().contains("index 6 at position 2"), ex.getMessage());
        assertArrayEquals(before, table.toFloatArray());
    }

    @Test
    void mismatchedShapesNameBothShapes() {
        Variable a = Variable.parameter("a", e.zeros(DType.FLOAT32, 3, 4));
        Variable b = Variable.parameter("b", e.zeros(DType.FLOAT32, 5, 2));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> F.matmul(a, b));
        assertTrue(ex.getMessage().contains("[3, 4]") && ex.getMessage().contains("[5, 2]"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> F.add(a, b));
        assertTrue(ex.getMessage().contains("[3, 4]") && ex.getMessage().contains("[5, 2]"), ex.getMessage());
        Variable w = Variable.parameter("w", e.zeros(DType.FLOAT32, 7, 5));
        ex = assertThrows(IllegalArgumentException.class, () -> F.linear(a, w, null));
        assertTrue(ex.getMessage().contains("[3, 4]") && ex.getMessage().contains("[7, 5]"), ex.getMessage());
        Variable x = Variable.constant(e.zeros(DType.FLOAT32, 2, 3, 4));
        Variable wih = Variable.parameter("wih", e.zeros(DType.FLOAT32, 6, 5));
        Variable whh = Variable.parameter("whh", e.zeros(DType.FLOAT32, 6, 6));
        Variable bias = Variable.parameter("b", e.zeros(DType.FLOAT32, 6));
        ex = assertThrows(IllegalArgumentException.class, () -> F.rnnTanh(x, null, wih, whh, bias));
        assertTrue(ex.getMessage().contains("[6, 5]") && ex.getMessage().contains("[2, 3, 4]"), ex.getMessage());
        Variable logits = Variable.parameter("l", e.zeros(DType.FLOAT32, 4, 3));
        ex = assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, e.fromInts(new int[]{0, 1, 2}, 3)));
        assertTrue(ex.getMessage().contains("[3]") && ex.getMessage().contains("[4, 3]"), ex.getMessage());
    }

    /** The in-place helpers autograd writes gradients through check their operands before writing. */
    @Test
    void inPlaceGradientHelpersCheckShapesAndWriteNothingOnError() {
        Tensor dx = e.uniform(DType.FLOAT32, 1, -1, 1, 3, 4);
        float[] before = dx.toFloatArray();
        Tensor y = e.uniform(DType.FLOAT32, 2, -1, 1, 3, 4);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> dx.tanhBackwardInPlace(y, e.zeros(DType.FLOAT32, 4, 3), true));
        assertTrue(ex.getMessage().contains("[3, 4]") && ex.getMessage().contains("[4, 3]"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dx.tanhBackwardInPlace(y.to(DType.FLOAT64), dx, false));
        assertThrows(IllegalArgumentException.class,
                () -> e.zeros(DType.INT32, 2).applyInPlace(dev.wick.core.ops.UnaryOp.TANH));
        assertArrayEquals(before, dx.toFloatArray());
    }

    @Test
    void usingAClosedTensorThrowsIllegalState() {
        Variable a = Variable.parameter("a", e.zeros(DType.FLOAT32, 2, 2));
        Tensor x = e.zeros(DType.FLOAT32, 2, 2);
        x.close();
        assertThrows(IllegalStateException.class, () -> F.matmul(Variable.constant(x), a));
        Variable saved;
        try (Tape tape = Tape.record()) {
            saved = F.tanh(a);
            Variable loss = F.sum(saved);
            saved.value().close(); // what backward needs is gone
            assertThrows(IllegalStateException.class, () -> tape.backward(loss));
        }
    }

    private static float[][] snapshot(TinyModel m, boolean grads) {
        return m.parameters().stream().map(p -> (grads ? p.grad() : p.value()).toFloatArray()).toArray(float[][]::new);
    }

    private static void assertSame(float[][] expected, float[][] actual) {
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], actual[i], 0f, "tensor " + i);
    }
}
