package dev.wick.core;

/** Element types a tensor can hold. Floating types carry values; INT32 carries indices and targets. */
public enum DType {
    /** 32-bit IEEE 754 floats. */
    FLOAT32(4),
    /** 64-bit IEEE 754 floats. */
    FLOAT64(8),
    /** 32-bit signed integers: indices and targets. */
    INT32(4);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /**
     * Bytes one element occupies.
     *
     * @return 4 or 8
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Whether this type holds real values (FLOAT32, FLOAT64) rather than integers.
     *
     * @return true for FLOAT32 and FLOAT64
     */
    public boolean isFloating() {
        return this != INT32;
    }
}
