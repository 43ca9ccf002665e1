package dev.wick.lm.cli;

/** What to tell someone whose command ran out of memory: which options make it smaller. */
public final class OutOfMemory {
    private OutOfMemory() {
    }

    /** The heap's limit, as people write it. */
    public static String heap() {
        return "at most " + Footprint.size(Runtime.getRuntime().maxMemory());
    }

    /** The options of {@code command} that shrink it, and on the heap how to grow that instead. */
    public static String advice(String command, boolean heap) {
        String lower = switch (command) {
            case "train" -> "lower --batch, --seq, --hidden or --embed (with --tokens words, --max-vocab), or use a shorter --text";
            case "eval" -> "lower --batch or --seq, or use a shorter --text";
            case "sample" -> "the checkpoint's model needs more memory than that";
            default -> "use smaller sizes";
        };
        return heap ? lower + ", or give Java more heap (WICK_LM_JAVA_OPTS=-Xmx...)" : lower;
    }
}
