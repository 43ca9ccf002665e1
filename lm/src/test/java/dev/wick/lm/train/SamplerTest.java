package dev.wick.lm.train;

import dev.wick.autograd.nn.LanguageModel;
import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.lm.TestTexts;
import dev.wick.lm.data.CharVocabulary;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.data.WordVocabulary;
import dev.wick.lm.model.ModelShape;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sample written as it is generated reads exactly as the whole sample decoded at once, and shows while it grows. */
class SamplerTest {
    /** Counts flushes, and how much text had arrived at the first. */
    private static final class Watched extends StringWriter {
        int flushes;
        int atFirstFlush = -1;

        @Override
        public void flush() {
            if (flushes++ == 0) atFirstFlush = getBuffer().length();
        }
    }

    private static void streamsAsDecoded(Vocabulary vocabulary, long seed) {
        int length = 500;
        try (Engine engine = Wick.cpu();
             LanguageModel model = ModelShape.of(Cell.GRU, vocabulary.size(), 6, 10, 1, 0, false, false).create(engine, seed)) {
            int[] prime = vocabulary.defaultPrime();
            String whole = Sampler.text(vocabulary, prime, Sampler.generate(model, prime, length, 1.5, new SamplingRng(seed, 0)));
            Watched written = new Watched();
            Sampler.stream(model, vocabulary, prime, length, 1.5, new SamplingRng(seed, 0), new PrintWriter(written));
            assertEquals(whole + System.lineSeparator(), written.toString(), "seed " + seed);
            assertTrue(written.flushes >= length / 64, "flushed " + written.flushes + " times, seed " + seed);
            assertTrue(written.atFirstFlush > 0 && written.atFirstFlush < whole.length() / 2,
                    "first flush after " + written.atFirstFlush + " of " + whole.length() + " characters, seed " + seed);
        }
    }

    @Test
    void charactersStreamAsDecoded() {
        long seed = TestTexts.freshSeed("charactersStreamAsDecoded");
        streamsAsDecoded(CharVocabulary.of("ab c\n.x".codePoints().toArray()), seed);
    }

    @Test
    void wordsStreamAsDecoded() {
        long seed = TestTexts.freshSeed("wordsStreamAsDecoded");
        streamsAsDecoded(WordVocabulary.fromWords(new String[]{WordVocabulary.EOS, WordVocabulary.UNK, "the", "cat", ",", ".",
                "\"", "'", "(", ")", "«", "»", "don't"}), seed);
    }

    @Test
    void lengthsBeyondTheCapAreRefused() {
        try (Engine engine = Wick.cpu();
             LanguageModel model = ModelShape.of(Cell.TANH, 3, 2, 2, 1, 0, false, false).create(engine, 1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> Sampler.generate(model, new int[]{0}, Sampler.MAX_LENGTH + 1, 1.0, new SamplingRng(1, 0), id -> { }));
        }
    }
}
