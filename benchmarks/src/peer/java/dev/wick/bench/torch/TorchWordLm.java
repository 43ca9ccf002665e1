package dev.wick.bench.torch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.wick.lm.data.Streams;
import dev.wick.lm.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * PyTorch's examples/word_language_model (main.py with --model LSTM, --tied or not) on libtorch
 * through DJL: embedding -> dropout -> libtorch's fused multi-layer LSTM (at::lstm, the op of
 * nn.LSTM, with its dropout between layers) -> dropout -> linear head, its weight the embedding's
 * when tied; mean cross-entropy; clip_grad_norm_; p -= lr * grad; the hidden state carried across
 * chunks, detached, and zeroed at each epoch's start. Initial weights from a Java generator, with
 * the distributions of PyTorch's modules: tied, as main.py draws them (embedding U(-0.1, 0.1), head
 * bias 0); untied, as Wick's RnnLanguageModel does (embedding N(0, 1) as nn.Embedding's default,
 * head U(-1/sqrt(H), 1/sqrt(H)) as nn.Linear's); LSTM U(-1/sqrt(H), 1/sqrt(H)) as nn.LSTM's
 * default. Dropout masks from libtorch's generator. It reads chunks of wick-lm's streams
 * ({@link WordLmData}) or any others of the same layout.
 */
final class TorchWordLm implements AutoCloseable {
    private final Engine engine;
    private final NDManager root;
    private final TrainConfig config;
    private final int vocab;
    private final int layers;
    private final float dropout;
    private final NDArray embedding;
    private final NDArray headWeight;
    private final NDArray headBias;
    /** w_ih_l0, w_hh_l0, b_ih_l0, b_hh_l0, w_ih_l1, ...: nn.LSTM's flat weights. */
    private final List<NDArray> lstm = new ArrayList<>();
    private final List<NDArray> params = new ArrayList<>();
    private NDManager stateManager;
    private NDList state;
    private double lr;

    TorchWordLm(TrainConfig config, int vocab, long seed) {
        TorchSetup.prepare();
        this.engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) seed);
        this.root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        this.config = config;
        this.vocab = vocab;
        this.layers = config.model().layers();
        this.dropout = (float) config.model().dropout();
        this.lr = config.lr();
        int e = config.embed(), h = config.hidden();
        boolean tied = config.model().tied();
        SplittableRandom random = new SplittableRandom(seed);
        double k = 1 / Math.sqrt(h);
        embedding = tied ? uniform(random, 0.1, vocab, e) : normal(random, vocab, e);
        for (int l = 0; l < layers; l++) {
            lstm.add(uniform(random, k, 4 * h, l == 0 ? e : h));
            lstm.add(uniform(random, k, 4 * h, h));
            lstm.add(uniform(random, k, 4 * h));
            lstm.add(uniform(random, k, 4 * h));
        }
        headWeight = tied ? embedding : uniform(random, k, vocab, h);
        headBias = tied ? root.zeros(new Shape(vocab)) : uniform(random, k, vocab);
        params.add(embedding);
        params.addAll(lstm);
        if (!tied) params.add(headWeight);
        params.add(headBias);
        for (NDArray p : params) p.setRequiresGradient(true);
    }

    private NDArray uniform(SplittableRandom random, double bound, long... shape) {
        return fill(() -> (random.nextDouble() * 2 - 1) * bound, shape);
    }

    private NDArray normal(SplittableRandom random, long... shape) {
        Random gaussian = new Random(random.nextLong());
        return fill(gaussian::nextGaussian, shape);
    }

    private NDArray fill(DoubleSupplier values, long... shape) {
        Shape s = new Shape(shape);
        float[] v = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < v.length; i++) v[i] = (float) values.getAsDouble();
        return root.create(v, s);
    }

    String description() {
        return "PyTorch " + engine.getVersion() + " through DJL " + Engine.getDjlVersion() + ", " + JniUtils.getNumThreads()
                + " intra-op threads";
    }

    double learningRate() {
        return lr;
    }

    /** lr /= factor, as main.py does after a validation loss that does not improve on the best. */
    void anneal() {
        lr /= config.anneal();
    }

    /** Zeros for the carried state: a new epoch, as main.py's init_hidden at each epoch's start. */
    void resetState() {
        NDManager next = root.newSubManager();
        Shape s = new Shape(layers, config.batch(), config.hidden());
        replaceState(next, new NDList(next.zeros(s), next.zeros(s)));
    }

    private void replaceState(NDManager next, NDList detached) {
        if (stateManager != null) stateManager.close();
        stateManager = next;
        state = detached;
    }

    /** One training step on a chunk; returns its mean loss (nats per token). */
    double step(Streams.Chunk chunk) {
        try (NDManager run = root.newSubManager()) {
            NDArray x = run.create(TorchWorkloads.asLongs(chunk.inputs()), new Shape(chunk.steps(), chunk.streams()));
            NDArray y = run.create(TorchWorkloads.asLongs(chunk.targets()), new Shape((long) chunk.steps() * chunk.streams(), 1));
            NDArray loss;
            NDList out;
            try (GradientCollector collector = engine.newGradientCollector()) {
                out = forward(x, state, true);
                loss = TorchWorkloads.crossEntropy(logits(out.get(0), true), y);
                collector.backward(loss);
            }
            float value = loss.getFloat();
            NDManager next = root.newSubManager();
            NDList detached = new NDList(out.get(1).stopGradient(), out.get(2).stopGradient());
            detached.attach(next);
            replaceState(next, detached);
            List<NDArray> grads = new ArrayList<>(params.size());
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                g.attach(run);
                grads.add(g);
            }
            clip(grads);
            for (int i = 0; i < params.size(); i++) {
                params.get(i).subi(grads.get(i).mul((float) lr));
                grads.get(i).subi(grads.get(i)); // zero_grad, as DJL's GradientCollector.zeroGradients does
            }
            return value;
        }
    }

    /** The embedding, its dropout, the fused LSTM from {@code hidden}: [output, h_n, c_n]. */
    private NDList forward(NDArray x, NDList hidden, boolean training) {
        NDArray e = TorchWorkloads.embedding(x, embedding);
        if (training) e = e.getNDArrayInternal().dropout(e, dropout, true).singletonOrThrow();
        return e.getNDArrayInternal().lstm(e, hidden, new NDList(lstm), true, layers, dropout, training, false, false);
    }

    /** Dropout on the LSTM's output (while training), then the head: [T B, V]. */
    private NDArray logits(NDArray output, boolean training) {
        NDArray o = training ? output.getNDArrayInternal().dropout(output, dropout, true).singletonOrThrow() : output;
        NDArray flat = o.reshape(-1, config.hidden());
        return flat.getNDArrayInternal().linear(flat, headWeight, headBias).singletonOrThrow();
    }

    /** clip_grad_norm_(max_norm): every gradient times min(1, max_norm / (total norm + 1e-6)). */
    private void clip(List<NDArray> grads) {
        NDList squares = new NDList(grads.size());
        for (NDArray g : grads) squares.add(g.square().sum());
        NDArray norm = NDArrays.stack(squares).sum().sqrt();
        NDArray scale = norm.add(1e-6f).pow(-1).mul((float) config.clip()).minimum(1f);
        for (NDArray g : grads) g.muli(scale);
    }

    /** Mean loss per token over every chunk of the streams, from a zero state, without dropout. */
    double evaluate(Streams streams) {
        int seq = config.seq(), count = streams.count();
        double weightedSum = 0;
        long tokens = 0;
        try (NDManager eval = root.newSubManager()) {
            Shape s = new Shape(layers, count, config.hidden());
            NDList hidden = new NDList(eval.zeros(s), eval.zeros(s));
            int position = 0;
            for (int c = 0, all = streams.allChunks(seq); c < all; c++) {
                int steps = streams.stepsAt(position, seq);
                Streams.Chunk chunk = streams.chunk(position, steps);
                try (NDManager run = eval.newSubManager()) {
                    NDArray x = run.create(TorchWorkloads.asLongs(chunk.inputs()), new Shape(steps, count));
                    NDArray y = run.create(TorchWorkloads.asLongs(chunk.targets()), new Shape((long) steps * count, 1));
                    NDList out = forward(x, hidden, false);
                    double loss = TorchWorkloads.crossEntropy(logits(out.get(0), false), y).getFloat();
                    long n = (long) steps * count;
                    weightedSum += loss * n;
                    tokens += n;
                    hidden = new NDList(out.get(1), out.get(2));
                    hidden.attach(eval);
                }
                position += steps;
            }
        }
        return weightedSum / tokens;
    }

    @Override
    public void close() {
        if (stateManager != null) stateManager.close();
        root.close();
    }
}
