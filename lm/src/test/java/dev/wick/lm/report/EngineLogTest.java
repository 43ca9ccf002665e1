package dev.wick.lm.report;

import dev.wick.core.Engine;
import dev.wick.core.Wick;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's System.Logger records become wick-lm's "[wick] ..." lines while a command runs, and only then. */
class EngineLogTest {

    @Test
    void theEngineChoiceIsOneWickLineOnTheProgramsErrorStreamWhileOpen() {
        StringWriter text = new StringWriter();
        PrintWriter err = new PrintWriter(text, true);
        String expectedStart = Wick.cudaAvailability().available() ? "[wick] using cuda" : "[wick] using cpu";
        try (EngineLog log = EngineLog.to(err); Engine e = Wick.auto()) {
            assertTrue(e.description().length() > 0);
        }
        String[] lines = text.toString().split("\\R");
        assertEquals(1, lines.length, text.toString());
        assertTrue(lines[0].startsWith(expectedStart), lines[0]);
        try (Engine e = Wick.auto()) {
            assertTrue(e.description().length() > 0);
        }
        assertEquals(1, text.toString().split("\\R").length, "closed: later records do not reach the program's stream");
    }
}
