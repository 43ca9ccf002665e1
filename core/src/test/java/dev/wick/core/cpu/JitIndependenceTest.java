package dev.wick.core.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 kernels give the same bits in every JIT tier, for every vector width and on both
 * paths: {@link KernelFingerprint} in fresh JVMs that only interpret, that stop at C1, that run
 * long enough for C2 (with compilation in the foreground, so that C2's code is what runs), with
 * narrower vectors, and on the portable loops, all print the same hashes (but for GEMM, which
 * rounds differently on the two paths).
 */
class JitIndependenceTest {
    /** Rounds for the warm JVMs: far past C2's thresholds for every kernel in the fingerprint. */
    private static final String WARM_ROUNDS = "300";

    @Test
    void everyTierWidthAndPathGivesTheSameBits() throws Exception {
        long seed = new SplittableRandom().nextLong();
        Map<String, List<String>> variants = new LinkedHashMap<>();
        variants.put("interpreted only", List.of("-Xint"));
        variants.put("C1 only", List.of("-XX:TieredStopAtLevel=1"));
        variants.put("C2 after warm-up", List.of("-Xbatch", WARM_ROUNDS));
        variants.put("C2 with 128-bit vectors", List.of("-Xbatch", "-XX:MaxVectorSize=16", WARM_ROUNDS));
        variants.put("C2 with 256-bit vectors", List.of("-Xbatch", "-XX:MaxVectorSize=32", WARM_ROUNDS));
        variants.put("portable loops, C2", List.of("-Xbatch", "-Dwick.cpu.portable=true", WARM_ROUNDS));
        variants.put("portable loops, interpreted", List.of("-Xint", "-Dwick.cpu.portable=true"));

        Map<String, String> lines = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
            lines.put(variant.getKey(), run(seed, variant.getValue()));
        }
        String reference = lines.get("interpreted only");
        assertTrue(reference.startsWith("path=SIMD"), "the module is present, so SIMD: " + reference);
        assertTrue(lines.get("C2 with 128-bit vectors").contains("128-bit"), lines.toString());
        assertTrue(lines.get("portable loops, C2").startsWith("path=portable"), lines.toString());
        String all = "seed " + seed + ":\n" + String.join("\n", lines.values());
        for (Map.Entry<String, String> line : lines.entrySet()) {
            Map<String, String> expected = hashes(reference), actual = hashes(line.getValue());
            if (line.getKey().startsWith("portable")) {
                // The one difference between the paths: the SIMD GEMM fuses each multiply-add.
                assertEquals(hashes(lines.get("portable loops, interpreted")).get("gemm"), actual.get("gemm"), all);
                expected.remove("gemm");
                actual.remove("gemm");
            }
            assertEquals(expected, actual, line.getKey() + " against the interpreter, " + all);
        }
    }

    /** The line's hashes by name, without the path's description. */
    private static Map<String, String> hashes(String line) {
        Map<String, String> hashes = new TreeMap<>();
        for (String part : line.substring(line.indexOf(" | ") + 3).split(" ")) {
            hashes.put(part.substring(0, part.indexOf('=')), part.substring(part.indexOf('=') + 1));
        }
        return hashes;
    }

    /** Runs the fingerprint in a fresh JVM with the given options; a trailing number is its warm-up rounds. */
    private static String run(long seed, List<String> options) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-cp", System.getProperty("java.class.path")));
        String rounds = "1";
        for (String option : options) {
            if (option.startsWith("-")) command.add(option);
            else rounds = option;
        }
        command.addAll(List.of(KernelFingerprint.class.getName(), Long.toString(seed), rounds));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "still running: " + command);
        assertEquals(0, process.exitValue(), command + "\n" + output);
        return output.lines().filter(l -> l.startsWith("path=")).findFirst()
                .orElseThrow(() -> new AssertionError("no fingerprint from " + command + "\n" + output));
    }
}
