package dev.wick.bench;

import dev.wick.bench.wick.WickWorkloads;
import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The benchmarks' {@code backend} parameter: which library runs the work, where.
 * <ul>
 *   <li>{@code wick-cpu}: Wick's CPU backend with {@link #threads()} threads;</li>
 *   <li>{@code wick-cuda}: Wick's CUDA backend on device 0 (only where {@link Wick#cudaAvailability()}
 *       says yes; it is never in a benchmark's default list: pass {@code -p backend=wick-cuda});</li>
 *   <li>{@code pytorch-cpu}: libtorch 2.7.1 through DJL with {@link #threads()} intra-op threads
 *       (the peer build, -Ppeer, only); for the training step, the per-timestep loop;</li>
 *   <li>{@code pytorch-cpu-fused}: the same, but the training step uses libtorch's fused RNN op.</li>
 * </ul>
 * Run {@code java -cp benchmarks.jar dev.wick.bench.Backends} to see which are usable here.
 */
public final class Backends {
    /** Wick's logger (held: java.util.logging keeps its loggers weakly). */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger(Wick.LOGGER_NAME);
    public static final String WICK_CPU = "wick-cpu";
    public static final String WICK_CUDA = "wick-cuda";
    public static final String PYTORCH_CPU = "pytorch-cpu";
    public static final String PYTORCH_CPU_FUSED = "pytorch-cpu-fused";
    public static final List<String> ALL = List.of(WICK_CPU, WICK_CUDA, PYTORCH_CPU, PYTORCH_CPU_FUSED);

    private Backends() {
    }

    /**
     * Threads for both CPU libraries: the system property {@code wick.bench.threads}, else 2 (the
     * cores of the machine the reference figures come from; libtorch is pinned to the same number).
     */
    public static int threads() {
        int t = Integer.getInteger("wick.bench.threads", 2);
        if (t < 1) throw new IllegalArgumentException("wick.bench.threads must be >= 1, got " + t);
        return t;
    }

    /** Opens the named backend's workloads; IllegalStateException saying why where it cannot run here. */
    public static Workloads open(String backend) {
        return switch (backend) {
            case WICK_CPU -> new WickWorkloads(Wick.cpu(threads()));
            case WICK_CUDA -> {
                Availability a = Wick.cudaAvailability();
                if (!a.available()) {
                    throw new IllegalStateException("backend wick-cuda cannot run here: " + a.reason()
                            + " (leave it out of -p backend=...; see dev.wick.bench.Backends)");
                }
                yield new WickWorkloads(Wick.cuda());
            }
            case PYTORCH_CPU, PYTORCH_CPU_FUSED -> peer(backend).open(backend);
            default -> throw new IllegalArgumentException("unknown backend '" + backend + "' (expected one of " + ALL + ")");
        };
    }

    /** Whether the named backend can run here, and if not why (loads no native library of a peer). */
    public static Availability availability(String backend) {
        return switch (backend) {
            case WICK_CPU -> Availability.yes("Wick's CPU backend, " + threads() + " threads");
            case WICK_CUDA -> Wick.cudaAvailability();
            case PYTORCH_CPU, PYTORCH_CPU_FUSED -> findPeer(backend) != null
                    ? Availability.yes("PyTorch through DJL (peer build)")
                    : Availability.no(noPeerMessage(backend));
            default -> Availability.no("unknown backend '" + backend + "' (expected one of " + ALL + ")");
        };
    }

    private static PeerProvider peer(String backend) {
        PeerProvider p = findPeer(backend);
        if (p == null) throw new IllegalStateException(noPeerMessage(backend));
        return p;
    }

    private static PeerProvider findPeer(String backend) {
        for (PeerProvider p : ServiceLoader.load(PeerProvider.class)) {
            if (p.provides(backend)) return p;
        }
        return null;
    }

    private static String noPeerMessage(String backend) {
        return "backend " + backend + " needs PyTorch through DJL, which this jar was built without: build"
                + " `mvn -B -Ppeer -pl benchmarks -am package -DskipTests` and run"
                + " benchmarks/target/peer/benchmarks-peer.jar (or pass -p backend=wick-cpu)";
    }

    /**
     * Prints each backend and whether it can run here. With {@code --available}, prints only the
     * usable names of those given (all by default), comma-separated, for {@code -p backend=...};
     * exits 1 when none is usable.
     */
    public static void main(String[] args) {
        boolean list = args.length > 0 && args[0].equals("--available");
        List<String> names = new ArrayList<>();
        for (int i = list ? 1 : 0; i < args.length; i++) names.add(args[i]);
        if (names.isEmpty()) names.addAll(ALL);
        QUIET.setLevel(java.util.logging.Level.OFF); // this listing says itself what each backend is
        List<String> usable = new ArrayList<>();
        for (String name : names) {
            Availability a = availability(name);
            if (a.available()) usable.add(name);
            if (!list) System.out.printf("%-18s %-4s %s%n", name, a.available() ? "yes" : "no", a.reason());
        }
        if (list) System.out.println(String.join(",", usable));
        if (usable.isEmpty()) System.exit(1);
    }
}
