package dev.wick.lm.checkpoint;

import dev.wick.core.Engine;
import dev.wick.core.Shape;
import dev.wick.core.Tensor;

import java.util.Arrays;

/**
 * A float32 tensor in host memory: what a checkpoint file holds, before it is uploaded to an
 * engine or after it was downloaded from one. The arrays are owned by this object; callers that
 * keep them must not change them.
 */
public record HostTensor(int[] shape, float[] data) {

    public HostTensor {
        if (shape == null || data == null) throw new IllegalArgumentException("shape and data must not be null");
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " elements but the data has " + data.length);
        }
    }

    /** The values of a FLOAT32 tensor, copied to the host. */
    public static HostTensor of(Tensor t) {
        return new HostTensor(t.shape().dims(), t.toFloatArray());
    }

    /** A new FLOAT32 tensor on {@code engine} with these values (it belongs to the current scope). */
    public Tensor upload(Engine engine) {
        return engine.fromFloats(data, shape);
    }

    public Shape shapeObject() {
        return Shape.of(shape);
    }

    /** Copies these values into {@code target}, which must have the same shape; names it in errors. */
    public void copyInto(Tensor target, String name) {
        if (!target.shape().equals(shapeObject())) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " but the model expects " + target.shape());
        }
        try (Tensor t = upload(target.engine())) {
            target.copyFromInPlace(t);
        }
    }

    /** Bit-for-bit equality of shape and values (NaN payloads included). */
    public boolean bitEquals(HostTensor other) {
        if (!Arrays.equals(shape, other.shape) || data.length != other.data.length) return false;
        for (int i = 0; i < data.length; i++) {
            if (Float.floatToRawIntBits(data[i]) != Float.floatToRawIntBits(other.data[i])) return false;
        }
        return true;
    }
}
