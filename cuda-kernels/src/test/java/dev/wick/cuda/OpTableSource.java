package dev.wick.cuda;

import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Renders src/main/cuda/op_table.cuh: the op table of dev.wick.core.ops as X-macro lists, which
 * ops.cu expands into an _f32 and an _f64 kernel per entry, so that a new entry in UnaryOp, BinaryOp
 * or ReduceOp reaches the GPU without CUDA written by hand. scripts/build-ptx.sh runs it through
 * java's source launcher with core's classes on the class path (no Maven needed), then compiles the
 * PTX; PtxResourcesTest fails when the committed header is not what this renders from the table.
 */
final class OpTableSource {
    static final String FILE_NAME = "op_table.cuh";
    static final String REGENERATE = "cuda-kernels/scripts/build-ptx.sh";

    /** Kernel names are built from op names, so those must be C identifiers. */
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]*");

    private OpTableSource() {
    }

    /** Writes the header to the path given (build-ptx.sh passes src/main/cuda/op_table.cuh). */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp <core classes> OpTableSource.java <path of " + FILE_NAME + ">");
            System.exit(2);
        }
        Files.writeString(Path.of(args[0]), render(), StandardCharsets.US_ASCII);
    }

    /** The header's text for the table as compiled into this JVM's core classes. */
    static String render() {
        StringBuilder out = new StringBuilder();
        out.append("""
                // Generated from Wick's op table (dev.wick.core.ops: UnaryOp, BinaryOp, ReduceOp) by
                // dev.wick.cuda.OpTableSource (cuda-kernels test sources): do not edit; change the table and run
                // %s, which regenerates this file and the PTX.
                //
                // ops.cu expands every entry into an _f32 and an _f64 kernel. Expressions come in parentheses:
                //   WICK_UNARY_OPS:              X(name, y)            y of x; both of type T (float or double)
                //   WICK_BINARY_OPS:             X(name, out)          out of a and b; all of type T
                //   WICK_REDUCE_ACCUMULATE_OPS:  X(name, step, finish, shifted)
                //       step: the next acc from acc and x; finish: the result from acc, n (int) and shift; acc,
                //       x and shift are doubles; shifted: 1 where shift is the axis's maximum, else it is 0
                //   WICK_REDUCE_SELECT_OPS:      X(name, better, index_result)
                //       better: whether the candidate x beats best (type T); index_result: 1 where the
                //       result is the position (int), 0 where it is the value
                //   WICK_REDUCE_SHIFT_OP:        the select op whose value is the shift
                #ifndef WICK_OP_TABLE_CUH
                #define WICK_OP_TABLE_CUH

                """.formatted(REGENERATE));
        List<String> unary = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) unary.add(entry(op.opName(), op.cuda()));
        list(out, "WICK_UNARY_OPS", unary);

        List<String> binary = new ArrayList<>();
        for (BinaryOp op : BinaryOp.values()) binary.add(entry(op.opName(), op.cuda()));
        list(out, "WICK_BINARY_OPS", binary);

        List<String> accumulate = new ArrayList<>(), select = new ArrayList<>();
        for (ReduceOp op : ReduceOp.values()) {
            if (op.kind() == ReduceOp.Kind.ACCUMULATE) {
                requireAdditive(op);
                accumulate.add(entry(op.opName(), op.cudaStep(), op.cudaFinish()) + ", " + (op.shifted() ? 1 : 0));
            } else {
                if (op.cudaFinish() != null) {
                    throw invalid(op.opName(), "a selecting reduction has no finish expression");
                }
                select.add(entry(op.opName(), op.cudaStep()) + ", " + (op.indexResult() ? 1 : 0));
            }
        }
        list(out, "WICK_REDUCE_ACCUMULATE_OPS", accumulate);
        list(out, "WICK_REDUCE_SELECT_OPS", select);
        // the CPU shifts by ReduceOp.MAX's result too (OpKernels.reduceUnit)
        out.append("#define WICK_REDUCE_SHIFT_OP ").append(checkedName(ReduceOp.MAX.opName())).append("\n\n");
        out.append("#endif  // WICK_OP_TABLE_CUH\n");
        return out.toString();
    }

    private static void list(StringBuilder out, String macro, List<String> entries) {
        out.append("#define ").append(macro).append("(X)");
        for (String e : entries) out.append(" \\\n    X(").append(e).append(')');
        out.append("\n\n");
    }

    private static String entry(String name, String... expressions) {
        StringBuilder sb = new StringBuilder(checkedName(name));
        for (String e : expressions) sb.append(", (").append(checkedExpression(name, e)).append(')');
        return sb.toString();
    }

    private static String checkedName(String name) {
        if (!IDENTIFIER.matcher(name).matches()) throw invalid(name, "an op name must match " + IDENTIFIER);
        return name;
    }

    /**
     * An expression goes into a one-line macro argument: no line breaks or comments (they would end
     * or swallow the list), and balanced parentheses, so that wrapping it in a pair keeps its commas
     * inside one argument.
     */
    private static String checkedExpression(String op, String e) {
        if (e == null || e.isBlank()) throw invalid(op, "no CUDA expression");
        if (e.contains("\n") || e.contains("\r") || e.contains("\\") || e.contains("//") || e.contains("/*")) {
            throw invalid(op, "CUDA expression '" + e + "' has a line break, a backslash or a comment");
        }
        int depth = 0;
        for (char c : e.toCharArray()) {
            if (c == '(') depth++;
            if (c == ')' && --depth < 0) break;
        }
        if (depth != 0) throw invalid(op, "CUDA expression '" + e + "' has unbalanced parentheses");
        return e;
    }

    /**
     * The kernels split an axis among threads and add their accumulators (a sequential step could
     * not be parallelised otherwise), which is only the table's step if step(acc, x) = acc + step(0, x).
     */
    private static void requireAdditive(ReduceOp op) {
        double[] samples = {0, 1.5, -3.25, 7};
        for (double acc : samples) {
            for (double x : samples) {
                for (double shift : samples) {
                    double step = op.step(acc, x, shift), split = acc + op.step(0, x, shift);
                    if (Double.compare(step, split) != 0) {
                        throw invalid(op.opName(), "step(" + acc + ", " + x + ", " + shift + ") = " + step
                                + " is not acc + step(0, x): the CUDA kernels add partial accumulators");
                    }
                }
            }
        }
    }

    private static IllegalStateException invalid(String op, String why) {
        return new IllegalStateException("op " + op + ": " + why);
    }
}
