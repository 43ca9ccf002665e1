package dev.wick.autograd;

import dev.wick.core.Scope;
import dev.wick.core.Shape;
import dev.wick.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shape functions: float64 gradient checks, values against the core's tensor ops, bad arguments. */
class ShapeOpsTest extends GradTestCase {
    @Test
    void permuteAndTranspose() {
        Variable x = param("x", 2, 3, 5);
        check("permute 2 0 1", List.of(x), () -> weightedSum(F.permute(x, 2, 0, 1)));
        check("permute -1 1 0", List.of(x), () -> weightedSum(F.permute(x, -1, 1, 0)));
        check("transpose 0 2", List.of(x), () -> weightedSum(F.transpose(x, 0, 2)));
        check("transpose 1 -1", List.of(x), () -> weightedSum(F.transpose(x, 1, -1)));
        assertSame(x.value().permute(1, 2, 0), F.permute(x, 1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> F.permute(x, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> F.transpose(x, 0, 3));
    }

    @Test
    void narrowAndSplitAlongEveryAxis() {
        Variable x = param("x", 5, 3, 7);
        for (int axis : new int[]{0, 1, 2, -1}) {
            int n = x.shape().dim(axis);
            check("narrow axis " + axis, List.of(x), () -> weightedSum(F.narrow(x, axis, 1, n - 2)));
            assertSame(x.value().narrow(axis, 1, n - 2), F.narrow(x, axis, 1, n - 2));
        }
        check("split axis 2", List.of(x), () -> {
            List<Variable> parts = F.split(x, 2, 2, 0, 4, 1);
            assertEquals(4, parts.size());
            // Weighted differently, so a gradient routed to the wrong piece shows.
            return F.add(F.add(weightedSum(parts.get(0)), F.scale(weightedSum(parts.get(2)), 3.0)),
                    F.scale(weightedSum(parts.get(3)), -2.0));
        });
        check("split axis 0", List.of(x), () -> {
            List<Variable> parts = F.split(x, 0, 3, 2);
            return F.sub(weightedSum(parts.get(0)), weightedSum(parts.get(1)));
        });
        assertThrows(IndexOutOfBoundsException.class, () -> F.narrow(x, 1, 2, 2));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> F.split(x, 1, 1, 1));
        assertTrue(ex.getMessage().contains("does not add up to 3"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.split(x, 1, 4, -1));
    }

    @Test
    void concatAndStack() {
        Variable a = param("a", 2, 3);
        Variable b = param("b", 2, 5);
        Variable c = param("c", 4, 3);
        check("concat axis 1", List.of(a, b), () -> weightedSum(F.concat(1, a, b, a)));
        check("concat axis 0", List.of(a, c), () -> weightedSum(F.concat(List.of(c, a), 0)));
        check("stack axis 0", List.of(a), () -> weightedSum(F.stack(0, a, a)));
        Variable d = param("d", 2, 3);
        for (int axis : new int[]{0, 1, 2, -1}) {
            check("stack axis " + axis, List.of(a, d), () -> weightedSum(F.stack(List.of(a, d, a), axis)));
        }
        assertSame(Tensor.concat(1, a.value(), b.value()), F.concat(1, a, b));
        assertSame(Tensor.stack(1, a.value(), d.value()), F.stack(1, a, d));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> F.concat(0, a, b));
        assertTrue(ex.getMessage().contains("[2, 3]") && ex.getMessage().contains("[2, 5]"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.stack(0, a, b));
    }

    @Test
    void reshapeSliceUnsqueezeSqueezeBroadcast() {
        Variable x = param("x", 3, 1, 5);
        check("reshape", List.of(x), () -> weightedSum(F.reshape(x, 5, 3)));
        check("slice", List.of(x), () -> weightedSum(F.slice(x, 1, 3)));
        check("unsqueeze", List.of(x), () -> weightedSum(F.unsqueeze(x, -1)));
        check("squeeze", List.of(x), () -> weightedSum(F.squeeze(x, 1)));
        check("broadcastTo", List.of(x), () -> weightedSum(F.broadcastTo(x, 2, 3, 4, 5)));
        Variable row = param("row", 7);
        check("broadcastTo a row", List.of(row), () -> weightedSum(F.broadcastTo(row, Shape.of(3, 2, 7))));
        assertEquals(Shape.of(3, 5), F.squeeze(x, 1).shape());
        assertEquals(Shape.of(1, 3, 1, 5), F.unsqueeze(x, 0).shape());
        assertThrows(IllegalArgumentException.class, () -> F.squeeze(x, 0));
        assertThrows(IllegalArgumentException.class, () -> F.broadcastTo(x, 3, 2, 4));
    }

    /** A slice of a value used elsewhere too: the slice's gradient lands in its rows, added to the rest. */
    @Test
    void sliceGradientIsAddedToOtherUses() {
        Variable x = param("x", new double[]{1, 2, 3, 4, 5, 6}, 3, 2);
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(F.add(F.sum(F.slice(x, 1, 2)), F.sum(F.mul(x, 2.0))));
        }
        assertArrayEquals(new double[]{2, 2, 3, 3, 2, 2}, x.grad().toDoubleArray(), 0.0);
    }

    private static void assertSame(Tensor expected, Variable actual) {
        assertEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toDoubleArray(), actual.value().toDoubleArray(), 0.0);
    }
}
