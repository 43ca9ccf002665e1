package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;

/** Moves test data in and out of one backend's buffers of one floating dtype. */
final class Buffers {
    final Backend backend;
    final DType dtype;

    Buffers(Backend backend, DType dtype) {
        this.backend = backend;
        this.dtype = dtype;
    }

    /** An owning buffer holding v (rounded to float for FLOAT32). */
    Buffer put(double[] v) {
        Buffer b = backend.allocate(dtype, v.length);
        upload(v, b);
        return b;
    }

    /**
     * A view of v.length elements starting {@code offset} elements into a larger buffer, whose
     * other elements hold NaN: a kernel that reads outside its view spreads NaN into its result.
     */
    Buffer putAt(double[] v, int offset) {
        Buffer whole = backend.allocate(dtype, offset + v.length + 7);
        backend.fill(whole, Double.NaN, whole.length());
        Buffer view = whole.slice(offset, v.length);
        upload(v, view);
        return view;
    }

    private void upload(double[] v, Buffer b) {
        if (dtype == DType.FLOAT64) {
            backend.upload(v, 0, b, v.length);
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            backend.upload(f, 0, b, v.length);
        }
    }

    Buffer ints(int[] v) {
        Buffer b = backend.allocate(DType.INT32, v.length);
        backend.upload(v, 0, b, v.length);
        return b;
    }

    double[] get(Buffer b) {
        return get(b, b.length());
    }

    double[] get(Buffer b, int n) {
        double[] out = new double[n];
        if (b.dtype() == DType.INT32) {
            int[] v = new int[n];
            backend.download(b, v, 0, n);
            for (int i = 0; i < n; i++) out[i] = v[i];
        } else if (dtype == DType.FLOAT64) {
            backend.download(b, out, 0, n);
        } else {
            float[] f = new float[n];
            backend.download(b, f, 0, n);
            for (int i = 0; i < n; i++) out[i] = f[i];
        }
        return out;
    }

    /** Relative precision to expect of a few roundings in this dtype. */
    double eps() {
        return dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
    }
}
