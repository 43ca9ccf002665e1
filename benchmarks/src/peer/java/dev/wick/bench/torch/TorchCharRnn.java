package dev.wick.bench.torch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.recurrent.RNN;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.Workload;

import java.util.ArrayList;
import java.util.List;

/**
 * The char-RNN training step with libtorch through DJL: embedding, then either the per-timestep
 * loop {@code h = tanh(x_t W_xh + h W_hh + b)} of separate ops (as an eager PyTorch user writes
 * it, and as shared/gpu/torch_ref.py does on the GPU) or libtorch's fused rnn_tanh op; the linear
 * head; cross-entropy as in {@link TorchWorkloads#crossEntropy}; clipping as
 * torch.nn.utils.clip_grad_norm_ (no host read); DJL's Adam, which on PyTorch is one native
 * update per parameter and zeroes its gradient afterwards.
 */
final class TorchCharRnn implements Workload {
    private final Engine engine;
    private final NDManager root;
    private final CharRnnProblem p;
    private final boolean fused;
    private final long[] inputs;
    private final long[] targets;
    private final NDArray embedding;
    private final NDArray headWeight;
    private final NDArray headBias;
    /** Loop: W_xh [E, H], W_hh [H, H] (both transposed), b [H]. Fused: W_ih [H, E], W_hh [H, H], b. */
    private final List<NDArray> rnn = new ArrayList<>();
    private final NDArray secondBias;
    private final List<NDArray> params = new ArrayList<>();
    private final Optimizer adam;

    TorchCharRnn(Engine engine, NDManager root, CharRnnProblem p, boolean fused) {
        this.engine = engine;
        this.root = root;
        this.p = p;
        this.fused = fused;
        this.inputs = TorchWorkloads.asLongs(p.inputs());
        this.targets = TorchWorkloads.asLongs(p.targets());
        CharRnnProblem.Weights w = p.weights();
        int e = p.embed(), h = p.hidden(), v = p.vocab();
        embedding = root.create(w.embedding(), new Shape(v, e));
        NDArray weightIH = root.create(w.weightIH(), new Shape(h, e));
        NDArray weightHH = root.create(w.weightHH(), new Shape(h, h));
        NDArray bias = root.create(w.bias(), new Shape(h));
        if (fused) {
            rnn.add(weightIH);
            rnn.add(weightHH);
            rnn.add(bias);
        } else {
            rnn.add(contiguousTranspose(weightIH));
            rnn.add(contiguousTranspose(weightHH));
            rnn.add(bias);
        }
        headWeight = root.create(w.headWeight(), new Shape(v, h));
        headBias = root.create(w.headBias(), new Shape(v));
        params.add(embedding);
        params.addAll(rnn);
        params.add(headWeight);
        params.add(headBias);
        for (NDArray param : params) param.setRequiresGradient(true);
        // libtorch's op takes two biases that only ever appear summed; training both would double
        // the bias's Adam step, so the second stays a constant zero and the model stays Wick's.
        secondBias = fused ? root.zeros(new Shape(h)) : null;
        adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) p.learningRate())).build();
    }

    private static NDArray contiguousTranspose(NDArray w) {
        NDArray t = w.transpose().duplicate();
        w.close();
        return t;
    }

    /** One step; returns the loss computed before the update. */
    private float step(boolean readLoss) {
        int steps = p.steps(), batch = p.batch(), hidden = p.hidden();
        try (NDManager run = root.newSubManager()) {
            NDArray x = run.create(inputs, new Shape(steps, batch));
            NDArray y = run.create(targets, new Shape(p.tokens(), 1));
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray e = TorchWorkloads.embedding(x, embedding); // [T, B, E], owned by run
                NDArray hs;
                if (fused) {
                    NDArray h0 = run.zeros(new Shape(1, batch, hidden));
                    hs = e.getNDArrayInternal().rnn(e, h0, new NDList(rnn.get(0), rnn.get(1), rnn.get(2), secondBias), true, 1,
                            RNN.Activation.TANH, 0.0, true, false, false).get(0);
                } else {
                    NDArray h = run.zeros(new Shape(batch, hidden));
                    NDList outputs = new NDList(steps);
                    for (int t = 0; t < steps; t++) {
                        h = e.get(t).matMul(rnn.get(0)).add(h.matMul(rnn.get(1))).add(rnn.get(2)).tanh();
                        outputs.add(h);
                    }
                    hs = NDArrays.stack(outputs, 0);
                }
                NDArray flat = hs.reshape(p.tokens(), hidden);
                NDArray logits = flat.getNDArrayInternal().linear(flat, headWeight, headBias).singletonOrThrow();
                loss = TorchWorkloads.crossEntropy(logits, y);
                collector.backward(loss);
            }
            float value = readLoss ? loss.getFloat() : Float.NaN;
            List<NDArray> grads = new ArrayList<>();
            for (NDArray param : params) {
                NDArray g = param.getGradient();
                g.attach(run);
                grads.add(g);
            }
            clipGlobalNorm(grads);
            for (int i = 0; i < params.size(); i++) adam.update("p" + i, params.get(i), grads.get(i));
            return value;
        }
    }

    /** clip_grad_norm_: every gradient times min(1, maxNorm / (norm + 1e-6)), all on the device side. */
    private void clipGlobalNorm(List<NDArray> grads) {
        NDList norms = new NDList(grads.size());
        for (NDArray g : grads) norms.add(g.norm());
        NDArray total = NDArrays.stack(norms).norm();
        NDArray factor = total.add(1e-6f).pow(-1).mul((float) p.clipNorm()).minimum(1f);
        for (NDArray g : grads) g.muli(factor);
    }

    @Override
    public void run() {
        step(false);
    }

    @Override
    public float[] result() {
        return new float[]{step(true)};
    }

    @Override
    public void close() {
        for (NDArray param : params) param.close();
        if (secondBias != null) secondBias.close();
    }
}
