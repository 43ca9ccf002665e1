package dev.wick.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Runs JMH with the given command line (the same options as {@code java -jar benchmarks.jar}) and
 * prints a Markdown comparison: per benchmark and case, the MEDIAN over measurement iterations of
 * each backend's figure, and Wick's speed relative to each peer (above 1: Wick is faster).
 * GEMM is compared in GFLOP/s and the training step in tokens/s (their auxiliary counters), the
 * rest in time per call; the embedding's backward alone is derived as forwardBackward - forward.
 * With {@code -prof gc}, a second table gives the JVM heap allocated per call; the training
 * step's {@code driverAllocations} counter gets a third.
 *
 * <pre>java -cp benchmarks.jar dev.wick.bench.Compare [--markdown FILE] [JMH options]</pre>
 */
public final class Compare {
    private static final String GC_NORM = "gc.alloc.rate.norm";

    private Compare() {
    }

    public static void main(String[] args) throws Exception {
        List<String> jmhArgs = new ArrayList<>(Arrays.asList(args));
        Path markdown = null;
        int at = jmhArgs.indexOf("--markdown");
        if (at >= 0) {
            if (at + 1 >= jmhArgs.size()) throw new IllegalArgumentException("--markdown needs a file name");
            markdown = Path.of(jmhArgs.get(at + 1));
            jmhArgs.subList(at, at + 2).clear();
        }
        CommandLineOptions options = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        String machine = Machine.describe();
        Collection<RunResult> results = new Runner(options).run();
        String report = "## " + String.join(" ", jmhArgs) + "\n\n" + machine
                + "- load average at end: " + Machine.loadAverage() + "\n\n" + report(results);
        System.out.println();
        System.out.println(report);
        if (markdown != null) Files.writeString(markdown, report);
    }

    /** One measured figure: a benchmark, a case (its parameters but the backend) and a backend. */
    record Figure(String benchmark, String caseName, String backend, String unit, boolean higherIsBetter,
                  double median, int iterations) {
        double speed() {
            return higherIsBetter ? median : 1.0 / median;
        }
    }

    static String report(Collection<RunResult> results) {
        List<Figure> main = new ArrayList<>();
        List<Figure> alloc = new ArrayList<>();
        List<Figure> driver = new ArrayList<>();
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            List<IterationResult> its = new ArrayList<>();
            r.getBenchmarkResults().forEach(b -> its.addAll(b.getIterationResults()));
            if (its.isEmpty()) continue;
            Map<String, Result> secondary = its.get(0).getSecondaryResults();
            String bench = shortName(p.getBenchmark());
            String caseName = caseName(p);
            String backend = p.getParam("backend") != null ? p.getParam("backend") : fixedBackend(p.getBenchmark());
            if (secondary.containsKey("gflop")) {
                main.add(figure(bench, caseName, backend, "GFLOP/s", true, its, secondaryScore("gflop")));
            } else if (secondary.containsKey("tokens")) {
                main.add(figure(bench, caseName, backend, "tokens/s", true, its, secondaryScore("tokens")));
            } else {
                boolean throughput = p.getMode() == org.openjdk.jmh.annotations.Mode.Throughput;
                main.add(figure(bench, caseName, backend, its.get(0).getScoreUnit(), throughput, its,
                        it -> it.getPrimaryResult().getScore()));
            }
            secondary.keySet().stream().filter(k -> k.endsWith(GC_NORM)).findFirst().ifPresent(k ->
                    alloc.add(figure(bench, caseName, backend, "B/op", false, its, secondaryScore(k))));
            if (secondary.containsKey("driverAllocations") && backend.startsWith("wick")) {
                driver.add(figure(bench, caseName, backend, "per iteration", false, its, secondaryScore("driverAllocations")));
            }
        }
        main.addAll(derivedBackward(main));
        StringBuilder s = new StringBuilder();
        s.append(table("Median per backend; ratio = Wick's speed / the peer's (above 1: Wick is faster)", main, true));
        if (!alloc.isEmpty()) s.append('\n').append(table("JVM heap allocated per call (-prof gc, median)", alloc, false));
        if (!driver.isEmpty()) s.append('\n').append(table("Growth of Engine.memoryStats().driverAllocations() per iteration (median)", driver, false));
        return s.toString();
    }

    private static Function<IterationResult, Double> secondaryScore(String key) {
        return it -> {
            Result res = it.getSecondaryResults().get(key);
            return res == null ? Double.NaN : res.getScore();
        };
    }

    private static Figure figure(String bench, String caseName, String backend, String unit, boolean higher,
                                 List<IterationResult> its, Function<IterationResult, Double> score) {
        double[] v = its.stream().mapToDouble(score::apply).toArray();
        return new Figure(bench, caseName, backend, unit, higher, median(v), v.length);
    }

    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        if (n == 0) return Double.NaN;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** X.backward = X.forwardBackward - X.forward, per case and backend, where both were timed. */
    private static List<Figure> derivedBackward(List<Figure> figures) {
        List<Figure> out = new ArrayList<>();
        for (Figure fb : figures) {
            if (!fb.benchmark().endsWith(".forwardBackward") || fb.higherIsBetter()) continue;
            String base = fb.benchmark().substring(0, fb.benchmark().length() - ".forwardBackward".length());
            for (Figure f : figures) {
                if (f.benchmark().equals(base + ".forward") && f.caseName().equals(fb.caseName())
                        && f.backend().equals(fb.backend()) && f.unit().equals(fb.unit())) {
                    out.add(new Figure(base + ".backward (derived)", fb.caseName(), fb.backend(), fb.unit(), false,
                            fb.median() - f.median(), Math.min(f.iterations(), fb.iterations())));
                }
            }
        }
        return out;
    }

    private static String table(String title, List<Figure> figures, boolean ratios) {
        Set<String> backends = new LinkedHashSet<>();
        for (String b : Backends.ALL) {
            if (figures.stream().anyMatch(f -> b.equals(f.backend()))) backends.add(b);
        }
        figures.forEach(f -> backends.add(String.valueOf(f.backend())));
        List<String> peers = backends.stream().filter(b -> !b.startsWith("wick")).toList();
        String wick = backends.contains(Backends.WICK_CPU) ? Backends.WICK_CPU
                : backends.stream().filter(b -> b.startsWith("wick")).findFirst().orElse(null);
        boolean withRatios = ratios && wick != null && !peers.isEmpty();

        Map<String, Map<String, Figure>> rows = new LinkedHashMap<>();
        for (Figure f : figures) {
            rows.computeIfAbsent(f.benchmark() + "\u0000" + f.caseName() + "\u0000" + f.unit(), k -> new LinkedHashMap<>())
                    .put(String.valueOf(f.backend()), f);
        }
        StringBuilder s = new StringBuilder("### ").append(title).append("\n\n| benchmark | case | unit |");
        backends.forEach(b -> s.append(' ').append(b).append(" |"));
        if (withRatios) peers.forEach(b -> s.append(' ').append(wick).append(" vs ").append(b).append(" |"));
        s.append("\n|---|---|---|");
        backends.forEach(b -> s.append("---:|"));
        if (withRatios) peers.forEach(b -> s.append("---:|"));
        s.append('\n');
        for (Map<String, Figure> row : rows.values()) {
            Figure any = row.values().iterator().next();
            s.append("| ").append(any.benchmark()).append(" | ").append(any.caseName()).append(" | ").append(any.unit()).append(" |");
            for (String b : backends) {
                Figure f = row.get(b);
                s.append(' ').append(f == null ? "-" : format(f.median())).append(" |");
            }
            if (withRatios) {
                for (String peer : peers) {
                    Figure w = row.get(wick), q = row.get(peer);
                    s.append(' ').append(w == null || q == null ? "-" : format(w.speed() / q.speed()) + "x").append(" |");
                }
            }
            s.append('\n');
        }
        return s.toString();
    }

    static String format(double v) {
        double a = Math.abs(v);
        if (Double.isNaN(v)) return "n/a";
        if (a >= 1000) return String.format("%,.0f", v);
        if (a >= 100) return String.format("%.0f", v);
        if (a >= 10) return String.format("%.1f", v);
        if (a >= 0.1 || a == 0) return String.format("%.2f", v);
        return String.format("%.3g", v);
    }

    /**
     * The backend of a benchmark that has no {@code backend} parameter (the word-level steps): the
     * peer's benchmarks (package dev.wick.bench.torch) run libtorch's fused ops, the others Wick's
     * CPU backend.
     */
    static String fixedBackend(String benchmark) {
        return benchmark.startsWith("dev.wick.bench.torch.") ? Backends.PYTORCH_CPU_FUSED : Backends.WICK_CPU;
    }

    private static String shortName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }

    private static String caseName(BenchmarkParams p) {
        StringBuilder s = new StringBuilder();
        for (String key : p.getParamsKeys()) {
            if (key.equals("backend")) continue;
            s.append(s.length() == 0 ? "" : " ").append(key).append('=').append(p.getParam(key));
        }
        return s.length() == 0 ? "-" : s.toString();
    }
}
