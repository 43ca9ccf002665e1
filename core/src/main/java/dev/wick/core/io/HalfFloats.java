package dev.wick.core.io;

/**
 * IEEE binary16 and bfloat16 to and from float, bit by bit (Java 17 has neither in its library).
 * Narrowing rounds to nearest, ties to even, as PyTorch's conversions do; NaN stays NaN.
 */
final class HalfFloats {
    private HalfFloats() {
    }

    /** bfloat16 is float32's upper half: widening is exact. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) return (short) ((bits >>> 16) | 0x0040); // keep it a NaN after truncation
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    static float f16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) return Float.intBitsToFloat(sign);
            // Subnormal: mantissa x 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        float abs = Math.abs(value);
        if (Float.isNaN(value)) return (short) (sign | 0x7e00);
        if (abs >= 65520f) return (short) (sign | 0x7c00); // rounds to infinity (65504 is the largest half)
        if (abs < 0x1p-14f) {
            // Subnormal half (or zero): a multiple of 2^-24; Math.rint rounds ties to even.
            return (short) (sign | (int) Math.rint(abs * 0x1p24f));
        }
        int b = Float.floatToRawIntBits(abs);
        int exponent = (b >>> 23) - 112;
        int mantissa = b & 0x7fffff;
        int half = (exponent << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) half++; // a carry may step into the exponent: still right
        return (short) (sign | half);
    }
}
