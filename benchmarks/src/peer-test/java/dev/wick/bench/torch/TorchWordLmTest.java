package dev.wick.bench.torch;

import dev.wick.lm.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The word-level peer trains on wick-lm's streams: it starts near ln V and learns a repetitive text. */
class TorchWordLmTest {
    @Test
    void learnsARepetitiveText(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "the cat sat on the mat , and the dog sat on the log .\n".repeat(400));
        TrainConfig config = WordLmData.referenceConfig(1);
        WordLmData data = WordLmData.load(text, config);
        assertEquals(12, data.vocabularySize()); // <eos>, <unk> and ten words and marks
        try (TorchWordLm model = new TorchWordLm(config, data.vocabularySize(), 1)) {
            model.resetState();
            double first = model.step(data.training().chunk(0, config.seq()));
            assertEquals(Math.log(data.vocabularySize()), first, 0.5);
            double last = first;
            for (int epoch = 0; epoch < 10; epoch++) {
                if (epoch > 0) model.resetState();
                for (int s = epoch == 0 ? 1 : 0; s < data.split().stepsPerEpoch(config); s++) {
                    last = model.step(data.training().chunk(s * config.seq(), config.seq()));
                }
            }
            assertTrue(last < first - 1, "training loss went from " + first + " to " + last);
            double validation = model.evaluate(data.validation());
            assertTrue(validation < first - 1, "validation loss " + validation + " after a first training loss of " + first);
        }
    }
}
