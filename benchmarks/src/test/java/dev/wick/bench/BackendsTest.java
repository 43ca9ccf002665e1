package dev.wick.bench;

import dev.wick.core.Wick;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class BackendsTest {
    @Test
    void unknownBackendIsRejectedWithTheKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("wick-tpu"));
        assertTrue(e.getMessage().contains("wick-tpu") && e.getMessage().contains("wick-cpu"), e.getMessage());
    }

    @Test
    void pytorchWithoutThePeerBuildSaysHowToGetIt() {
        assumeFalse(Backends.availability(Backends.PYTORCH_CPU).available(), "this is the peer build: PyTorch is present");
        for (String name : new String[]{Backends.PYTORCH_CPU, Backends.PYTORCH_CPU_FUSED}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.open(name));
            assertTrue(e.getMessage().contains("-Ppeer") && e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void cudaWithoutAGpuSaysWhy() {
        assumeFalse(Wick.cudaAvailability().available(), "CUDA is available here");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.open(Backends.WICK_CUDA));
        assertTrue(e.getMessage().contains(Wick.cudaAvailability().reason()), e.getMessage());
    }

    @Test
    void threadsComeFromTheProperty() {
        String old = System.getProperty("wick.bench.threads");
        try {
            System.setProperty("wick.bench.threads", "3");
            assertEquals(3, Backends.threads());
            System.setProperty("wick.bench.threads", "0");
            assertThrows(IllegalArgumentException.class, Backends::threads);
        } finally {
            if (old == null) System.clearProperty("wick.bench.threads");
            else System.setProperty("wick.bench.threads", old);
        }
    }
}
