package dev.wick.cuda;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host emulator of Wick's kernels (src/test/emulator): builds it with g++ (once; the binary is
 * kept under target/ and rebuilt when a source changes) and runs launches through it. One process
 * per JVM, used by one thread at a time.
 */
final class KernelEmulator implements AutoCloseable {
    /**
     * The cuda-kernels module: the working directory when its own tests run, its sibling when
     * another module's tests (autograd's, on every engine) use the emulated device.
     */
    static final Path MODULE = moduleDirectory();
    static final Path CUDA_SOURCES = MODULE.resolve("src/main/cuda");
    static final Path EMULATOR_SOURCES = MODULE.resolve("src/test/emulator");
    static final Path BUILD = MODULE.resolve("target/emulator");
    /** Out-of-bounds accesses and integer overflow in a kernel abort the emulator with a report. */
    private static final List<String> SANITIZERS = List.of("-fsanitize=address,undefined",
            "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer");

    private static KernelEmulator shared;

    private static Path moduleDirectory() {
        Path here = Paths.get("").toAbsolutePath();
        if (Files.isDirectory(here.resolve("src/main/cuda"))) return here;
        Path sibling = here.resolveSibling("cuda-kernels");
        return Files.isDirectory(sibling.resolve("src/main/cuda")) ? sibling : here;
    }

    private final Process process;
    private final OutputStream in;
    private final DataInputStream out;
    private final Path stderr;

    private KernelEmulator(Path binary) throws IOException {
        stderr = BUILD.resolve("kernel-runner.stderr");
        process = new ProcessBuilder(binary.toString()).redirectError(stderr.toFile()).start();
        in = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        out = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
    }

    private static String unavailable;

    /**
     * Why the emulator cannot be built here, or null when it can: g++ must compile and run a small
     * C++20 program with std::barrier under AddressSanitizer and UBSan (the flags the emulator uses).
     */
    static synchronized String unavailableReason() {
        if (unavailable == null) unavailable = probeCompiler();
        return unavailable.isEmpty() ? null : unavailable;
    }

    private static String probeCompiler() {
        try {
            Files.createDirectories(BUILD);
            Path source = BUILD.resolve("probe.cpp"), binary = BUILD.resolve("probe");
            Files.writeString(source, "#include <barrier>\n#include <thread>\nint main() { std::barrier<> b(2);"
                    + " std::thread t([&] { b.arrive_and_wait(); }); b.arrive_and_wait(); t.join(); return 0; }\n");
            List<String> compile = new ArrayList<>(List.of("g++", "-std=c++20"));
            compile.addAll(SANITIZERS);
            compile.addAll(List.of("-pthread", source.toString(), "-o", binary.toString()));
            String log = runQuietly(compile);
            if (log != null) return "g++ cannot build the kernel emulator here: " + log;
            log = runQuietly(List.of(binary.toString()));
            return log == null ? "" : "the kernel emulator's test program does not run here: " + log;
        } catch (IOException e) {
            return "no g++ to build the kernel emulator (" + e.getMessage() + ")";
        }
    }

    /** Runs a command; null when it succeeds, else the first line of its output. */
    private static String runQuietly(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0) return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out.strip().lines().findFirst().orElse("exit code " + (p.isAlive() ? "(timed out)" : p.exitValue()));
    }

    /** The JVM's emulator, built and started on first use. */
    static synchronized KernelEmulator shared() {
        if (shared == null || !shared.process.isAlive()) {
            try {
                shared = new KernelEmulator(build());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    private static Path build() throws IOException {
        Files.createDirectories(BUILD);
        StringBuilder inc = new StringBuilder();
        for (String module : PtxModules.NAMES) inc.append("#include \"").append(module).append(".cu\"\n");
        inc.append("#define WICK_KERNELS(X) \\\n");
        for (PtxModules.Module m : PtxModules.get().modules()) {
            for (String kernel : m.kernels().keySet()) inc.append("    X(").append(kernel).append(") \\\n");
        }
        inc.append("\n");
        List<Path> sources = new ArrayList<>();
        try (var s = Files.list(CUDA_SOURCES)) {
            s.filter(Files::isRegularFile).sorted().forEach(sources::add);
        }
        try (var s = Files.list(EMULATOR_SOURCES)) {
            s.filter(Files::isRegularFile).sorted().forEach(sources::add);
        }
        Path binary = BUILD.resolve("kernel-runner");
        List<String> command = new ArrayList<>(List.of("g++", "-std=c++20", "-O1", "-g"));
        command.addAll(SANITIZERS);
        command.addAll(List.of("-ffp-contract=off", "-pthread", "-Wall", "-Wno-unknown-pragmas",
                "-I", CUDA_SOURCES.toString(), "-I", BUILD.toString(),
                "-include", EMULATOR_SOURCES.resolve("cuda_emulation.h").toString(),
                EMULATOR_SOURCES.resolve("kernel_runner.cpp").toString(), "-o", binary.toString()));
        String stamp = digest(String.join(" ", command) + "\n" + inc, sources);
        Path stampFile = BUILD.resolve("kernel-runner.sha256");
        if (Files.isExecutable(binary) && Files.exists(stampFile) && Files.readString(stampFile).equals(stamp)) {
            return binary;
        }
        Files.writeString(BUILD.resolve("kernels.inc"), inc.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("building the kernel emulator failed:\n" + String.join(" ", command)
                        + "\n" + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the kernel emulator");
        }
        Files.writeString(stampFile, stamp);
        return binary;
    }

    private static String digest(String generated, List<Path> files) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(generated.getBytes(StandardCharsets.UTF_8));
            for (Path f : files) {
                md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs one launch over {@code memories} (each a device allocation's bytes, updated in place).
     * Pointer arguments name a memory by its index in that list.
     */
    synchronized void run(Launch launch, List<byte[]> memories, List<Object[]> args) {
        try {
            byte[] name = launch.kernel().getBytes(StandardCharsets.US_ASCII);
            ByteBuffer head = le(4 * 10 + name.length);
            head.putInt(0x57494B4C).putInt(name.length).put(name).putInt(launch.gridX()).putInt(launch.gridY())
                    .putInt(launch.blockX()).putInt(launch.blockY()).putInt(launch.sharedBytes())
                    .putInt(launch.cooperative() ? 1 : 0).putInt(memories.size());
            in.write(head.array(), 0, head.position());
            for (byte[] m : memories) {
                in.write(le(8).putLong(m.length).array());
                in.write(m);
            }
            in.write(le(4).putInt(args.size()).array());
            for (Object[] a : args) {
                int kind = (Integer) a[0];
                ByteBuffer b = le(16).putInt(kind);
                switch (kind) {
                    case 0 -> b.putInt((Integer) a[1]).putLong((Long) a[2]);
                    case 1 -> b.putInt((Integer) a[1]);
                    case 2 -> b.putLong((Long) a[1]);
                    case 3 -> b.putFloat((Float) a[1]);
                    case 4 -> b.putDouble((Double) a[1]);
                    default -> throw new IllegalArgumentException("argument kind " + kind);
                }
                in.write(b.array(), 0, b.position());
            }
            in.flush();
            int status = Integer.reverseBytes(out.readInt());
            if (status != 0) {
                byte[] message = new byte[Integer.reverseBytes(out.readInt())];
                out.readFully(message);
                throw new IllegalStateException("emulated " + launch + ": " + new String(message, StandardCharsets.UTF_8));
            }
            for (byte[] m : memories) out.readFully(m);
        } catch (IOException e) {
            throw new IllegalStateException("the kernel emulator died during " + launch + ":\n" + diagnostics(), e);
        }
    }

    private String diagnostics() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            String err = Files.exists(stderr) ? Files.readString(stderr) : "";
            return "exit " + (process.isAlive() ? "(still running)" : process.exitValue()) + "\n" + err;
        } catch (IOException | InterruptedException e) {
            return "(no diagnostics: " + e + ")";
        }
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public synchronized void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // the process is going away either way
        }
        process.destroy();
    }
}
