package dev.wick.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * JCuda objects whose raw native value can be read, for the FFM cuBLAS binding, which takes
 * addresses rather than JCuda objects. JCuda keeps the value in NativePointerObject's field behind
 * a protected getter and has no public accessor; a subclass may call that getter on itself, so
 * these are made in place of the plain JCuda classes (the driver fills them in the same way: JCuda
 * writes the field through its JNI field ID, whatever the subclass). No reflection is needed.
 */
final class RawHandles {
    private RawHandles() {
    }

    /** Device memory from cuMemAlloc; {@link #address()} is its base address. */
    static final class DevicePointer extends CUdeviceptr {
        long address() {
            return getNativePointer();
        }
    }

    /** A stream from cuStreamCreate; {@link #address()} is the CUstream handle itself. */
    static final class Stream extends CUstream {
        long address() {
            return getNativePointer();
        }
    }
}
