package dev.wick.cuda;

import dev.wick.core.backend.Availability;

/**
 * Whether CUDA can be used in this JVM, found out once: loading JCuda's native library (which
 * needs the driver's libcuda.so.1), cuInit, the driver's CUDA version (12.0 or newer), the device
 * count and device 0's compute capability (7.5 or newer). Never throws.
 */
final class CudaProbe {
    private static volatile Availability result; // the one piece of static state: the driver does not change

    private CudaProbe() {
    }

    static Availability probe() {
        Availability r = result;
        if (r == null) {
            synchronized (CudaProbe.class) {
                if (result == null) result = run();
                r = result;
            }
        }
        return r;
    }

    private static Availability run() {
        try {
            return JCudaDevice.probeDriver();
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError v) throw v;
            return Availability.no(reason(t));
        }
    }

    private static String reason(Throwable t) {
        String notFound = t instanceof UnsatisfiedLinkError
                ? nativesNotFound(String.valueOf(t.getMessage()), CudaProbe.class.getModule().isNamed()) : null;
        if (notFound != null) return notFound;
        if (t instanceof UnsatisfiedLinkError || t instanceof NoClassDefFoundError) {
            return "JCuda's native library could not be loaded (is the NVIDIA driver installed?): " + oneLine(t);
        }
        if (t instanceof CudaException e) return "CUDA driver check failed: " + e.getMessage();
        return "CUDA driver check failed: " + oneLine(t);
    }

    /**
     * The reason to give when JCuda found its native library neither on java.library.path nor in
     * its natives jar, or null when {@code message} says something else. JCuda reads that jar
     * through its own class: as a named (automatic) module on the module path it looks only inside
     * jcuda's own jar, so there the fix is the class path for the CUDA side.
     */
    static String nativesNotFound(String message, boolean onModulePath) {
        if (!message.contains("No resource found with name")) return null;
        return "JCuda's native library was not found: " + (onModulePath
                ? "on the module path JCuda looks for it only in its own jar; put wick-cuda-kernels and"
                        + " the JCuda jars (natives included) on the class path"
                : "is the jcuda-natives jar for this operating system and CPU on the class path?");
    }

    /**
     * The throwable's class and the first line of its message, at most 200 characters. JCuda's
     * failures to load a native library carry two stack traces in the message; the useful part is
     * the system library that could not be opened, so that is what is kept.
     */
    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? "" : t.getMessage().strip();
        String missing = missingLibrary(m);
        String line = t.getClass().getSimpleName() + (missing != null ? ": " + missing + " cannot be opened"
                : m.isEmpty() ? "" : ": " + m.lines().findFirst().orElse(""));
        return line.length() > 200 ? line.substring(0, 197) + "..." : line;
    }

    /** "libcuda.so.1" from "...: /tmp/libJCudaDriver-...so: libcuda.so.1: cannot open shared object file: ...". */
    static String missingLibrary(String message) {
        String marker = ": cannot open shared object file";
        int at = message.indexOf(marker);
        if (at < 0) return null;
        int start = message.lastIndexOf(": ", at - 1);
        return start < 0 ? null : message.substring(start + 2, at).strip();
    }
}
