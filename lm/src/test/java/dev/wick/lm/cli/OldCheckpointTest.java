package dev.wick.lm.cli;

import dev.wick.lm.Cli;
import dev.wick.lm.Folders;
import dev.wick.lm.report.LossCurve;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint written before word-level models and SGD existed (test resource old-checkpoint,
 * its README says how it was made) still evaluates, samples and resumes, and the resumed run
 * computes the losses that program computed without the interruption: character-level training
 * with Adam is unchanged to the bit.
 */
class OldCheckpointTest {
    @TempDir
    Path dir;

    private Path fixture() throws IOException, URISyntaxException {
        Path original = Path.of(OldCheckpointTest.class.getResource("/dev/wick/lm/old-checkpoint").toURI());
        return Folders.copyFiles(original, dir.resolve("old"));
    }

    @Test
    void evaluatesAndSamplesAsBefore() throws Exception {
        Path old = fixture();
        Cli.Result eval = Cli.run("eval", "--checkpoint", old.toString(), "--text", old.resolve("text.txt").toString(),
                "--device", "cpu");
        assertEquals(0, eval.code(), eval.describe());
        assertTrue(eval.out().contains("3.1212 nats/char") && eval.out().contains("4.5029 bits/char")
                && eval.out().contains("perplexity 22.673"), eval.describe());
        Cli.Result sample = Cli.run("sample", "--checkpoint", old.toString(), "--length", "20", "--device", "cpu");
        assertEquals(0, sample.code(), sample.describe());
        assertEquals("\nmdgrdw abwfcny\nfsmgm" + System.lineSeparator(), sample.out(), sample.describe());
    }

    @Test
    void resumesToTheLossesOfTheUninterruptedRun() throws Exception {
        Path old = fixture();
        String previous = System.setProperty("wick.cpu.portable", "true");
        try {
            Cli.Result resumed = Cli.run("train", "--out", old.toString(), "--resume", "--steps", "10",
                    "--text", old.resolve("text.txt").toString(), "--device", "cpu");
            assertEquals(0, resumed.code(), resumed.describe());
            assertEquals(Files.readString(old.resolve("uninterrupted-loss.csv")), Files.readString(old.resolve(LossCurve.CSV)),
                    resumed.describe());
        } finally {
            if (previous == null) System.clearProperty("wick.cpu.portable");
            else System.setProperty("wick.cpu.portable", previous);
        }
    }
}
