package dev.wick.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** What a figure was measured on: printed beside every comparison, since this machine is shared and noisy. */
final class Machine {
    /** The glibc settings that keep freed blocks in the process (see DJL-OFFLINE.md). */
    static final List<String> MALLOC_VARIABLES = List.of("MALLOC_ARENA_MAX", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_");

    private Machine() {
    }

    static String describe() {
        StringBuilder s = new StringBuilder();
        s.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        s.append("- cpu: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores visible to the JVM\n");
        s.append("- jdk: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append('\n');
        s.append("- threads: wick.bench.threads=").append(Backends.threads()).append(" (Wick CPU threads and libtorch intra-op threads)\n");
        s.append("- malloc: ").append(mallocSettings()).append('\n');
        s.append("- load average at start: ").append(loadAverage()).append('\n');
        return s.toString();
    }

    static String mallocSettings() {
        StringBuilder s = new StringBuilder();
        for (String v : MALLOC_VARIABLES) {
            String value = System.getenv(v);
            if (value != null) s.append(s.length() == 0 ? "" : " ").append(v).append('=').append(value);
        }
        return s.length() == 0 ? "glibc defaults (none of " + MALLOC_VARIABLES + " set)" : s.toString();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException e) {
            return System.getProperty("os.arch") + " (no /proc/cpuinfo)";
        }
        return System.getProperty("os.arch");
    }
}
