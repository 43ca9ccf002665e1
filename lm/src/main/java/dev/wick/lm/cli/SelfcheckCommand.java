package dev.wick.lm.cli;

import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * wick-lm selfcheck. STUB: the conformance comparison (dev.wick.core.conformance) is not in this
 * build yet; until it is, this reports whether CUDA is usable and says that no comparison ran.
 */
@Command(name = "selfcheck", mixinStandardHelpOptions = true,
        description = "Compares the backends' kernels on this machine (CUDA against the CPU where a GPU exists).")
public final class SelfcheckCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Availability cuda = Wick.cudaAvailability();
        out.println("cuda: " + (cuda.available() ? "available (" + cuda.reason() + ")" : "not available: " + cuda.reason()));
        spec.commandLine().getErr().println("selfcheck: the conformance suite is not part of this build yet; no comparison was run");
        return 1;
    }
}
