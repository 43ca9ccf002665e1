package dev.wick.cuda;

/**
 * Which cuBLAS shared library the FFM binding opens: {@code -Dwick.cublas.library} when set (a file
 * name looked up on the library path, or a path to the file), else CUDA 13's cuBLAS under its
 * usual name for the operating system.
 */
final class CublasLibrary {
    /** The system property naming the library. */
    static final String PROPERTY = "wick.cublas.library";

    private CublasLibrary() {
    }

    /** The library to open in this JVM. */
    static String name() {
        String configured = System.getProperty(PROPERTY, "").strip();
        return configured.isEmpty() ? defaultName(System.getProperty("os.name", "")) : configured;
    }

    /** CUDA 13's cuBLAS: cublas64_13.dll on Windows, libcublas.so.13 elsewhere (Linux). */
    static String defaultName(String osName) {
        return osName.startsWith("Windows") ? "cublas64_13.dll" : "libcublas.so.13";
    }

    /** "cuBLAS 13.0.2" from cublasGetVersion's 130002 (major * 10000 + minor * 100 + patch). */
    static String versionName(int version) {
        return "cuBLAS " + version / 10000 + "." + version % 10000 / 100 + "." + version % 100;
    }
}
