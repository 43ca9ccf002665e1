package dev.wick.lm.checkpoint;

import dev.wick.lm.data.TokenKind;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.train.OptimizerKind;
import dev.wick.lm.train.TrainConfig;

/**
 * Checks a parsed checkpoint.json for values no correct save writes (JSON that parsed but was
 * damaged or hand-edited): each failure is an IllegalArgumentException naming the field.
 */
final class DocumentCheck {
    private DocumentCheck() {
    }

    static void check(CheckpointDocument d) {
        if (!CheckpointDocument.FORMAT.equals(d.format())) {
            throw new IllegalArgumentException("not a wick-lm checkpoint (format is " + d.format() + ")");
        }
        if (d.version() != CheckpointDocument.VERSION) {
            throw new IllegalArgumentException("checkpoint version " + d.version() + " is not supported (this program reads "
                    + CheckpointDocument.VERSION + ")");
        }
        require(d.step() >= 0, "step", d.step());
        CheckpointDocument.Model m = present(d.model(), "model");
        present(m.architecture(), "model.architecture");
        require("F32".equals(m.dtype()), "model.dtype", m.dtype());
        m.shape();
        Tokenization tokenization = m.tokenization();
        require(m.tokenKind() == TokenKind.WORDS ? m.vocabulary() == null : m.words() == null && m.minCount() == null
                && m.maxVocab() == null, "model (a vocabulary of the other kind of tokens)", m.tokens());
        require(m.restoreVocabulary().size() == m.vocabSize(), "model.vocabSize", m.vocabSize());

        CheckpointDocument.Training t = present(d.training(), "training");
        new TrainConfig(m.embed(), m.hidden(), t.seq(), t.batch(), t.lr(), t.clip(), t.seed(), t.valFraction(),
                optimizerKind(d), t.annealFactor(), tokenization, m.choice());
        CheckpointDocument.Settings s = present(d.settings(), "settings");
        require(s.steps() > 0 && s.evalEvery() > 0 && s.checkpointEvery() > 0 && s.valChunks() >= 0
                && s.sampleLength() >= 0, "settings", s);

        CheckpointDocument.Optimizer o = present(d.optimizer(), "optimizer");
        require(o.step() >= 0, "optimizer.step", o.step());
        require(o.lr() == null || (o.lr() > 0 && o.lr() <= t.lr()), "optimizer.lr", o.lr());
        require(optimizerKind(d) == OptimizerKind.SGD || (o.beta1() != null && o.beta2() != null && o.eps() != null
                && o.weightDecay() != null), "optimizer (Adam's constants)", o);
        checkFile(d.weights(), "weights");
        checkFile(d.state(), "state");

        CheckpointDocument.Data data = present(d.data(), "data");
        present(data.source(), "data.source");
        present(data.sha256(), "data.sha256");
        present(data.hiddenTensor(), "data.hiddenTensor");
        require(data.trainCharacters() >= 0 && data.validationCharacters() >= 0
                && (long) data.trainCharacters() + data.validationCharacters() == data.characters(),
                "data.trainCharacters + data.validationCharacters", data.characters());
        require(data.streams() == t.batch(), "data.streams", data.streams());
        require(data.streamLength() == data.trainCharacters() / t.batch() && data.streamLength() > t.seq(),
                "data.streamLength", data.streamLength());
        int[] offsets = present(data.streamOffsets(), "data.streamOffsets");
        require(offsets.length == data.streams(), "data.streamOffsets length", offsets.length);
        for (int b = 0; b < offsets.length; b++) {
            require(offsets[b] == b * data.streamLength(), "data.streamOffsets[" + b + "]", offsets[b]);
        }
        require(data.position() >= 0 && data.position() < data.streamLength(), "data.position", data.position());
        require(data.epoch() >= 0, "data.epoch", data.epoch());
        present(d.random(), "random");
        require(d.random().samplingCounter() >= 0, "random.samplingCounter", d.random().samplingCounter());
        CheckpointDocument.History h = present(d.history(), "history");
        present(h.training(), "history.training");
        present(h.validation(), "history.validation");
    }

    private static OptimizerKind optimizerKind(CheckpointDocument d) {
        return OptimizerKind.parse(present(present(d.optimizer(), "optimizer").type(), "optimizer.type"));
    }

    private static void checkFile(CheckpointDocument.FileRef f, String what) {
        present(f, what);
        String name = present(f.file(), what + ".file");
        // A plain name in the checkpoint's folder: never a path that reaches elsewhere.
        require(!name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.startsWith("."),
                what + ".file", name);
        present(f.sha256(), what + ".sha256");
    }

    private static <T> T present(T value, String field) {
        if (value == null) throw new IllegalArgumentException("'" + field + "' is missing");
        return value;
    }

    private static void require(boolean ok, String field, Object value) {
        if (!ok) throw new IllegalArgumentException("'" + field + "' has an impossible value: " + value);
    }
}
