package dev.wick.lm;

import dev.wick.lm.cli.EvalCommand;
import dev.wick.lm.cli.OutOfMemory;
import dev.wick.lm.cli.SampleCommand;
import dev.wick.lm.cli.SelfcheckCommand;
import dev.wick.lm.cli.TrainCommand;
import dev.wick.lm.cli.UsageException;
import dev.wick.lm.report.EngineLog;
import dev.wick.lm.train.TrainingFailure;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The wick-lm program. Exit codes: 0 success, 1 failure while working (training diverged, a disk
 * error), 2 bad usage or bad input (one line on stderr).
 */
@Command(name = "wick-lm", mixinStandardHelpOptions = true, version = "wick-lm 0.1.0",
        description = "Train, evaluate and sample character- and word-level RNN language models on the Wick tensor engine.",
        subcommands = {TrainCommand.class, EvalCommand.class, SampleCommand.class, SelfcheckCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("wick-lm: a subcommand is required: train, eval, sample or selfcheck"
                + " (see wick-lm --help)");
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        // Before anything touches AWT: the loss curve is rendered without a display.
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        System.exit(run(out, err, args));
    }

    /** Runs the program in-process with the given streams (tests call this) and returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(ex.getCommandLine().getCommandSpec().qualifiedName() + ": " + oneLine(ex.getMessage())
                    + " (see --help)");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String who = cmd.getCommandSpec().qualifiedName();
            if (ex instanceof UsageException) {
                err.println(who + ": " + oneLine(ex.getMessage()));
                return EXIT_USAGE;
            }
            if (ex instanceof TrainingFailure) {
                err.println(who + ": " + oneLine(ex.getMessage()));
                return EXIT_FAILURE;
            }
            if (isDeviceOutOfMemory(ex)) {
                err.println(who + ": out of memory on the device (" + oneLine(ex.getMessage()) + "); "
                        + OutOfMemory.advice(cmd.getCommandSpec().name(), false));
                return EXIT_FAILURE;
            }
            err.println(who + ": internal error: " + ex);
            ex.printStackTrace(err);
            return EXIT_FAILURE;
        });
        try (EngineLog engineLog = EngineLog.to(err)) {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // Whatever filled the heap is garbage once the stack has unwound: there is room for one line.
            CommandLine.ParseResult parsed = cl.getParseResult();
            String command = parsed != null && parsed.subcommand() != null ? parsed.subcommand().commandSpec().name() : "";
            err.println("wick-lm" + (command.isEmpty() ? "" : " " + command) + ": out of memory: the Java heap ("
                    + OutOfMemory.heap() + ") is exhausted; " + OutOfMemory.advice(command, true));
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** A CUDA allocation that failed for want of memory (the CUDA module is only on the run-time class path). */
    private static boolean isDeviceOutOfMemory(Exception ex) {
        return ex.getClass().getSimpleName().equals("CudaException") && ex.getMessage() != null
                && ex.getMessage().contains("CUDA_ERROR_OUT_OF_MEMORY");
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
