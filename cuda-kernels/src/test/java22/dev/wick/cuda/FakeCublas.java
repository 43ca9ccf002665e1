package dev.wick.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * src/test/native/fake_cublas.c built into a shared library (with the C compiler, once per test
 * run, under target/fake-cublas) and its test hooks, which read what the binding set on its handle
 * and make the next call of a function fail. The library is the same one the binding opens (one
 * dlopen handle per path), so the hooks see the binding's calls.
 */
final class FakeCublas {
    static final Path SOURCE = KernelEmulator.MODULE.resolve("src/test/native/fake_cublas.c");
    static final Path BUILD = KernelEmulator.MODULE.resolve("target/fake-cublas");

    private static FakeCublas full, withoutDgemm;
    private static String unavailable;

    final Path library;
    private final MethodHandle failNext, state;

    private FakeCublas(Path library) {
        this.library = library;
        SymbolLookup symbols = SymbolLookup.libraryLookup(library, Arena.global());
        Linker linker = Linker.nativeLinker();
        failNext = linker.downcallHandle(symbols.find("fake_cublas_fail_next").orElseThrow(),
                FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
        state = linker.downcallHandle(symbols.find("fake_cublas_state").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    }

    /** The fake with every function Wick binds. */
    static synchronized FakeCublas full() {
        if (full == null) full = new FakeCublas(build("libfakecublas.so"));
        return full;
    }

    /** The fake without cublasDgemm_v2. */
    static synchronized FakeCublas withoutDgemm() {
        if (withoutDgemm == null) withoutDgemm = new FakeCublas(build("libfakecublas-nodgemm.so", "-DFAKE_CUBLAS_NO_DGEMM"));
        return withoutDgemm;
    }

    /** Why the fake cannot be built here (no C compiler), or null when it can. */
    static synchronized String unavailableReason() {
        if (unavailable == null) {
            try {
                build("libfakecublas.so");
                unavailable = "";
            } catch (RuntimeException e) {
                unavailable = e.getMessage();
            }
        }
        return unavailable.isEmpty() ? null : unavailable;
    }

    private static Path build(String name, String... defines) {
        try {
            Files.createDirectories(BUILD);
            Path out = BUILD.resolve(name);
            if (Files.exists(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(SOURCE)) > 0) {
                return out;
            }
            List<String> command = new ArrayList<>(List.of("cc", "-std=c11", "-O1", "-shared", "-fPIC"));
            command.addAll(List.of(defines));
            command.addAll(List.of("-o", out.toString(), SOURCE.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("cc cannot build the fake cuBLAS: " + log.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("no C compiler (cc) to build the fake cuBLAS: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the fake cuBLAS", e);
        }
    }

    /** The next call of {@code function} returns {@code status}; "" and 0 clear it. */
    void failNext(String function, int status) {
        try (Arena arena = Arena.ofConfined()) {
            failNext.invokeExact(arena.allocateFrom(function), status);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * live_handles, gemm_calls, gemm_stream (the stream of the last GEMM's handle), and the last
     * handle's stream, workspace, workspace_bytes, pointer_mode, math_mode (-1: never set).
     */
    long state(String key) {
        try (Arena arena = Arena.ofConfined()) {
            return (long) state.invokeExact(arena.allocateFrom(key));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
