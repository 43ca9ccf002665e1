package dev.wick.lm;

import java.util.Locale;

/** What to tell someone whose command ran out of memory: which options make it smaller. */
final class OutOfMemory {
    private OutOfMemory() {
    }

    /** The heap's limit, as people write it. */
    static String heap() {
        return String.format(Locale.ROOT, "at most %.1f GiB", Runtime.getRuntime().maxMemory() / (double) (1L << 30));
    }

    /** The options of {@code command} that shrink it, and on the heap how to grow that instead. */
    static String advice(String command, boolean heap) {
        String lower = switch (command) {
            case "train" -> "lower --batch, --seq, --hidden or --embed (with --tokens words, --max-vocab), or use a shorter --text";
            case "eval" -> "lower --batch or --seq, or use a shorter --text";
            case "sample" -> "the checkpoint's model needs more memory than that";
            default -> "use smaller sizes";
        };
        return heap ? lower + ", or give Java more heap (WICK_LM_JAVA_OPTS=-Xmx...)" : lower;
    }
}
