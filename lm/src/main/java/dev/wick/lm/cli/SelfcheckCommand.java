package dev.wick.lm.cli;

import dev.wick.autograd.check.TrainingConformance;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;
import dev.wick.core.conformance.ConformanceReport;
import dev.wick.core.conformance.ConformanceSuite;
import dev.wick.lm.train.GraphCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * wick-lm selfcheck: the conformance suite (dev.wick.core.conformance) run on this machine. With a
 * usable GPU: every primitive on CUDA against the CPU, then a few training steps of the character
 * model on both (autograd's TrainingConformance), then a few steps replayed from a CUDA graph
 * against the same steps run eagerly, bit for bit ({@link GraphCheck}). Without one: says why, and
 * checks the CPU backend's float32 against its float64. Exit code 0 when everything passed, 1 otherwise.
 */
@Command(name = "selfcheck", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks this machine's backends: CUDA against the CPU where a GPU is usable (every primitive,"
                + " then a few training steps, then graph-replayed steps against eager ones), else the CPU's float32"
                + " against its float64.",
                "Prints a table per check; exit code 0 when all passed."})
public final class SelfcheckCommand implements Callable<Integer> {
    private static final int TRAINING_STEPS = 5;
    /**
     * Relative tolerances of the training comparison. Looser than the primitives': Adam divides by
     * sqrt(v), so a gradient entry near zero that differs in its last bits can move its parameter by
     * up to lr either way, and five steps compound that.
     */
    private static final double LOSS_TOLERANCE = 1e-3, GRADIENT_TOLERANCE = 1e-3;

    @Spec
    private CommandSpec spec;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the random inputs (default: fresh, printed).")
    private Long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long s = seed != null ? seed : ConformanceSuite.freshSeed();
        Availability cuda = Wick.cudaAvailability();
        boolean passed;
        if (cuda.available()) {
            out.println("CUDA is available (" + cuda.reason() + "): checking CUDA against the CPU, seed " + s);
            passed = true;
            try (Engine gpu = Wick.cuda(); Engine cpu = Wick.cpu()) {
                out.println("device: " + gpu.description());
                for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                    ConformanceReport primitives = ConformanceSuite.run(gpu.backend(), cpu.backend(), dtype, s);
                    out.print(primitives.table());
                    passed &= primitives.passed();
                }
                TrainingConformance.Result training = TrainingConformance.compare(cpu, gpu, s, TRAINING_STEPS,
                        LOSS_TOLERANCE, GRADIENT_TOLERANCE);
                out.println(training.summary());
                passed &= training.passed();
                GraphCheck.Result graphs = GraphCheck.run(gpu, s);
                out.println(graphs.summary());
                passed &= graphs.passed();
            }
        } else {
            out.println("no usable GPU (" + cuda.reason() + "): checking the CPU backend's float32 against its float64, seed " + s);
            ConformanceReport report = ConformanceSuite.cpuFloat32AgainstFloat64(s);
            out.print(report.table());
            passed = report.passed();
        }
        out.println("selfcheck: " + (passed ? "PASS" : "FAIL") + " (seed " + s + ")");
        return passed ? 0 : 1;
    }
}
