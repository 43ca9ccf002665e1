package dev.wick.cuda;

import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The committed PTX is what the CUDA sources compile to (by hash), the generated op_table.cuh is what
 * the op table renders, the PTX loads on drivers from CUDA 12.0 on (ISA version), and it assembles
 * for Turing, Ampere and Hopper (ptxas, where one is installed).
 */
class PtxResourcesTest {
    private static final Path CUDA = Paths.get("src/main/cuda");
    private static final Path PTX = Paths.get("src/main/resources/dev/wick/cuda/ptx");
    private static final Pattern HASH = Pattern.compile("^// wick-source-sha256: ([0-9a-f]{64}) (\\S+)");
    private static final Pattern VERSION = Pattern.compile("^\\.version (\\d+)\\.(\\d+)$", Pattern.MULTILINE);

    private static List<String> names(Path dir, String extension) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(extension))
                    .map(n -> n.substring(0, n.length() - extension.length())).sorted().toList();
        }
    }

    @Test
    void everySourceHasItsPtxAndTheBackendLoadsEveryModule() throws IOException {
        List<String> sources = names(CUDA, ".cu");
        assertEquals(sources, names(PTX, ".ptx"), "one .ptx per .cu (run cuda-kernels/scripts/build-ptx.sh)");
        assertEquals(new TreeSet<>(sources), new TreeSet<>(PtxModules.NAMES), "PtxModules.NAMES lists every module");
    }

    @Test
    void everyPtxRecordsTheHashOfItsCurrentSource() throws IOException, NoSuchAlgorithmException {
        List<Path> headers = new ArrayList<>();
        for (String h : names(CUDA, ".cuh")) headers.add(CUDA.resolve(h + ".cuh"));
        for (String name : names(CUDA, ".cu")) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(CUDA.resolve(name + ".cu")));
            for (Path h : headers) sha.update(Files.readAllBytes(h));
            String expected = HexFormat.of().formatHex(sha.digest());
            String first = Files.readAllLines(PTX.resolve(name + ".ptx"), StandardCharsets.US_ASCII).get(0);
            Matcher m = HASH.matcher(first);
            assertTrue(m.find(), name + ".ptx does not start with a wick-source-sha256 line");
            assertEquals(name + ".cu", m.group(2));
            assertEquals(expected, m.group(1), name + ".cu (or a .cuh header) changed after " + name
                    + ".ptx was generated: run cuda-kernels/scripts/build-ptx.sh and commit the PTX");
        }
    }

    @Test
    void ptxDeclaresAnIsaThatCuda12DriversLoadAndTargetsTuring() throws IOException {
        for (String name : names(PTX, ".ptx")) {
            String ptx = Files.readString(PTX.resolve(name + ".ptx"), StandardCharsets.US_ASCII);
            Matcher v = VERSION.matcher(ptx);
            assertTrue(v.find(), name + ".ptx has no .version line");
            int version = Integer.parseInt(v.group(1)) * 10 + Integer.parseInt(v.group(2));
            assertTrue(version <= 80, name + ".ptx declares PTX ISA " + v.group(1) + "." + v.group(2)
                    + "; CUDA 12.0 drivers load at most 8.0");
            assertTrue(ptx.contains("\n.target sm_75\n"), name + ".ptx must target sm_75 (compute_75)");
            assertTrue(ptx.contains("\n.address_size 64\n"), name + ".ptx must use 64-bit addresses");
        }
    }

    @Test
    void kernelSignaturesAreParsedFromThePtx() {
        PtxModules ptx = PtxModules.get();
        int kernels = ptx.modules().stream().mapToInt(m -> m.kernels().size()).sum();
        assertTrue(kernels >= 40 + 2 * opKernelBases().size(), "found only " + kernels + " kernels");
        var u32 = PtxModules.ParamType.U32;
        var u64 = PtxModules.ParamType.U64;
        var f32 = PtxModules.ParamType.F32;
        var f64 = PtxModules.ParamType.F64;
        assertEquals(List.of(u32, u32, u32, f32, u64, u64, f32, u64), ptx.signature("wick_gemm_tn_f32"));
        assertEquals(List.of(u32, u32, u32, f64, u64, u64, f64, u64), ptx.signature("wick_gemm_nt_f64"));
        assertEquals(List.of(u64, u32, u64, f64, f64), ptx.signature("wick_uniform_f32"));
        assertEquals(List.of(u64, u64, u64, u64, u64, u64, u64, u32, u32), ptx.signature("wick_gru_cell_backward_f64"));
        // every kernel name the backend builds exists, in both precisions where it has two
        Set<String> all = ptx.modules().stream().flatMap(m -> m.kernels().keySet().stream())
                .collect(Collectors.toSet());
        List<String> bases = new ArrayList<>(List.of("wick_uniform", "wick_normal", "wick_gather",
                "wick_scatter_add_atomic", "wick_scatter_add_sorted", "wick_tanh_backward", "wick_softmax_ce_rows",
                "wick_softmax_ce_loss", "wick_axpy", "wick_squared_norm_partial", "wick_sum_partials", "wick_sgd",
                "wick_sgd_momentum", "wick_adam", "wick_gemm_nn", "wick_gemm_nt", "wick_gemm_tn", "wick_gemm_tt",
                "wick_sparse_sum_runs", "wick_sparse_sgd", "wick_sparse_adam",
                "wick_lstm_cell_forward", "wick_lstm_cell_backward", "wick_gru_cell_forward", "wick_gru_cell_backward"));
        bases.addAll(opKernelBases());
        for (String base : bases) {
            assertTrue(all.contains(base + "_f32") && all.contains(base + "_f64"), base + " in both precisions");
        }
        for (String k : List.of("wick_fill_f64", "wick_first_index_out_of_range", "wick_scatter_keys",
                "wick_bitonic_sort_tile", "wick_bitonic_merge_global", "wick_bitonic_merge_tile",
                "wick_count_not_ignored", "wick_copy_strided_b32", "wick_copy_strided_b64", "wick_sparse_run_starts")) {
            assertTrue(all.contains(k), k);
        }
    }

    /** The op-table kernels' names without the precision, as CudaBackend builds them. */
    static List<String> opKernelBases() {
        List<String> bases = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) bases.add("wick_unary_" + op.opName());
        for (BinaryOp op : BinaryOp.values()) {
            bases.add("wick_binary_" + op.opName());
            bases.add("wick_binary_scalar_" + op.opName());
        }
        for (ReduceOp op : ReduceOp.values()) bases.add("wick_reduce_" + op.opName());
        return bases;
    }

    /** ops.ptx holds the table's kernels and the strided copies, nothing left over from a removed op. */
    @Test
    void theOpsModuleHoldsExactlyTheTablesKernels() {
        Set<String> expected = new TreeSet<>(List.of("wick_copy_strided_b32", "wick_copy_strided_b64"));
        for (String base : opKernelBases()) {
            expected.add(base + "_f32");
            expected.add(base + "_f64");
        }
        PtxModules.Module ops = PtxModules.get().modules().stream().filter(m -> m.name().equals("ops")).findFirst()
                .orElseThrow();
        assertEquals(expected, new TreeSet<>(ops.kernels().keySet()),
                "ops.ptx differs from the op table: run " + OpTableSource.REGENERATE);
    }

    @Test
    void theOpTableHeaderIsWhatTheTableRenders() throws IOException {
        String committed = Files.readString(CUDA.resolve(OpTableSource.FILE_NAME), StandardCharsets.US_ASCII);
        assertEquals(OpTableSource.render(), committed, "src/main/cuda/" + OpTableSource.FILE_NAME
                + " is not what the op table (dev.wick.core.ops) renders: run " + OpTableSource.REGENERATE
                + " (it rewrites the header, then the PTX) and commit both");
    }

    static Path ptxas() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Paths.get(dir, "ptxas");
            if (Files.isExecutable(p)) return p;
        }
        Path p = Paths.get("/usr/local/cuda/bin/ptxas");
        return Files.isExecutable(p) ? p : null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sm_75", "sm_80", "sm_90"})
    void everyPtxAssemblesWithPtxas(String arch) throws IOException, InterruptedException {
        Path ptxas = ptxas();
        if (ptxas == null) System.out.println("PtxResourcesTest: no ptxas on the PATH or in /usr/local/cuda/bin; skipped");
        assumeTrue(ptxas != null, "no ptxas on the PATH or in /usr/local/cuda/bin");
        for (String name : names(PTX, ".ptx")) {
            Process p = new ProcessBuilder(ptxas.toString(), "-arch=" + arch, "-o", "/dev/null",
                    PTX.resolve(name + ".ptx").toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas timed out on " + name);
            assertEquals(0, p.exitValue(), name + ".ptx does not assemble for " + arch + ":\n" + log);
        }
    }
}
