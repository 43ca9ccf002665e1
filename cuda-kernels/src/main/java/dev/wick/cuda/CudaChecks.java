package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.backend.ScatterMode;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Checks of the CUDA backend beyond the conformance suite's numbers: the caching allocator reaches
 * a steady state, two backends live side by side in one JVM, and misuse (a released buffer, a
 * buffer of another backend, a closed backend) is refused with the documented exception.
 */
final class CudaChecks {

    record Result(String name, boolean passed, String detail) {
    }

    private CudaChecks() {
    }

    static List<Result> run(CudaBackend backend, Supplier<CudaBackend> another) {
        List<Result> results = new ArrayList<>();
        results.add(check("allocator: steady-state steps make no cuMemAlloc", () -> steadyState(backend)));
        results.add(check("two backends in one JVM", () -> twoBackends(backend, another)));
        results.add(check("a released buffer is refused", () -> releasedBufferRefused(backend)));
        return results;
    }

    static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-56s %s  %s%n", r.name(), r.passed() ? "PASS" : "FAIL", r.detail()));
        }
        return sb.toString();
    }

    @FunctionalInterface
    private interface Body {
        String run();
    }

    private static Result check(String name, Body body) {
        try {
            return new Result(name, true, body.run());
        } catch (AssertionError | RuntimeException e) {
            return new Result(name, false, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) throw new AssertionError(message);
    }

    /** A small training-like step: every kind of scratch a primitive uses, all released at the end. */
    private static void step(Backend b) {
        int v = 97, d = 33, n = 300, classes = 41;
        List<Buffer> held = new ArrayList<>();
        Buffer table = keep(held, b.allocate(DType.FLOAT32, v * d));
        b.uniform(table, v * d, 7, -1, 1);
        Buffer idx = keep(held, b.allocate(DType.INT32, n));
        int[] indices = new int[n];
        for (int i = 0; i < n; i++) indices[i] = (i * 31) % v;
        b.upload(indices, 0, idx, n);
        Buffer rows = keep(held, b.allocate(DType.FLOAT32, n * d));
        b.gather(table, idx, rows, n, d);
        Buffer w = keep(held, b.allocate(DType.FLOAT32, d * classes));
        b.normal(w, d * classes, 8, 0, 0.1);
        Buffer logits = keep(held, b.allocate(DType.FLOAT32, n * classes));
        b.gemm(false, false, n, classes, d, 1, rows, w, 0, logits);
        Buffer targets = keep(held, b.allocate(DType.INT32, n));
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = i % 5 == 0 ? -100 : (i * 7) % classes;
        b.upload(t, 0, targets, n);
        Buffer loss = keep(held, b.allocate(DType.FLOAT32, 1));
        Buffer grad = keep(held, b.allocate(DType.FLOAT32, n * classes));
        b.softmaxCrossEntropy(logits, targets, n, classes, -100, loss, grad);
        Buffer dRows = keep(held, b.allocate(DType.FLOAT32, n * d));
        b.gemm(false, true, n, d, classes, 1, grad, w, 0, dRows);
        b.scatterAdd(table, idx, dRows, n, d, -1, ScatterMode.DETERMINISTIC);
        Buffer bias = keep(held, b.allocate(DType.FLOAT32, classes));
        b.reduce(ReduceOp.SUM, grad, bias, 1, n, classes);
        Buffer norm = keep(held, b.allocate(DType.FLOAT32, 1));
        b.squaredNorm(table, norm, v * d);
        b.firstIndexOutOfRange(idx, n, v, 0);
        float[] out = new float[1];
        b.download(loss, out, 0, 1);
        for (Buffer x : held) b.release(x);
    }

    private static Buffer keep(List<Buffer> held, Buffer b) {
        held.add(b);
        return b;
    }

    private static String steadyState(CudaBackend b) {
        MemoryStats before = b.memoryStats();
        step(b);
        MemoryStats warm = b.memoryStats();
        step(b);
        step(b);
        MemoryStats after = b.memoryStats();
        require(after.driverAllocations() == warm.driverAllocations(), "cuMemAlloc calls grew from "
                + warm.driverAllocations() + " to " + after.driverAllocations() + " in steady state");
        require(after.bytesInUse() == before.bytesInUse(), "bytes in use " + after.bytesInUse() + ", was "
                + before.bytesInUse() + " before the steps");
        return "driver allocations " + warm.driverAllocations() + " after the first step and after two more; cached "
                + after.bytesCached() + " bytes, peak " + after.peakBytesInUse();
    }

    private static String twoBackends(CudaBackend first, Supplier<CudaBackend> another) {
        float[] a = {1, 2, 3, 4, 5, 6}, back = new float[6];
        Buffer inFirst = first.allocate(DType.FLOAT32, 6);
        try {
            first.upload(a, 0, inFirst, 6);
            CudaBackend second = another.get();
            Buffer inSecond;
            try {
                inSecond = second.allocate(DType.FLOAT32, 6);
                second.upload(a, 0, inSecond, 6);
                second.binaryScalar(BinaryOp.MUL, inSecond, 2, false, inSecond, 6);
                second.download(inSecond, back, 0, 6);
                require(Arrays.equals(back, new float[]{2, 4, 6, 8, 10, 12}), "second backend computed " + Arrays.toString(back));
                try {
                    first.unary(UnaryOp.TANH, inSecond, inFirst, 6);
                    throw new AssertionError("a buffer of another backend was accepted");
                } catch (IllegalArgumentException expected) {
                    // as documented
                }
            } finally {
                second.close();
            }
            try {
                second.allocate(DType.FLOAT32, 1);
                throw new AssertionError("a closed backend accepted a call");
            } catch (IllegalStateException expected) {
                // as documented
            }
            first.binaryScalar(BinaryOp.MUL, inFirst, 3, false, inFirst, 6);
            first.download(inFirst, back, 0, 6);
            require(Arrays.equals(back, new float[]{3, 6, 9, 12, 15, 18}), "first backend computed "
                    + Arrays.toString(back) + " after the second closed");
            return "both computed; the first still works after the second closed";
        } finally {
            first.release(inFirst);
        }
    }

    private static String releasedBufferRefused(CudaBackend b) {
        Buffer x = b.allocate(DType.FLOAT32, 8);
        Buffer view = x.slice(2, 4);
        b.release(x);
        try {
            b.unary(UnaryOp.TANH, view, view, 4);
            throw new AssertionError("a view of a released buffer was used");
        } catch (IllegalStateException expected) {
            return "IllegalStateException: " + expected.getMessage();
        }
    }
}
