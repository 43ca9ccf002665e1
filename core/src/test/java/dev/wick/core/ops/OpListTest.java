package dev.wick.core.ops;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's list of ops is the op table's: this renders it from {@link UnaryOp}, {@link BinaryOp}
 * and {@link ReduceOp} and fails, printing the block to paste, when the README's copy differs.
 */
class OpListTest {
    static final String BEGIN = "<!-- op list: rendered from dev.wick.core.ops by OpListTest; do not edit by hand -->";
    static final String END = "<!-- end of op list -->";

    static String render() {
        return BEGIN + "\n"
                + "| family | ops (no gradient: in italics) |\n"
                + "| --- | --- |\n"
                + "| unary: `Tensor.apply(UnaryOp)`, `F.apply` | " + names(UnaryOp.values(), UnaryOp::opName, UnaryOp::differentiable) + " |\n"
                + "| binary, numpy broadcasting or a scalar on either side: `Tensor.apply(BinaryOp, ...)` | "
                + names(BinaryOp.values(), BinaryOp::opName, BinaryOp::differentiable) + " |\n"
                + "| reductions along an axis, keep-dim or not: `Tensor.reduce(ReduceOp, axis, keepDim)` | "
                + names(ReduceOp.values(), ReduceOp::opName, ReduceOp::differentiable) + " |\n"
                + END;
    }

    private static <T> String names(T[] ops, Function<T, String> name, Predicate<T> differentiable) {
        return Arrays.stream(ops).map(op -> differentiable.test(op) ? name.apply(op) : "*" + name.apply(op) + "*")
                .collect(Collectors.joining(", "));
    }

    @Test
    void theReadmeListsEveryOpOfTheTable() throws IOException {
        Path readme = Stream.of(Path.of("README.md"), Path.of("../README.md")).filter(Files::exists).findFirst()
                .orElseThrow(() -> new AssertionError("README.md not found from " + Path.of("").toAbsolutePath()));
        String text = Files.readString(readme);
        int begin = text.indexOf(BEGIN), end = text.indexOf(END);
        String expected = render();
        assertTrue(begin >= 0 && end > begin, () -> "README.md has no op list; add this block:\n" + expected);
        assertEquals(expected, text.substring(begin, end + END.length()),
                () -> "README.md's op list differs from the op table; replace it with:\n" + expected);
    }
}
