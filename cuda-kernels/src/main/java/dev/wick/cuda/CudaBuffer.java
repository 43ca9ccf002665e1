package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;

/**
 * Device memory of one CUDA backend: an allocator block plus an element offset and length. A
 * {@link #slice} is a view (the same block, a larger offset); only the owning buffer is released.
 * Zero-length owning buffers have no block at all.
 */
final class CudaBuffer implements Buffer {
    private final CudaBackend owner;
    private final DType dtype;
    private final DeviceAllocator.Block block;
    private final long offset;
    private final int length;
    private final boolean owning;

    CudaBuffer(CudaBackend owner, DType dtype, DeviceAllocator.Block block, long offset, int length, boolean owning) {
        this.owner = owner;
        this.dtype = dtype;
        this.block = block;
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
        if (off < 0 || len < 0 || (long) off + len > length) {
            throw new IndexOutOfBoundsException("slice [" + off + ", " + ((long) off + len) + ") of a buffer of " + length);
        }
        return new CudaBuffer(owner, dtype, block, offset + off, len, false);
    }

    CudaBackend owner() {
        return owner;
    }

    boolean owning() {
        return owning;
    }

    DeviceAllocator.Block block() {
        return block;
    }

    /** The device memory holding element 0 of this buffer; fails once the memory was released. */
    DeviceMemory memory() {
        if (block == null) throw new IllegalStateException("a zero-length buffer has no device memory");
        if (!block.live()) throw new IllegalStateException("buffer used after it was released");
        return block.memory;
    }

    /** Byte offset of element {@code i} of this buffer within {@link #memory()}. */
    long byteOffset(long i) {
        return (offset + i) * dtype.byteSize();
    }

    KernelArgs.Address address() {
        return new KernelArgs.Address(memory(), byteOffset(0));
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + dtype + " x " + length + (owning ? "" : " view at " + offset) + "]";
    }
}
