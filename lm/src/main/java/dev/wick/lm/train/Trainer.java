package dev.wick.lm.train;

import dev.wick.autograd.F;
import dev.wick.autograd.StepGraph;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.LanguageModel;
import dev.wick.autograd.optim.GradClip;
import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Seed;
import dev.wick.core.Tensor;
import dev.wick.core.io.StoredTensor;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Streams;
import dev.wick.lm.data.TokenIds;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.model.ModelShape;
import dev.wick.lm.model.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training run's state and its step: the model, the optimizer (Adam or SGD) with its learning
 * rate as annealed so far and the best validation loss, the training streams with their position
 * and the hidden state carried from one chunk to the next (truncated backpropagation through
 * time), the validation split, the loss history and the sampling random state. Everything that
 * decides the future is in {@link #snapshot} and comes back with {@link #restore}, so a resumed
 * run computes exactly the losses of an uninterrupted one.
 */
public final class Trainer implements AutoCloseable {

    private final Engine engine;
    private final TrainConfig config;
    private final Vocabulary vocabulary;
    private final CorpusText text;
    private final DataSplit split;
    private final Streams training;
    private final Streams validation;
    private final ModelShape shape;
    private final LanguageModel model;
    private final List<Variable> parameters;
    private final ModelOptimizer optimizer;
    private final CarriedState carried;
    /** The step's token ids, INT32 [seq, batch], and targets, [seq * batch]: written from the host before each step. */
    private final Tensor inputs;
    private final Tensor targets;
    /** The step's loss and gradient norm (0 without clipping), FLOAT64 [2]: read after each step. */
    private final Tensor results;
    /** The step's dropout seed (INT32 [2], see {@link Seed}): written before each step. */
    private final Tensor dropoutCell;
    /** How the steps run: eagerly, or replayed from a captured graph (see {@link #useGraphs}). */
    private StepGraph steps;
    /** Steps replayed from a graph so far (in this Trainer's life). */
    private int replayedSteps;
    /** A line for people about how steps run, not yet taken by {@link #takeNotice}, or null. */
    private String notice;
    private LossHistory history = new LossHistory();
    /** The lowest validation loss so far; NaN before the first validation. */
    private double bestValidation = Double.NaN;
    private SamplingRng rng;
    private int step;
    private int position;
    private int epoch;

    /**
     * A fresh run: parameters initialised from the config's seed. ids are the text's token ids under
     * {@code vocabulary}, split as {@link DataSplit#of} decided for this config.
     */
    public Trainer(Engine engine, TrainConfig config, Vocabulary vocabulary, CorpusText text, int[] ids, DataSplit split) {
        this(engine, config, vocabulary, text, TokenIds.wrap(ids), split);
    }

    /** As above, with the ids stored compactly. */
    public Trainer(Engine engine, TrainConfig config, Vocabulary vocabulary, CorpusText text, TokenIds ids, DataSplit split) {
        if (split.tokens() != ids.length()) {
            throw new IllegalArgumentException("the split is for " + split.tokens() + " tokens, the text has " + ids.length());
        }
        this.engine = engine;
        this.config = config;
        this.vocabulary = vocabulary;
        this.text = text;
        this.split = split;
        this.training = new Streams(ids, 0, split.trainTokens(), config.batch());
        this.validation = split.hasValidation()
                ? new Streams(ids, split.trainTokens(), ids.length(), split.validationStreams(config.batch()))
                : null;
        this.shape = config.shape(vocabulary.size());
        this.model = shape.create(engine, config.seed());
        this.parameters = model.parameters();
        this.optimizer = new ModelOptimizer(config.optimizer(), model.namedParameters(),
                shape.sparseEmbedding() ? Set.of("embedding.weight") : Set.of(), config.lr());
        this.carried = new CarriedState(engine, model, config.batch());
        this.inputs = engine.zeros(DType.INT32, config.seq(), config.batch());
        this.targets = engine.zeros(DType.INT32, config.seq() * config.batch());
        this.results = engine.zeros(DType.FLOAT64, 2);
        this.dropoutCell = engine.zeros(DType.INT32, 2);
        this.rng = SamplingRng.forTraining(config.seed());
        useGraphs(true);
    }

    /**
     * Whether steps may replay a captured device graph: where the engine has graphs (CUDA) and the
     * step is one a graph can replay, the first step after this runs eagerly (filling the memory
     * cache), the second is captured, and every step replays it: the same kernels on the same
     * memory, so the same bits as eager steps, with one launch instead of hundreds. On by default.
     *
     * @param wanted false to run every step eagerly
     * @return one line for people: how steps run, and why not as a graph where they do not
     */
    public String useGraphs(boolean wanted) {
        if (steps != null) steps.close();
        steps = new StepGraph(engine, wanted);
        return steps.description();
    }

    /** Whether the steps replay a captured graph (see {@link #useGraphs}). */
    public boolean usesGraphs() {
        return steps.replays();
    }

    /**
     * One optimizer step on the next chunk of every stream; returns its mean training loss (nats per
     * token). A loss or gradient norm (with clipping) that is NaN or infinite is a {@link Divergence}.
     * An eager step throws it before the parameters are updated; a replayed graph has updated them
     * by the time its loss is read (nothing inside it waits for the device), so there the run must
     * stop, as {@link TrainingSession} does.
     */
    public double step() {
        if (position + config.seq() + 1 > training.streamLength()) {
            // The streams are used up: a new epoch starts at their beginnings, from a zero state.
            position = 0;
            epoch++;
            carried.zero();
        }
        Streams.Chunk chunk = training.chunk(position, config.seq());
        inputs.copyFromInPlace(chunk.inputs());
        targets.copyFromInPlace(chunk.targets());
        Seed.write(dropoutCell, dropoutSeed(step));
        double[][] eager = new double[1][]; // what an eager step read back and checked, before its update
        boolean replayed;
        try {
            // Before a replay, the host half of the update: this step's scalars, which the graph reads.
            replayed = steps.run(() -> eager[0] = stepOnDevice(true), optimizer::advance, () -> stepOnDevice(false));
        } finally {
            // A capture the device refused leaves the run eager, with the same results: say so once.
            String refusal = steps.takeRefusal();
            if (refusal != null) notice = "training steps: eager from step " + (step + 1) + " on, " + refusal;
        }
        double[] lossAndNorm = eager[0];
        if (replayed) {
            replayedSteps++;
            lossAndNorm = results.toDoubleArray();
            checkFinite(lossAndNorm);
        }
        position += config.seq();
        step++;
        history.addTraining(step, lossAndNorm[0]);
        return lossAndNorm[0];
    }

    /**
     * A line for people about how the steps run, once, when it changed during training (a capture
     * the device refused); null when there is nothing new.
     *
     * @return the line, or null
     */
    public String takeNotice() {
        String n = notice;
        notice = null;
        return n;
    }

    /**
     * Steps replayed from a captured graph so far.
     *
     * @return the count (0 where the steps run eagerly)
     */
    public int replayedSteps() {
        return replayedSteps;
    }

    /**
     * The step's device work: forward, backward, clipping, the update and the carried state.
     * Eagerly, it reads the loss and norm back and checks them before the update (and advances the
     * optimizer there); captured, it neither reads nor writes the host: it leaves the loss and norm
     * in {@code results}, and the optimizer is advanced before each replay.
     */
    private double[] stepOnDevice(boolean eager) {
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            optimizer.zeroGrad();
            LanguageModel.Output out = model.forward(inputs, carried.asInput(), Seed.inDevice(dropoutCell));
            Variable lossVar = F.crossEntropy(out.logits(), targets);
            tape.backward(lossVar);
            double[] lossAndNorm = null;
            if (eager) {
                // Read back (the clip reads its norm, deciding there whether to scale at all: the same
                // bits as the captured step's multiplication by exactly 1) and checked before the update.
                double norm = config.clip() > 0 ? GradClip.clipGlobalNorm(parameters, config.clip()) : 0;
                lossAndNorm = new double[]{lossVar.value().item(), norm};
                checkFinite(lossAndNorm);
                optimizer.advance();
            } else {
                Tensor norm = config.clip() > 0 ? GradClip.clipGlobalNormOnDevice(parameters, config.clip())
                        : engine.zeros(DType.FLOAT64);
                results.copyFromInPlace(Tensor.stack(0, lossVar.value().to(DType.FLOAT64), norm));
            }
            optimizer.update();
            // Only now, after backward has read it as h0, may the carried state change.
            carried.copyFrom(out.state());
            return lossAndNorm;
        }
    }

    private void checkFinite(double[] lossAndNorm) {
        if (!Double.isFinite(lossAndNorm[0])) throw new Divergence(step + 1, "the loss is " + lossAndNorm[0]);
        if (!Double.isFinite(lossAndNorm[1])) throw new Divergence(step + 1, "the gradient norm is " + lossAndNorm[1]);
    }

    /**
     * The dropout masks of step {@code step} (counted from 0): a function of the run's seed and the
     * step alone, so a resumed run draws the masks the uninterrupted one would have.
     */
    private long dropoutSeed(int step) {
        return CounterRng.bits(config.seed() ^ DROPOUT_STREAM, step);
    }

    /** Keeps the dropout masks' random numbers apart from the initial weights' (same run seed). */
    private static final long DROPOUT_STREAM = 0x6472_6F70_6F75_74L;

    /** The validation loss over the first maxChunks chunks (0: the whole split); null without a validation split. */
    public Evaluation validate(int maxChunks) {
        if (validation == null) return null;
        return Evaluator.evaluate(model, validation, config.seq(), maxChunks);
    }

    /**
     * Records a validation loss, and anneals as PyTorch's word_language_model does: a loss that
     * does not improve on the best so far divides the learning rate by the config's anneal factor.
     * Returns whether it did.
     */
    public boolean recordValidation(Evaluation e) {
        history.addValidation(step, e.lossNats());
        if (Double.isNaN(bestValidation) || e.lossNats() < bestValidation) {
            bestValidation = e.lossNats();
            return false;
        }
        if (config.anneal() == 1) return false;
        optimizer.setLearningRate(optimizer.learningRate() / config.anneal());
        return true;
    }

    /** The learning rate the next step uses. */
    public double learningRate() {
        return optimizer.learningRate();
    }

    /** The lowest validation loss so far, NaN before the first. */
    public double bestValidation() {
        return bestValidation;
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

    public LanguageModel model() {
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
        Map<String, StoredTensor> weights = Weights.download(model);
        Map<String, StoredTensor> state = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        if (optimizer.isAdam()) {
            for (String name : names) {
                state.put(Checkpoint.firstMomentName(name), StoredTensor.of(optimizer.moments(name)[0]));
                state.put(Checkpoint.secondMomentName(name), StoredTensor.of(optimizer.moments(name)[1]));
            }
        }
        int[] stateShape = shape.stateShape(config.batch());
        state.put(Checkpoint.HIDDEN_TENSOR, StoredTensor.of(carried.hidden().reshape(stateShape)));
        if (carried.cell() != null) state.put(Checkpoint.CELL_TENSOR, StoredTensor.of(carried.cell()));
        CheckpointDocument doc = new CheckpointDocument(CheckpointDocument.FORMAT, CheckpointDocument.VERSION, step,
                CheckpointDocument.Model.of(shape, vocabulary, config.tokenization()),
                new CheckpointDocument.Training(config.seq(), config.batch(), config.lr(), config.clip(), config.seed(),
                        config.valFraction(), config.anneal()),
                settings,
                optimizerRecord(),
                null, null,
                new CheckpointDocument.Data(text.source(), split.tokens(), text.sha256(), split.trainTokens(),
                        split.validationTokens(), training.count(), training.streamLength(), training.offsets(),
                        position, epoch, Checkpoint.HIDDEN_TENSOR),
                new CheckpointDocument.RandomState(rng.seed(), rng.counter()),
                new CheckpointDocument.History(LossHistory.toArray(history.training()),
                        LossHistory.toArray(history.validation())),
                null);
        return new Checkpoint(doc, weights, state);
    }

    private CheckpointDocument.Optimizer optimizerRecord() {
        Double best = Double.isNaN(bestValidation) ? null : bestValidation;
        if (optimizer.isAdam()) {
            return new CheckpointDocument.Optimizer(config.optimizer().toString(), OptimizerKind.BETA1, OptimizerKind.BETA2,
                    OptimizerKind.EPS, OptimizerKind.WEIGHT_DECAY, optimizer.adamSteps(), optimizer.learningRate(), best);
        }
        return new CheckpointDocument.Optimizer(config.optimizer().toString(), null, null, null, null, step,
                optimizer.learningRate(), best);
    }

    /** Continues from {@code checkpoint}, which must come from a run with this config on this text. */
    public void restore(Checkpoint checkpoint) {
        steps.reset(); // a graph holds the addresses it was captured with: capture again after a restore
        CheckpointDocument d = checkpoint.document();
        if (d.data().streamLength() != training.streamLength() || d.data().trainCharacters() != split.trainTokens()) {
            throw new IllegalArgumentException("the checkpoint's streams (" + d.data().streams() + " of "
                    + d.data().streamLength() + ") do not match this text's (" + training.count() + " of "
                    + training.streamLength() + ")");
        }
        Weights.upload(model, checkpoint.weights());
        if (!config.optimizer().toString().equals(d.optimizer().type())) {
            throw new IllegalArgumentException("the checkpoint's optimizer is " + d.optimizer().type() + ", this run's "
                    + config.optimizer());
        }
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        if (optimizer.isAdam()) {
            for (String name : names) {
                Weights.copyInto(checkpoint.state().get(Checkpoint.firstMomentName(name)), optimizer.moments(name)[0], name);
                Weights.copyInto(checkpoint.state().get(Checkpoint.secondMomentName(name)), optimizer.moments(name)[1], name);
            }
            optimizer.setAdamSteps(d.optimizer().step());
        }
        // Older checkpoints lack both: their learning rate was never annealed, nor a best loss kept.
        optimizer.setLearningRate(d.optimizer().lr() != null ? d.optimizer().lr() : d.training().lr());
        bestValidation = d.optimizer().bestValidation() != null ? d.optimizer().bestValidation() : Double.NaN;
        int[] stateShape = shape.stateShape(config.batch());
        Weights.copyInto(checkpoint.state().get(Checkpoint.HIDDEN_TENSOR), carried.hidden().reshape(stateShape),
                Checkpoint.HIDDEN_TENSOR);
        if (carried.cell() != null) {
            Weights.copyInto(checkpoint.state().get(Checkpoint.CELL_TENSOR), carried.cell(), Checkpoint.CELL_TENSOR);
        }
        step = d.step();
        position = d.data().position();
        epoch = d.data().epoch();
        rng = new SamplingRng(d.random().samplingSeed(), d.random().samplingCounter());
        history = LossHistory.fromArrays(d.history().training(), d.history().validation());
    }

    @Override
    public void close() {
        steps.close();
        inputs.close();
        targets.close();
        results.close();
        dropoutCell.close();
        optimizer.close();
        model.close();
        carried.close();
    }
}
