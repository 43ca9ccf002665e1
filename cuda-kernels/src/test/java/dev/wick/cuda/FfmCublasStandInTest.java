package dev.wick.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java 17 side of the FFM cuBLAS binding: the stand-in's reasons, which library it would open,
 * cuBLAS's version as a name, the workspace size. (The binding itself is tested on Java 22+, by
 * src/test/java22, against the packaged multi-release jar.)
 */
class FfmCublasStandInTest {

    @Test
    void theStandInSaysWhatItNeeds() {
        assertEquals("needs Java 22 or newer (this is Java 17)", FfmCublas.unavailableReason(17));
        assertTrue(FfmCublas.unavailableReason(25).contains("no Java 22 layer"), FfmCublas.unavailableReason(25));
        // on the Java these tests run on (17, from target/classes) the stand-in is what loads
        BlasUnavailable e = assertThrows(BlasUnavailable.class, () -> FfmCublas.open("libcublas.so.13", null));
        assertEquals(FfmCublas.unavailableReason(Runtime.version().feature()), e.getMessage());
    }

    @Test
    void cuda13sLibraryByDefaultOrTheOneNamed() {
        assertEquals("libcublas.so.13", CublasLibrary.defaultName("Linux"));
        assertEquals("cublas64_13.dll", CublasLibrary.defaultName("Windows 11"));
        String before = System.getProperty(CublasLibrary.PROPERTY);
        try {
            System.setProperty(CublasLibrary.PROPERTY, " /opt/cuda/lib64/libcublas.so.13 ");
            assertEquals("/opt/cuda/lib64/libcublas.so.13", CublasLibrary.name());
            System.setProperty(CublasLibrary.PROPERTY, "");
            assertEquals(CublasLibrary.defaultName(System.getProperty("os.name")), CublasLibrary.name());
        } finally {
            if (before == null) System.clearProperty(CublasLibrary.PROPERTY);
            else System.setProperty(CublasLibrary.PROPERTY, before);
        }
    }

    @Test
    void versionNamesAndWorkspaceSizes() {
        assertEquals("cuBLAS 13.0.2", CublasLibrary.versionName(130002));
        assertEquals("cuBLAS 12.6.1", CublasLibrary.versionName(120601));
        assertEquals(32L << 20, JCudaDevice.blasWorkspaceBytes(90));
        assertEquals(32L << 20, JCudaDevice.blasWorkspaceBytes(100));
        assertEquals(4L << 20, JCudaDevice.blasWorkspaceBytes(89));
    }
}
