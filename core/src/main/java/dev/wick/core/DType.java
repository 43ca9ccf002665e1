package dev.wick.core;

/** Element types a tensor can hold. Floating types carry values; INT32 carries indices and targets. */
public enum DType {
    FLOAT32(4),
    FLOAT64(8),
    INT32(4);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes one element occupies. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloating() {
        return this != INT32;
    }
}
