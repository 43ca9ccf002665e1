package dev.wick.cuda;

import dev.wick.core.Device;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;
import dev.wick.core.backend.BackendProvider;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider is found, its probe answers in one line and never throws, and auto() falls back. */
class CudaProviderTest {

    @Test
    void theServiceLoaderFindsTheCudaProvider() {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) names.add(p.name());
        assertEquals(List.of("cuda"), names);
    }

    @Test
    void probeGivesOneClearLineAndIsDoneOnce() {
        CudaBackendProvider provider = new CudaBackendProvider();
        Availability a = provider.probe();
        System.out.println("CUDA probe: " + (a.available() ? "available: " : "not available: ") + a.reason());
        assertFalse(a.reason().isBlank());
        assertFalse(a.reason().contains("\n"), a.reason());
        assertTrue(a.reason().length() < 300, a.reason());
        assertSame(a, new CudaBackendProvider().probe());
        if (a.available()) assertTrue(a.reason().startsWith("cuda:0 "), a.reason());
    }

    @Test
    void withoutCudaAutoFallsBackToTheCpuAndCudaSaysWhy() {
        Availability a = Wick.cudaAvailability();
        if (a.available()) {
            System.out.println("CUDA is available here; the fallback path is not exercised");
            try (Engine e = Wick.auto()) {
                assertEquals(Device.Type.CUDA, e.device().type());
            }
            return;
        }
        // The choice is one INFO record on Wick's System.Logger, which the JDK routes to java.util.logging here.
        List<java.util.logging.LogRecord> log = new ArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(Wick.LOGGER_NAME);
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                log.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        try (Engine e = Wick.auto()) {
            assertEquals(Device.CPU, e.device());
        } finally {
            jul.removeHandler(capture);
        }
        assertEquals(1, log.size(), log.toString());
        assertEquals(java.util.logging.Level.INFO, log.get(0).getLevel());
        assertTrue(log.get(0).getMessage().contains(a.reason()), log.get(0).getMessage());
        IllegalStateException e = assertThrows(IllegalStateException.class, Wick::cuda);
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new CudaBackendProvider().open(0));
    }

    @Test
    void missingSystemLibrariesAreNamed() {
        String jcudaMessage = "Error while loading native library \"JCublas2-12.6.0-linux-x86_64\"\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: "
                + "cannot open shared object file: No such file or directory\n\tat java.base/...";
        assertEquals("UnsatisfiedLinkError: libcublas.so.12 cannot be opened",
                CudaProbe.oneLine(new UnsatisfiedLinkError(jcudaMessage)));
        assertEquals("IllegalStateException: first line", CudaProbe.oneLine(new IllegalStateException("first line\nsecond")));
    }

    @Test
    void nativesMissingFromTheJarSayWhereToPutThem() {
        String jcudaMessage = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.io.IOException: No resource found with name '/lib/libJCudaDriver-12.6.0-linux-x86_64.so'";
        String modulePath = CudaProbe.nativesNotFound(jcudaMessage, true);
        assertTrue(modulePath.contains("module path") && modulePath.contains("class path"), modulePath);
        String classPath = CudaProbe.nativesNotFound(jcudaMessage, false);
        assertTrue(classPath.contains("jcuda-natives") && !classPath.contains("module path"), classPath);
        assertNull(CudaProbe.nativesNotFound("libcuda.so.1: cannot open shared object file", true));
    }
}
