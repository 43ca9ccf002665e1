package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;

/** A run of a Java array: float[] for FLOAT32, double[] for FLOAT64, int[] for INT32. */
final class CpuBuffer implements Buffer {
    final DType dtype;
    final Object array;
    final int offset;
    final int length;
    final boolean owning;

    CpuBuffer(DType dtype, Object array, int offset, int length, boolean owning) {
        this.dtype = dtype;
        this.array = array;
        this.offset = offset;
        this.length = length;
        this.owning = owning;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public Buffer slice(int off, int len) {
        if (off < 0 || len < 0 || off + len > length) {
            throw new IndexOutOfBoundsException("slice [" + off + ", " + (off + len) + ") of a buffer of " + length);
        }
        return new CpuBuffer(dtype, array, offset + off, len, false);
    }

    float[] f() {
        return (float[]) array;
    }

    double[] d() {
        return (double[]) array;
    }

    int[] i() {
        return (int[]) array;
    }
}
