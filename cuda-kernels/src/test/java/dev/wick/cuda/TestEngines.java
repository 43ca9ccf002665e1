package dev.wick.cuda;

import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;

import java.util.List;
import java.util.function.Supplier;

/**
 * The engines a test body runs on, one body for all (candle's test_device!): the CPU; the CUDA
 * backend on the host kernel emulator, which runs the real .cu sources (needs g++); and real CUDA
 * device 0 where there is one. Shared with other modules' tests through this module's test jar:
 * <pre>{@code
 * @ParameterizedTest
 * @MethodSource("dev.wick.cuda.TestEngines#all")
 * void something(TestEngines.Kind kind) {
 *     try (Engine e = kind.open()) { ... }
 * }
 * }</pre>
 * {@link Kind#open} skips the test (a JUnit assumption, with the reason printed) where that engine
 * cannot exist here, so a skip always says why.
 */
public final class TestEngines {
    private TestEngines() {
    }

    /** One engine kind: its name in test reports, how to open it, and why it cannot be (or null). */
    public static final class Kind {
        private final String name;
        private final Supplier<Engine> opener;
        private final Supplier<String> unavailable;

        Kind(String name, Supplier<Engine> opener, Supplier<String> unavailable) {
            this.name = name;
            this.opener = opener;
            this.unavailable = unavailable;
        }

        public String name() {
            return name;
        }

        /** Whether this is a CUDA backend (emulated or real). */
        public boolean isCuda() {
            return !name.equals("cpu");
        }

        /** Whether this is the host kernel emulator (slow: tests of composition, not kernels, skip it). */
        public boolean isEmulated() {
            return name.equals("emulated cuda");
        }

        /** Why this engine cannot run here, or null when it can. */
        public String unavailableReason() {
            return unavailable.get();
        }

        /** A new engine of this kind; skips the calling test, printing why, where it cannot be had. */
        public Engine open() {
            String why = unavailableReason();
            if (why != null) System.out.println("skipped on " + name + ": " + why);
            org.junit.jupiter.api.Assumptions.assumeTrue(why == null, () -> name + ": " + why);
            return opener.get();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The CPU, the emulated CUDA device and real CUDA device 0. */
    public static List<Kind> all() {
        return List.of(cpu(), emulatedCuda(), cuda());
    }

    public static Kind cpu() {
        return new Kind("cpu", () -> Wick.cpu(2), () -> null);
    }

    /** The CUDA backend's code on the host kernel emulator: slow, so keep the sizes small. */
    public static Kind emulatedCuda() {
        return new Kind("emulated cuda", () -> new Engine(new CudaBackend(new EmulatedDevice(true), 0)),
                KernelEmulator::unavailableReason);
    }

    /**
     * The emulated CUDA backend on a device whose every graph capture fails (the driver's
     * CUDA_ERROR_NOT_SUPPORTED at instantiation): for the fallbacks of code that captures graphs.
     */
    public static Kind emulatedCudaRefusingGraphs() {
        return new Kind("emulated cuda", () -> {
            EmulatedDevice device = new EmulatedDevice(true);
            device.refuseCaptures = "CUDA_ERROR_NOT_SUPPORTED";
            return new Engine(new CudaBackend(device, 0));
        }, KernelEmulator::unavailableReason);
    }

    public static Kind cuda() {
        return new Kind("cuda:0", Wick::cuda, () -> {
            Availability a = Wick.cudaAvailability();
            return a.available() ? null : "no CUDA device: " + a.reason();
        });
    }
}
