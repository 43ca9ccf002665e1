package dev.wick.lm.train;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.CharRnn;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.checkpoint.HostTensor;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Streams;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.model.ModelShape;
import dev.wick.lm.model.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training run's state and its step: the model, Adam, the training streams with their position
 * and the hidden state carried from one chunk to the next (truncated backpropagation through
 * time), the validation split, the loss history and the sampling random state. Everything that
 * decides the future is in {@link #snapshot} and comes back with {@link #restore}, so a resumed
 * run computes exactly the losses of an uninterrupted one.
 */
public final class Trainer implements AutoCloseable {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8, WEIGHT_DECAY = 0.0;

    private final Engine engine;
    private final TrainConfig config;
    private final Vocabulary vocabulary;
    private final CorpusText text;
    private final DataSplit split;
    private final Streams training;
    private final Streams validation;
    private final ModelShape shape;
    private final CharRnn model;
    private final List<Variable> parameters;
    private final Adam adam;
    private final Tensor carriedHidden;
    private LossHistory history = new LossHistory();
    private SamplingRng rng;
    private int step;
    private int position;
    private int epoch;

    /**
     * A fresh run: parameters initialised from the config's seed. ids are the text's character ids,
     * split as {@link DataSplit#of} decided for this config.
     */
    public Trainer(Engine engine, TrainConfig config, Vocabulary vocabulary, CorpusText text, int[] ids, DataSplit split) {
        if (split.characters() != ids.length) {
            throw new IllegalArgumentException("the split is for " + split.characters() + " characters, the text has " + ids.length);
        }
        this.engine = engine;
        this.config = config;
        this.vocabulary = vocabulary;
        this.text = text;
        this.split = split;
        this.training = new Streams(ids, 0, split.trainCharacters(), config.batch());
        this.validation = split.hasValidation()
                ? new Streams(ids, split.trainCharacters(), ids.length, split.validationStreams(config.batch()))
                : null;
        this.shape = new ModelShape(vocabulary.size(), config.embed(), config.hidden());
        this.model = shape.create(engine, config.seed());
        this.parameters = model.parameters();
        this.adam = new Adam(parameters, config.lr(), BETA1, BETA2, EPS, WEIGHT_DECAY);
        this.carriedHidden = engine.zeros(DType.FLOAT32, config.batch(), config.hidden());
        this.rng = SamplingRng.forTraining(config.seed());
    }

    /** One optimizer step on the next chunk of every stream; returns its mean training loss (nats per character). */
    public double step() {
        if (position + config.seq() + 1 > training.streamLength()) {
            // The streams are used up: a new epoch starts at their beginnings, from a zero state.
            position = 0;
            epoch++;
            carriedHidden.zeroInPlace();
        }
        Streams.Chunk chunk = training.chunk(position, config.seq());
        double loss;
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            adam.zeroGrad();
            Tensor inputs = engine.fromInts(chunk.inputs(), config.seq(), config.batch());
            Tensor targets = engine.fromInts(chunk.targets(), config.seq() * config.batch());
            CharRnn.Output out = model.forward(inputs, Variable.constant(carriedHidden));
            Variable lossVar = F.crossEntropy(out.logits(), targets);
            tape.backward(lossVar);
            loss = lossVar.value().item();
            if (config.clip() > 0) GradClip.clipGlobalNorm(parameters, config.clip());
            adam.step();
            // Only now, after backward has read it as h0, may the carried state change.
            carriedHidden.copyFromInPlace(out.lastHidden().value());
        }
        position += config.seq();
        step++;
        history.addTraining(step, loss);
        return loss;
    }

    /** The validation loss over the first maxChunks chunks (0: the whole split); null without a validation split. */
    public Evaluation validate(int maxChunks) {
        if (validation == null) return null;
        return Evaluator.evaluate(model, validation, config.seq(), maxChunks);
    }

    public void recordValidation(Evaluation e) {
        history.addValidation(step, e.lossNats());
    }

    /** Steps that read every training stream once. */
    public int stepsPerEpoch() {
        return split.stepsPerEpoch(config);
    }

    public int stepCount() {
        return step;
    }

    /** The pass over the training streams (from 0) the last step read from. */
    public int epoch() {
        return epoch;
    }

    public LossHistory history() {
        return history;
    }

    public CharRnn model() {
        return model;
    }

    public ModelShape shape() {
        return shape;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public SamplingRng rng() {
        return rng;
    }

    public DataSplit split() {
        return split;
    }

    public TrainConfig config() {
        return config;
    }

    /** Everything that decides the rest of the run, copied to the host; file references are left to the store. */
    public Checkpoint snapshot(CheckpointDocument.Settings settings) {
        Map<String, HostTensor> weights = Weights.download(model);
        Map<String, HostTensor> state = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        for (int i = 0; i < names.size(); i++) {
            state.put(Checkpoint.firstMomentName(names.get(i)), HostTensor.of(adam.firstMoment(i)));
            state.put(Checkpoint.secondMomentName(names.get(i)), HostTensor.of(adam.secondMoment(i)));
        }
        state.put(Checkpoint.HIDDEN_TENSOR, HostTensor.of(carriedHidden));
        CheckpointDocument doc = new CheckpointDocument(CheckpointDocument.FORMAT, CheckpointDocument.VERSION, step,
                new CheckpointDocument.Model("char-rnn-tanh", "F32", vocabulary.size(), config.embed(), config.hidden(),
                        vocabulary.codePoints()),
                new CheckpointDocument.Training(config.seq(), config.batch(), config.lr(), config.clip(), config.seed(),
                        config.valFraction()),
                settings,
                new CheckpointDocument.Optimizer("adam", BETA1, BETA2, EPS, WEIGHT_DECAY, adam.stepCount()),
                null, null,
                new CheckpointDocument.Data(text.source(), split.characters(), text.sha256(), split.trainCharacters(),
                        split.validationCharacters(), training.count(), training.streamLength(), training.offsets(),
                        position, epoch, Checkpoint.HIDDEN_TENSOR),
                new CheckpointDocument.RandomState(rng.seed(), rng.counter()),
                new CheckpointDocument.History(LossHistory.toArray(history.training()),
                        LossHistory.toArray(history.validation())));
        return new Checkpoint(doc, weights, state);
    }

    /** Continues from {@code checkpoint}, which must come from a run with this config on this text. */
    public void restore(Checkpoint checkpoint) {
        CheckpointDocument d = checkpoint.document();
        if (d.data().streamLength() != training.streamLength() || d.data().trainCharacters() != split.trainCharacters()) {
            throw new IllegalArgumentException("the checkpoint's streams (" + d.data().streams() + " of "
                    + d.data().streamLength() + ") do not match this text's (" + training.count() + " of "
                    + training.streamLength() + ")");
        }
        Weights.upload(model, checkpoint.weights());
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        for (int i = 0; i < names.size(); i++) {
            checkpoint.state().get(Checkpoint.firstMomentName(names.get(i))).copyInto(adam.firstMoment(i), names.get(i));
            checkpoint.state().get(Checkpoint.secondMomentName(names.get(i))).copyInto(adam.secondMoment(i), names.get(i));
        }
        adam.setStepCount(d.optimizer().step());
        checkpoint.state().get(Checkpoint.HIDDEN_TENSOR).copyInto(carriedHidden, Checkpoint.HIDDEN_TENSOR);
        step = d.step();
        position = d.data().position();
        epoch = d.data().epoch();
        rng = new SamplingRng(d.random().samplingSeed(), d.random().samplingCounter());
        history = LossHistory.fromArrays(d.history().training(), d.history().validation());
    }

    @Override
    public void close() {
        adam.close();
        model.close();
        carriedHidden.close();
    }
}
