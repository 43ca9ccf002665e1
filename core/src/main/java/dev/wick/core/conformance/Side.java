package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * One side of a comparison: a backend and the floating dtype it is run in. Inputs come in as
 * doubles (float-representable, so both sides see the same values) and outputs go out as doubles;
 * buffers allocated for a check are released after it. Times the primitive calls of a check,
 * waiting for the device so that asynchronous backends are timed honestly.
 */
final class Side {
    private final Backend backend;
    private final DType real;
    private final List<Buffer> allocated = new ArrayList<>();
    private long nanos;

    Side(Backend backend, DType real) {
        if (real == null || !real.isFloating()) {
            throw new IllegalArgumentException("a side runs in FLOAT32 or FLOAT64, got " + real);
        }
        this.backend = backend;
        this.real = real;
    }

    Backend backend() {
        return backend;
    }

    DType real() {
        return real;
    }

    /** A floating buffer holding {@code values}. */
    Buffer reals(double[] values) {
        Buffer b = allocate(real, values.length);
        if (real == DType.FLOAT64) {
            backend.upload(values, 0, b, values.length);
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
            backend.upload(f, 0, b, f.length);
        }
        return b;
    }

    /** A floating buffer of {@code length} elements, every one NaN (so unwritten outputs show). */
    Buffer nans(int length) {
        Buffer b = allocate(real, length);
        backend.fill(b, Double.NaN, length);
        return b;
    }

    Buffer ints(int[] values) {
        Buffer b = allocate(DType.INT32, values.length);
        backend.upload(values, 0, b, values.length);
        return b;
    }

    Buffer allocate(DType dtype, int length) {
        Buffer b = backend.allocate(dtype, length);
        allocated.add(b);
        return b;
    }

    /** The floating contents of {@code b}, as doubles. */
    double[] read(Buffer b) {
        int n = b.length();
        double[] out = new double[n];
        if (b.dtype() == DType.FLOAT64) {
            backend.download(b, out, 0, n);
        } else if (b.dtype() == DType.FLOAT32) {
            float[] f = new float[n];
            backend.download(b, f, 0, n);
            for (int i = 0; i < n; i++) out[i] = f[i];
        } else {
            int[] v = readInts(b);
            for (int i = 0; i < n; i++) out[i] = v[i];
        }
        return out;
    }

    int[] readInts(Buffer b) {
        int[] out = new int[b.length()];
        backend.download(b, out, 0, out.length);
        return out;
    }

    /** Runs {@code work} (primitive calls only), waits for the device, and adds the time taken. */
    void timed(Runnable work) {
        long t0 = System.nanoTime();
        work.run();
        backend.synchronize();
        nanos += System.nanoTime() - t0;
    }

    /** Starts a check: clears the timer. */
    void begin() {
        nanos = 0;
    }

    double millis() {
        return nanos / 1e6;
    }

    /** Releases every buffer of the check; the first failure is rethrown after all were tried. */
    void releaseAll() {
        RuntimeException first = null;
        for (Buffer b : allocated) {
            try {
                backend.release(b);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        allocated.clear();
        if (first != null) throw first;
    }
}
