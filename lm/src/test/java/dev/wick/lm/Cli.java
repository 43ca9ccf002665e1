package dev.wick.lm;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

/** Runs wick-lm in-process, as a person would from the shell, capturing what it prints. */
public final class Cli {
    private Cli() {
    }

    public record Result(int code, String out, String err, String[] args) {
        public List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\\R"));
        }

        /** For assertion messages: the command and everything it printed. */
        public String describe() {
            return "wick-lm " + String.join(" ", args) + "\n-> exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString(), args);
    }
}
