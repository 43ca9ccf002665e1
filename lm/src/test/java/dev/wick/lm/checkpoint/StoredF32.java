package dev.wick.lm.checkpoint;

import dev.wick.core.io.StoredDType;
import dev.wick.core.io.StoredTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** For tests that forge or compare a checkpoint's tensors on the host (F32, as checkpoints hold them). */
public final class StoredF32 {
    private StoredF32() {
    }

    public static StoredTensor of(int[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return new StoredTensor(StoredDType.F32, shape, b.array());
    }

    /** {@code t} with the value at {@code index} (row-major) replaced. */
    public static StoredTensor withValue(StoredTensor t, int index, float value) {
        float[] values = t.toFloatArray();
        values[index] = value;
        return of(t.shape(), values);
    }

    /** Same stored type, shape and bits (NaN payloads included). */
    public static boolean bitEqual(StoredTensor a, StoredTensor b) {
        if (a.dtype() != b.dtype() || !Arrays.equals(a.shape(), b.shape())) return false;
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) return false;
        }
        return true;
    }
}
