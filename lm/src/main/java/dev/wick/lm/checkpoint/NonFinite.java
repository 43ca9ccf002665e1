package dev.wick.lm.checkpoint;

import dev.wick.core.io.StoredTensor;

import java.util.Map;

/** Finds NaN and infinite values in tensors on the host, as a checkpoint is written or read. */
public final class NonFinite {
    private static final int EXPONENT_BITS = 0x7f80_0000;

    private NonFinite() {
    }

    /**
     * The index of the first NaN or infinity in {@code values}, or -1. One pass over the bits (an
     * all-ones exponent is exactly what NaN and the infinities share), so it costs less than the
     * digest every checkpoint file gets anyway.
     */
    public static int firstIndex(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if ((Float.floatToRawIntBits(values[i]) & EXPONENT_BITS) == EXPONENT_BITS) return i;
        }
        return -1;
    }

    /** "tensor 'NAME' holds NaN at index I" when {@code t} holds a NaN or an infinity, else null. */
    public static String describe(String name, StoredTensor t) {
        float[] values = t.toFloatArray();
        int at = firstIndex(values);
        return at < 0 ? null : "tensor '" + name + "' holds " + values[at] + " at index " + at;
    }

    /** {@link #describe} for the first tensor of {@code tensors} that holds a NaN or an infinity, or null. */
    public static String describeFirst(Map<String, StoredTensor> tensors) {
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String found = describe(e.getKey(), e.getValue());
            if (found != null) return found;
        }
        return null;
    }
}
