package dev.wick.lm.report;

import dev.wick.core.Wick;

import java.io.PrintWriter;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The engine's log records (System.Logger "dev.wick", which the JDK routes to java.util.logging
 * when nothing else is installed) printed as the program's own "[wick] ..." lines on its error
 * stream, instead of the JDK's two-line default format, while a command runs.
 */
public final class EngineLog implements AutoCloseable {
    /** Held strongly: java.util.logging keeps only weak references to its loggers. */
    private final Logger logger = Logger.getLogger(Wick.LOGGER_NAME);
    /** Where lines go instead of the stream while a {@link #hold} is open (null: to the stream). */
    private static final ThreadLocal<List<String>> HELD = new ThreadLocal<>();
    private final Handler handler;
    private final boolean usedParentHandlers;

    private EngineLog(PrintWriter err) {
        handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() < Level.INFO.intValue()) return;
                String line = (r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "") + r.getMessage();
                List<String> held = HELD.get();
                if (held != null) {
                    held.add(line);
                } else {
                    print(err, List.of(line));
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
            }
        };
        usedParentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
    }

    /** Prints the engine's records on {@code err} until closed. */
    public static EngineLog to(PrintWriter err) {
        return new EngineLog(err);
    }

    /**
     * Until the returned handle is closed, the engine's lines logged on this thread go into
     * {@code held} rather than to the stream: a command opens its engine before its checks and
     * prints these lines only once every check has passed, so that a refusal stays one line.
     */
    public static Hold hold(List<String> held) {
        List<String> previous = HELD.get();
        HELD.set(held);
        return () -> HELD.set(previous);
    }

    /** Prints engine lines (those a {@link #hold} kept back, say) as the program's own "[wick] ..." lines. */
    public static void print(PrintWriter err, List<String> lines) {
        for (String line : lines) err.println("[wick] " + line);
        err.flush();
    }

    /** The handle of {@link #hold}: closing it sends lines to the stream again. */
    public interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(usedParentHandlers);
    }
}
