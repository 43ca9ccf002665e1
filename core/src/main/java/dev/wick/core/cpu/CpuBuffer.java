package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;

/**
 * A run of a Java array: float[] for FLOAT32, double[] for FLOAT64, int[] for INT32. The array may
 * be longer than {@link #length} (the allocator serves a request from a size class), so kernels
 * use {@code offset} and {@code length}, never {@code array.length}.
 */
final class CpuBuffer implements Buffer {
    final CpuAllocator origin;
    final DType dtype;
    final Object array;
    final int offset;
    final int length;
    final boolean owning;
    /** The owning buffer this one was sliced from (itself when owning): views die with it. */
    private final CpuBuffer root;
    /**
     * Set, under the allocator's lock, when an owning buffer goes back to the cache. Volatile
     * because kernels read it, through {@link #live}, without that lock.
     */
    volatile boolean released;

    /** An owning buffer. */
    CpuBuffer(CpuAllocator origin, DType dtype, Object array, int length) {
        this.origin = origin;
        this.dtype = dtype;
        this.array = array;
        this.offset = 0;
        this.length = length;
        this.owning = true;
        this.root = this;
    }

    private CpuBuffer(CpuBuffer root, int offset, int length) {
        this.origin = root.origin;
        this.dtype = root.dtype;
        this.array = root.array;
        this.offset = offset;
        this.length = length;
        this.owning = false;
        this.root = root;
    }

    /**
     * This buffer, or IllegalStateException once its array went back to the allocator: the array
     * may already serve another tensor, so a kernel on it would silently corrupt that one.
     */
    CpuBuffer live() {
        if (root.released) throw new IllegalStateException("buffer " + this + " used after it was released");
        return this;
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
        if (off < 0 || len < 0 || off > length - len) {
            throw new IndexOutOfBoundsException("slice [" + off + ", " + ((long) off + len) + ") of a buffer of " + length);
        }
        return new CpuBuffer(root, offset + off, len);
    }

    float[] f() {
        if (array instanceof float[] a) return a;
        throw wrongDType(DType.FLOAT32);
    }

    double[] d() {
        if (array instanceof double[] a) return a;
        throw wrongDType(DType.FLOAT64);
    }

    int[] i() {
        if (array instanceof int[] a) return a;
        throw wrongDType(DType.INT32);
    }

    private IllegalArgumentException wrongDType(DType expected) {
        return new IllegalArgumentException("expected a " + expected + " buffer, got " + this);
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + dtype + " x " + length + (offset != 0 ? " at " + offset : "") + (owning ? "" : ", view") + "]";
    }
}
