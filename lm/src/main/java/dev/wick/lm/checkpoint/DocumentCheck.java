package dev.wick.lm.checkpoint;

import dev.wick.lm.data.TokenKind;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.train.OptimizerKind;
import dev.wick.lm.train.SamplingRng;
import dev.wick.lm.train.TrainConfig;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks a parsed checkpoint.json for values no correct save writes (JSON that parsed but was
 * damaged or hand-edited): each value in its range, and the values that follow from others
 * consistent with them (the history has one loss per step, the optimizer's step count is the step,
 * the data position and epoch are where that many steps leave the streams, the file names carry
 * the step, the annealed learning rate is the initial one divided by the anneal factor a whole
 * number of times, the best validation loss is one of the history's, Adam's constants are
 * Adam's, the sampling seed is the one the training seed gives). A version 1 document may lack the fields that came later; in a version 2
 * document a null is allowed only where the field does not apply. Each failure is an
 * IllegalArgumentException naming the field.
 */
final class DocumentCheck {
    private static final Pattern HEX_DIGEST = Pattern.compile("[0-9a-f]{64}");

    private DocumentCheck() {
    }

    static void check(CheckpointDocument d) {
        boolean legacy = d.version() == CheckpointDocument.LEGACY_VERSION;
        require(d.step() >= 0, "step", d.step());
        CheckpointDocument.Model m = present(d.model(), "model");
        present(m.architecture(), "model.architecture");
        require("F32".equals(m.dtype()), "model.dtype", m.dtype());
        if (!legacy) present(m.tokens(), "model.tokens");
        m.shape();
        Tokenization tokenization = m.tokenization();
        require(m.tokenKind() == TokenKind.WORDS ? m.vocabulary() == null : m.words() == null && m.minCount() == null
                && m.maxVocab() == null, "model (a vocabulary of the other kind of tokens)", m.tokens());
        if (!legacy && m.tokenKind() == TokenKind.WORDS) present(m.minCount(), "model.minCount");
        require(m.restoreVocabulary().size() == m.vocabSize(), "model.vocabSize", m.vocabSize());

        CheckpointDocument.Training t = present(d.training(), "training");
        if (!legacy) present(t.anneal(), "training.anneal");
        new TrainConfig(m.embed(), m.hidden(), t.seq(), t.batch(), t.lr(), t.clip(), t.seed(), t.valFraction(),
                optimizerKind(d), t.annealFactor(), tokenization, m.choice());
        CheckpointDocument.Settings s = present(d.settings(), "settings");
        require(s.steps() > 0 && s.evalEvery() > 0 && s.checkpointEvery() > 0 && s.valChunks() >= 0
                && s.sampleLength() >= 0, "settings", s);
        require(d.step() <= s.steps(), "settings.steps (below the step)", s.steps());

        checkHistory(d);
        checkOptimizer(d, legacy);
        checkFile(d.weights(), "weights", "model", d.step());
        checkFile(d.state(), "state", "state", d.step());
        checkData(d, t);
        CheckpointDocument.RandomState r = present(d.random(), "random");
        require(r.samplingSeed() == SamplingRng.forTraining(t.seed()).seed(), "random.samplingSeed (not the one of training.seed)",
                r.samplingSeed());
        require(r.samplingCounter() >= 0, "random.samplingCounter", r.samplingCounter());
        if (legacy) {
            require(d.sha256() == null, "sha256 (a version 1 document has no digest)", d.sha256());
        } else {
            require(HEX_DIGEST.matcher(present(d.sha256(), "sha256")).matches(), "sha256", d.sha256());
        }
    }

    private static void checkOptimizer(CheckpointDocument d, boolean legacy) {
        CheckpointDocument.Optimizer o = present(d.optimizer(), "optimizer");
        require(o.step() == d.step(), "optimizer.step (not the step, " + d.step() + ")", o.step());
        boolean adam = optimizerKind(d) == OptimizerKind.ADAM;
        boolean constants = o.beta1() != null && o.beta2() != null && o.eps() != null && o.weightDecay() != null;
        boolean none = o.beta1() == null && o.beta2() == null && o.eps() == null && o.weightDecay() == null;
        require(adam ? constants : none, "optimizer (Adam's constants)", o);
        if (adam) {
            require(o.beta1() == OptimizerKind.BETA1 && o.beta2() == OptimizerKind.BETA2 && o.eps() == OptimizerKind.EPS
                    && o.weightDecay() == OptimizerKind.WEIGHT_DECAY, "optimizer (Adam's constants)", o);
        }
        if (!legacy) present(o.lr(), "optimizer.lr");
        if (o.lr() != null) {
            require(isAnnealed(d.training().lr(), d.training().annealFactor(), o.lr(), d.history().validation().length),
                    "optimizer.lr (not the initial lr divided by the anneal factor once per validation at most)", o.lr());
        }
        if (o.bestValidation() != null) {
            boolean measured = false;
            for (double[] v : d.history().validation()) measured |= v.length == 2 && v[1] == o.bestValidation();
            require(measured, "optimizer.bestValidation (not a validation loss of the history)", o.bestValidation());
        }
    }

    /** Whether {@code lr} is {@code initial} divided by {@code anneal} k times, in the trainer's arithmetic, for some k <= maxTimes. */
    private static boolean isAnnealed(double initial, double anneal, double lr, int maxTimes) {
        double x = initial;
        for (int k = 0; k <= maxTimes; k++) {
            if (x == lr) return true;
            if (anneal == 1) return false;
            x /= anneal;
        }
        return false;
    }

    private static void checkData(CheckpointDocument d, CheckpointDocument.Training t) {
        CheckpointDocument.Data data = present(d.data(), "data");
        require(!present(data.source(), "data.source").isEmpty(), "data.source", "\"\"");
        require(HEX_DIGEST.matcher(present(data.sha256(), "data.sha256")).matches(), "data.sha256", data.sha256());
        require(Checkpoint.HIDDEN_TENSOR.equals(present(data.hiddenTensor(), "data.hiddenTensor")), "data.hiddenTensor",
                data.hiddenTensor());
        require(data.trainCharacters() >= 0 && data.validationCharacters() >= 0
                && (long) data.trainCharacters() + data.validationCharacters() == data.characters(),
                "data.trainCharacters + data.validationCharacters", data.characters());
        require(data.validationCharacters() == (int) Math.floor(data.characters() * t.valFraction()),
                "data.validationCharacters (not training.valFraction of data.characters)", data.validationCharacters());
        require(data.streams() == t.batch(), "data.streams", data.streams());
        require(data.streamLength() == data.trainCharacters() / t.batch() && data.streamLength() > t.seq(),
                "data.streamLength", data.streamLength());
        int[] offsets = present(data.streamOffsets(), "data.streamOffsets");
        require(offsets.length == data.streams(), "data.streamOffsets length", offsets.length);
        for (int b = 0; b < offsets.length; b++) {
            require(offsets[b] == b * data.streamLength(), "data.streamOffsets[" + b + "]", offsets[b]);
        }
        // Where the trainer's streams stand after d.step() steps: each step reads seq tokens; an epoch
        // ends when the next chunk (seq inputs and one more target) would run past a stream's end.
        int stepsPerEpoch = (data.streamLength() - 1) / t.seq();
        int epoch = d.step() == 0 ? 0 : (d.step() - 1) / stepsPerEpoch;
        int position = d.step() == 0 ? 0 : ((d.step() - 1) % stepsPerEpoch + 1) * t.seq();
        require(data.epoch() == epoch, "data.epoch (step " + d.step() + " is in epoch " + epoch + ")", data.epoch());
        require(data.position() == position, "data.position (step " + d.step() + " ends at " + position + ")",
                data.position());
    }

    private static void checkHistory(CheckpointDocument d) {
        CheckpointDocument.History h = present(d.history(), "history");
        double[][] training = present(h.training(), "history.training");
        present(h.validation(), "history.validation");
        require(training.length == d.step(), "history.training (not one loss per step: " + d.step() + ")",
                training.length + " entries");
        for (int i = 0; i < training.length; i++) {
            require(training[i].length == 2 && training[i][0] == i + 1, "history.training[" + i + "]",
                    Arrays.toString(training[i]));
        }
        double previous = 0;
        for (int i = 0; i < h.validation().length; i++) {
            double[] v = h.validation()[i];
            require(v.length == 2 && v[0] > previous && v[0] <= d.step() && v[0] == Math.rint(v[0]),
                    "history.validation[" + i + "]", Arrays.toString(v));
            previous = v[0];
        }
    }

    private static OptimizerKind optimizerKind(CheckpointDocument d) {
        return OptimizerKind.parse(present(present(d.optimizer(), "optimizer").type(), "optimizer.type"));
    }

    private static void checkFile(CheckpointDocument.FileRef f, String what, String prefix, int step) {
        present(f, what);
        String name = present(f.file(), what + ".file");
        // A plain name in the checkpoint's folder, the one this step's save gives it: never a path that reaches elsewhere.
        require(name.equals(String.format(Locale.ROOT, "%s-%08d.safetensors", prefix, step)), what + ".file", name);
        require(HEX_DIGEST.matcher(present(f.sha256(), what + ".sha256")).matches(), what + ".sha256", f.sha256());
    }

    private static <T> T present(T value, String field) {
        if (value == null) throw new IllegalArgumentException("'" + field + "' is missing");
        return value;
    }

    private static void require(boolean ok, String field, Object value) {
        if (!ok) throw new IllegalArgumentException("'" + field + "' has an impossible value: " + value);
    }
}
