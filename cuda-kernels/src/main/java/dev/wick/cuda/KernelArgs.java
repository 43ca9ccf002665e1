package dev.wick.cuda;

import dev.wick.core.DType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The parameter list of one kernel launch, in order, with each value's exact kind. A launch is
 * refused unless the kinds match the kernel's PTX signature (see {@link PtxModules#checkArguments}):
 * an int where the kernel reads a float, or a double where it reads a float, would otherwise be
 * silent garbage on the device.
 */
final class KernelArgs {

    enum Kind {
        /** A device address (8 bytes). */
        POINTER,
        /** A 32-bit int. */
        I32,
        /** A 64-bit integer (long long). */
        I64,
        F32,
        F64
    }

    /** A device address: an allocation and a byte offset into it. */
    record Address(DeviceMemory memory, long byteOffset) {
    }

    private final List<Kind> kinds = new ArrayList<>();
    private final List<Object> values = new ArrayList<>();

    private KernelArgs add(Kind kind, Object value) {
        kinds.add(kind);
        values.add(value);
        return this;
    }

    KernelArgs ptr(CudaBuffer buffer) {
        return add(Kind.POINTER, buffer.address());
    }

    KernelArgs ptr(DeviceMemory memory, long byteOffset) {
        return add(Kind.POINTER, new Address(memory, byteOffset));
    }

    KernelArgs i32(int value) {
        return add(Kind.I32, value);
    }

    KernelArgs i64(long value) {
        return add(Kind.I64, value);
    }

    KernelArgs f32(float value) {
        return add(Kind.F32, value);
    }

    KernelArgs f64(double value) {
        return add(Kind.F64, value);
    }

    /** A scalar of the kernel's element type: float for FLOAT32 kernels, double for FLOAT64 ones. */
    KernelArgs real(DType dtype, double value) {
        return switch (dtype) {
            case FLOAT32 -> f32((float) value);
            case FLOAT64 -> f64(value);
            case INT32 -> throw new IllegalArgumentException("INT32 is not a floating kernel type");
        };
    }

    int size() {
        return kinds.size();
    }

    Kind kind(int i) {
        return kinds.get(i);
    }

    Object value(int i) {
        return values.get(i);
    }

    List<Kind> kinds() {
        return Collections.unmodifiableList(kinds);
    }
}
