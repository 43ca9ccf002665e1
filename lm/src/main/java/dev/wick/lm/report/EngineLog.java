package dev.wick.lm.report;

import dev.wick.core.Wick;

import java.io.PrintWriter;
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
    private final Handler handler;
    private final boolean usedParentHandlers;

    private EngineLog(PrintWriter err) {
        handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() < Level.INFO.intValue()) return;
                String prefix = r.getLevel().intValue() >= Level.WARNING.intValue() ? "[wick] warning: " : "[wick] ";
                err.println(prefix + r.getMessage());
                err.flush();
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

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(usedParentHandlers);
    }
}
