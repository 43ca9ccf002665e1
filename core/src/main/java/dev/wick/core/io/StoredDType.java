package dev.wick.core.io;

import dev.wick.core.DType;

/**
 * The element types Wick reads from and writes to safetensors files, by their names in the format.
 * Each maps to the Wick dtype that holds it without loss: F16 and BF16 widen exactly to FLOAT32,
 * I64 narrows to INT32 only where every value fits (checked).
 */
public enum StoredDType {
    F16(2, DType.FLOAT32),
    BF16(2, DType.FLOAT32),
    F32(4, DType.FLOAT32),
    F64(8, DType.FLOAT64),
    I32(4, DType.INT32),
    I64(8, DType.INT32);

    private final int byteSize;
    private final DType wickType;

    StoredDType(int byteSize, DType wickType) {
        this.byteSize = byteSize;
        this.wickType = wickType;
    }

    /** Bytes one element occupies in the file. */
    public int byteSize() {
        return byteSize;
    }

    /** The Wick dtype a tensor of this type is loaded as. */
    public DType wickType() {
        return wickType;
    }

    public boolean isFloating() {
        return wickType.isFloating();
    }

    /** The stored type a Wick dtype is written as by default (its own width). */
    public static StoredDType of(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> F32;
            case FLOAT64 -> F64;
            case INT32 -> I32;
        };
    }
}
