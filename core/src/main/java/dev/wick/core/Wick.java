package dev.wick.core;

import dev.wick.core.backend.Availability;
import dev.wick.core.backend.BackendProvider;
import dev.wick.core.cpu.CpuBackend;

import java.util.ServiceLoader;

/**
 * The entry point: opens engines. {@code Wick.cpu()} always works; {@code Wick.cuda()} needs the
 * wick-cuda-kernels module on the class path, a driver and a device; {@code Wick.auto()} picks CUDA
 * when it can and otherwise the CPU, and says why in one line.
 *
 * <p>Wick prints nothing itself: it logs through {@link System.Logger}, under the logger name
 * {@value #LOGGER_NAME} (the CUDA backend under {@value #LOGGER_NAME}.cuda). The engine choice of
 * {@link #auto()} is an INFO record, a backend that fails to load a WARNING. With no logging set
 * up, the JDK's default (java.util.logging) prints INFO records to standard error; SLF4J or Log4j
 * users route them with their System.Logger bridge.
 *
 * <p>The methods here are thread-safe; each engine they open is used from one thread at a time
 * (see {@link Engine}).
 */
public final class Wick {
    /** The name of the logger Wick's records go to. */
    public static final String LOGGER_NAME = "dev.wick";
    private static final System.Logger LOG = System.getLogger(LOGGER_NAME);

    private Wick() {
    }

    /**
     * A CPU engine using all available processors.
     *
     * @return a new engine; close it when done
     */
    public static Engine cpu() {
        return new Engine(new CpuBackend());
    }

    /**
     * A CPU engine using {@code threads} threads (1 gives a fully sequential engine).
     *
     * @param threads the worker threads, at least 1
     * @return a new engine; close it when done
     * @throws IllegalArgumentException if threads is less than 1
     */
    public static Engine cpu(int threads) {
        return new Engine(new CpuBackend(threads));
    }

    /**
     * CUDA device 0; IllegalStateException naming the cause where that is impossible.
     *
     * @return a new engine; close it when done
     * @throws IllegalStateException if the CUDA backend is not on the class path or CUDA is not available
     */
    public static Engine cuda() {
        return cuda(0);
    }

    /**
     * A CUDA engine on device {@code deviceIndex}.
     *
     * @param deviceIndex the CUDA device's ordinal, from 0
     * @return a new engine; close it when done
     * @throws IllegalStateException if the CUDA backend is not on the class path or CUDA is not available
     */
    public static Engine cuda(int deviceIndex) {
        BackendProvider p = provider("cuda");
        if (p == null) {
            throw new IllegalStateException("CUDA backend not on the class path (add dev.wick:wick-cuda-kernels)");
        }
        Availability a = p.probe();
        if (!a.available()) {
            throw new IllegalStateException("CUDA is not available: " + a.reason());
        }
        return new Engine(p.open(deviceIndex));
    }

    /**
     * Whether CUDA can be used here, with the reason.
     *
     * @return whether {@link #cuda()} would succeed, and why or why not
     */
    public static Availability cudaAvailability() {
        BackendProvider p = provider("cuda");
        if (p == null) {
            return Availability.no("CUDA backend not on the class path (wick-cuda-kernels)");
        }
        return p.probe();
    }

    /**
     * CUDA when available, else the CPU; logs the choice and the reason.
     *
     * @return a new engine; close it when done
     */
    public static Engine auto() {
        Availability a = cudaAvailability();
        if (a.available()) {
            Engine e = cuda(0);
            LOG.log(System.Logger.Level.INFO, "using " + e.description() + " (" + a.reason() + ")");
            return e;
        }
        Engine e = cpu();
        LOG.log(System.Logger.Level.INFO, "using " + e.description() + " because " + a.reason());
        return e;
    }

    /**
     * "auto", "cpu" or "cuda" (also "cuda:N").
     *
     * @param device the device's name, case and surrounding blanks ignored
     * @return a new engine; close it when done
     * @throws IllegalArgumentException if the name is none of these (or N is not a number)
     * @throws IllegalStateException if CUDA is asked for and not available
     */
    public static Engine open(String device) {
        String d = device.trim().toLowerCase(java.util.Locale.ROOT);
        if (d.equals("auto")) return auto();
        if (d.equals("cpu")) return cpu();
        if (d.equals("cuda")) return cuda(0);
        if (d.startsWith("cuda:")) return cuda(Integer.parseInt(d.substring(5)));
        throw new IllegalArgumentException("unknown device '" + device + "' (expected auto, cpu, cuda or cuda:N)");
    }

    private static BackendProvider provider(String name) {
        try {
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                if (p.name().equals(name)) return p;
            }
        } catch (Throwable t) {
            // A provider whose class fails to load must not break a CPU-only program.
            LOG.log(System.Logger.Level.WARNING, "backend provider '" + name + "' failed to load: " + t);
        }
        return null;
    }
}
