package dev.wick.lm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A second JVM on this one's class path: for what one process cannot show about itself (its heap, its locks). */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** Starts {@code mainClass} with {@code jvmOptions}; stdout and stderr go to the files given (null: a pipe). */
    public static Process start(List<String> jvmOptions, Class<?> mainClass, Path stdout, Path stderr, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Djava.awt.headless=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        if (stdout != null) pb.redirectOutput(stdout.toFile());
        if (stderr != null) pb.redirectError(stderr.toFile());
        return pb.start();
    }
}
