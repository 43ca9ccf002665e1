package dev.wick.lm.data;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Text appended where it goes (a StringBuilder, a PrintWriter), a failure unchecked. */
final class Appending {
    private Appending() {
    }

    static void append(Appendable out, CharSequence text) {
        try {
            out.append(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
