package dev.wick.lm.cli;

import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointException;
import dev.wick.lm.checkpoint.CheckpointStore;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.TextLoader;
import dev.wick.lm.report.EngineLog;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/** The checks every subcommand makes on what it is given, each failure a {@link UsageException}. */
final class Inputs {
    private Inputs() {
    }

    static void requirePositive(String option, long value) {
        if (value <= 0) throw new UsageException(option + " must be > 0, got " + value);
    }

    /** A text file or directory, or the bundled corpus when {@code path} is null; one warning line for bad UTF-8. */
    static CorpusText loadText(Path path, PrintWriter err) {
        String name = path == null ? TextLoader.BUNDLED : "--text " + path;
        CorpusText text;
        try {
            text = path == null
                    ? TextLoader.loadBundled(line -> warn(err, line))
                    : TextLoader.load(path, line -> warn(err, line));
        } catch (NoSuchFileException e) {
            throw new UsageException(name + ": no such file or directory");
        } catch (AccessDeniedException e) {
            throw new UsageException(name + ": permission denied" + (path != null && !e.getFile().equals(path.toString())
                    ? " (" + e.getFile() + ")" : ""));
        } catch (IOException e) {
            throw new UsageException(name + ": cannot read it: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException(name + ": " + e.getMessage());
        }
        if (text.length() == 0) throw new UsageException(name + ": the text is empty");
        return text;
    }

    /** Runs {@code work}, which reads the text {@code name} again; a read that fails there is bad input too. */
    static <T> T reading(String name, Supplier<T> work) {
        try {
            return work.get();
        } catch (UncheckedIOException e) {
            throw new UsageException(name + ": cannot read it: " + e.getCause().getMessage());
        }
    }

    private static void warn(PrintWriter err, String line) {
        err.println(line);
        err.flush();
    }

    /** The engine for --device; a device that cannot be opened here is bad input. */
    static Engine openEngine(String device) {
        try {
            return Wick.open(device);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new UsageException("--device " + device + ": " + e.getMessage());
        }
    }

    /**
     * The engine for --device, opened before the checks that need it (its memory) and before the
     * text is read, so a device that does not exist is found first; the lines Wick logs while it
     * opens (which device, which GEMM) are held in {@code held} to be printed once every check has
     * passed, so a refusal stays one line.
     */
    static Engine openEngine(String device, List<String> held) {
        try (EngineLog.Hold holding = EngineLog.hold(held)) {
            return openEngine(device);
        }
    }

    static Checkpoint loadCheckpoint(Path dir, boolean withState) {
        try {
            return CheckpointStore.load(dir, withState);
        } catch (CheckpointException e) {
            throw new UsageException("cannot use the checkpoint: " + e.getMessage());
        }
    }
}
