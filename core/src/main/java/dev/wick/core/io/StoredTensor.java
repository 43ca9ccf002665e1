package dev.wick.core.io;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as a safetensors file holds it: a stored element type, a shape and the little-endian
 * bytes, on the host. {@link #toTensor} puts it on an engine; {@link #of} takes one from there,
 * optionally narrowing (F32 to BF16, say).
 */
public final class StoredTensor {
    private final StoredDType dtype;
    private final int[] shape;
    private final byte[] data;

    /**
     * {@code data} must hold exactly numel(shape) elements of {@code dtype}; it is not copied.
     *
     * @param dtype the stored element type; not null
     * @param shape the dimensions, none negative (copied); empty for a scalar
     * @param data the little-endian element bytes, row-major; not null
     * @throws IllegalArgumentException if an argument is null, a dimension is negative, or data's length is
     *     not numel(shape) times the type's byte size
     */
    public StoredTensor(StoredDType dtype, int[] shape, byte[] data) {
        if (dtype == null || shape == null || data == null) throw new IllegalArgumentException("null dtype, shape or data");
        long numel = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            numel *= d;
        }
        if (numel * dtype.byteSize() != data.length) {
            throw new IllegalArgumentException(dtype + " " + Arrays.toString(shape) + " needs " + numel * dtype.byteSize()
                    + " bytes, got " + data.length);
        }
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
    }

    /**
     * The tensor's values stored as its own dtype (F32, F64 or I32).
     *
     * @param t the tensor read (copied to the host; it stays open)
     * @return the stored copy
     */
    public static StoredTensor of(Tensor t) {
        return of(t, StoredDType.of(t.dtype()));
    }

    /**
     * The tensor's values stored as {@code as}: a floating tensor as F16, BF16, F32 or F64 (rounded
     * to nearest, ties to even, where narrower), an INT32 tensor as I32 or I64. Mixing kinds is an
     * IllegalArgumentException.
     *
     * @param t the tensor read (copied to the host; it stays open)
     * @param as the stored type: a floating one for a floating tensor, I32 or I64 for INT32
     * @return the stored copy
     * @throws IllegalArgumentException if t's dtype and {@code as} are not both floating or both integer
     */
    public static StoredTensor of(Tensor t, StoredDType as) {
        if (t.dtype().isFloating() != as.isFloating()) {
            throw new IllegalArgumentException("cannot store a " + t.dtype() + " tensor as " + as);
        }
        int n = t.numel();
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(n, as.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        switch (as) {
            case F64 -> { for (double v : t.toDoubleArray()) out.putDouble(v); }
            case F32 -> { for (float v : t.toFloatArray()) out.putFloat(v); }
            case BF16 -> { for (float v : t.toFloatArray()) out.putShort(HalfFloats.floatToBf16(v)); }
            case F16 -> { for (float v : t.toFloatArray()) out.putShort(HalfFloats.floatToF16(v)); }
            case I32 -> { for (int v : t.toIntArray()) out.putInt(v); }
            case I64 -> { for (int v : t.toIntArray()) out.putLong(v); }
        }
        return new StoredTensor(as, t.shape().dims(), out.array());
    }

    /**
     * The stored element type.
     *
     * @return the type
     */
    public StoredDType dtype() {
        return dtype;
    }

    /**
     * The dimensions.
     *
     * @return a copy of the dimensions
     */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * The number of elements.
     *
     * @return the product of the dimensions
     */
    public int numel() {
        return data.length / dtype.byteSize();
    }

    /** The raw little-endian bytes (not a copy: do not modify). */
    byte[] bytes() {
        return data;
    }

    /**
     * A new tensor on {@code engine} holding these values as {@code target}: floating to any
     * floating dtype (widening exact, FLOAT64 to FLOAT32 rounded), integers to INT32 where every
     * value fits. Anything else is an IllegalArgumentException naming both types; {@code name}
     * names the tensor in it.
     *
     * @param engine where the tensor is made
     * @param target the tensor's dtype
     * @param name the tensor's name, for messages
     * @return a new tensor of this shape, owned by the caller (or the open scope)
     * @throws IllegalArgumentException if the types are not both floating or both integer, or an I64 value
     *     lies outside INT32's range
     */
    public Tensor toTensor(Engine engine, DType target, String name) {
        if (dtype.isFloating() != target.isFloating()) {
            throw new IllegalArgumentException("tensor '" + name + "' is stored as " + dtype + " and cannot be loaded as "
                    + target);
        }
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int n = numel();
        int[] dims = shape;
        if (!target.isFloating()) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                long x = dtype == StoredDType.I64 ? in.getLong() : in.getInt();
                if (x != (int) x) {
                    throw new IllegalArgumentException("tensor '" + name + "' holds " + x + " at element " + i
                            + ", outside INT32's range");
                }
                v[i] = (int) x;
            }
            return engine.fromInts(v, dims);
        }
        if (dtype == StoredDType.F64) {
            double[] v = new double[n];
            in.asDoubleBuffer().get(v);
            return engine.fromDoubles(target, v, dims);
        }
        float[] v = toFloatArray();
        if (target == DType.FLOAT32) return engine.fromFloats(v, dims);
        double[] wide = new double[n];
        for (int i = 0; i < n; i++) wide[i] = v[i];
        return engine.fromDoubles(wide, dims);
    }

    /**
     * The values as float32 on the host, without an engine (to inspect or check a file's tensors
     * before they go anywhere): F32 bit for bit, F16 and BF16 widened exactly, F64 rounded to
     * nearest. An integer type is an IllegalArgumentException.
     *
     * @return a new array of {@link #numel()} values in row-major order
     */
    public float[] toFloatArray() {
        if (!dtype.isFloating()) throw new IllegalArgumentException("a tensor stored as " + dtype + " holds no floats");
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int n = numel();
        float[] v = new float[n];
        switch (dtype) {
            case F32 -> in.asFloatBuffer().get(v);
            case F64 -> { for (int i = 0; i < n; i++) v[i] = (float) in.getDouble(); }
            case BF16 -> { for (int i = 0; i < n; i++) v[i] = HalfFloats.bf16ToFloat(in.getShort()); }
            case F16 -> { for (int i = 0; i < n; i++) v[i] = HalfFloats.f16ToFloat(in.getShort()); }
            default -> throw new AssertionError(dtype);
        }
        return v;
    }

    /**
     * As {@link #toTensor(Engine, DType, String)} with the type {@link StoredDType#wickType()}.
     *
     * @param engine where the tensor is made
     * @param name the tensor's name, for messages
     * @return a new tensor of this shape, owned by the caller (or the open scope)
     * @throws IllegalArgumentException if an I64 value lies outside INT32's range
     */
    public Tensor toTensor(Engine engine, String name) {
        return toTensor(engine, dtype.wickType(), name);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
