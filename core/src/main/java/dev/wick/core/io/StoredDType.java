package dev.wick.core.io;

import dev.wick.core.DType;

/**
 * The element types Wick reads from and writes to safetensors files, by their names in the format.
 * Each maps to the Wick dtype that holds it without loss: F16 and BF16 widen exactly to FLOAT32,
 * I64 narrows to INT32 only where every value fits (checked).
 */
public enum StoredDType {
    /** IEEE 754 half precision (binary16), loaded as FLOAT32. */
    F16(2, DType.FLOAT32),
    /** bfloat16, float32's upper 16 bits, loaded as FLOAT32. */
    BF16(2, DType.FLOAT32),
    /** IEEE 754 single precision, loaded as FLOAT32. */
    F32(4, DType.FLOAT32),
    /** IEEE 754 double precision, loaded as FLOAT64. */
    F64(8, DType.FLOAT64),
    /** 32-bit signed integers, loaded as INT32. */
    I32(4, DType.INT32),
    /** 64-bit signed integers, loaded as INT32 where every value fits. */
    I64(8, DType.INT32);

    private final int byteSize;
    private final DType wickType;

    StoredDType(int byteSize, DType wickType) {
        this.byteSize = byteSize;
        this.wickType = wickType;
    }

    /**
     * Bytes one element occupies in the file.
     *
     * @return 2, 4 or 8
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The Wick dtype a tensor of this type is loaded as.
     *
     * @return FLOAT32, FLOAT64 or INT32
     */
    public DType wickType() {
        return wickType;
    }

    /**
     * Whether this type holds floating-point values (F16, BF16, F32, F64).
     *
     * @return true for the floating types, false for I32 and I64
     */
    public boolean isFloating() {
        return wickType.isFloating();
    }

    /**
     * The stored type a Wick dtype is written as by default (its own width).
     *
     * @param dtype a Wick dtype
     * @return F32, F64 or I32
     */
    public static StoredDType of(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> F32;
            case FLOAT64 -> F64;
            case INT32 -> I32;
        };
    }
}
