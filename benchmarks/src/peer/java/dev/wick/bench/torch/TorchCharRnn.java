package dev.wick.bench.torch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
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
 * The char-RNN training step with libtorch through DJL: embedding; then, for the tanh cell, either
 * the per-timestep loop {@code h = tanh(x_t W_xh + h W_hh + b)} of separate ops (as an eager PyTorch
 * user writes it, and as shared/gpu/torch_ref.py does on the GPU) or libtorch's fused rnn_tanh op,
 * and for LSTM and GRU libtorch's fused lstm and gru ops (at::lstm, at::gru: the ops of nn.LSTM and
 * nn.GRU, and of DJL's LSTM and GRU blocks); the linear head; cross-entropy as in
 * {@link TorchWorkloads#crossEntropy}; clipping as torch.nn.utils.clip_grad_norm_ (no host read);
 * DJL's Adam, which on PyTorch is one native update per parameter and zeroes its gradient afterwards.
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
    /**
     * Loop: W_xh [E, H], W_hh [H, H] (both transposed), b [H]. Fused: W_ih [G H, E], W_hh [G H, H],
     * b_ih, and for LSTM and GRU b_hh [G H] (PyTorch's layouts and gate orders, as the problem's).
     */
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
        if (!fused && p.cell() != CharRnnProblem.Cell.TANH) {
            throw new IllegalArgumentException("the per-timestep loop (pytorch-cpu) is written for the tanh RNN only; "
                    + p.cell() + " runs libtorch's fused op: use pytorch-cpu-fused");
        }
        CharRnnProblem.Weights w = p.weights();
        int e = p.embed(), h = p.hidden(), v = p.vocab(), gh = p.cell().gates() * h;
        embedding = root.create(w.embedding(), new Shape(v, e));
        NDArray weightIH = root.create(w.weightIH(), new Shape(gh, e));
        NDArray weightHH = root.create(w.weightHH(), new Shape(gh, h));
        NDArray bias = root.create(w.biasIH(), new Shape(gh));
        if (fused) {
            rnn.add(weightIH);
            rnn.add(weightHH);
            rnn.add(bias);
            if (w.biasHH() != null) rnn.add(root.create(w.biasHH(), new Shape(gh)));
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
        // libtorch's rnn_tanh takes two biases that only ever appear summed; training both would
        // double the bias's Adam step, so the second stays a constant zero and the model stays
        // Wick's CharRnn. LSTM and GRU train both, as Wick's nn.LSTM and nn.GRU do.
        secondBias = fused && w.biasHH() == null ? root.zeros(new Shape(h)) : null;
        adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) p.learningRate())).build();
    }

    private static NDArray contiguousTranspose(NDArray w) {
        NDArray t = w.transpose().duplicate();
        w.close();
        return t;
    }

    /**
     * One step; with {@code read}, returns the loss computed before the update and the clipped
     * gradients ({@link CharRnnProblem#stepResult}), else null.
     */
    private float[] step(boolean read) {
        int steps = p.steps(), batch = p.batch(), hidden = p.hidden();
        try (NDManager run = root.newSubManager()) {
            NDArray x = run.create(inputs, new Shape(steps, batch));
            NDArray y = run.create(targets, new Shape(p.tokens(), 1));
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray e = TorchWorkloads.embedding(x, embedding); // [T, B, E], owned by run
                NDArray hs;
                if (fused) {
                    hs = fusedLayer(e, run.zeros(new Shape(1, batch, hidden)));
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
            float value = read ? loss.getFloat() : Float.NaN;
            List<NDArray> grads = new ArrayList<>();
            for (NDArray param : params) {
                NDArray g = param.getGradient();
                g.attach(run);
                grads.add(g);
            }
            clipGlobalNorm(grads);
            float[] result = read ? CharRnnProblem.stepResult(value, hostGradients(grads)) : null;
            for (int i = 0; i < params.size(); i++) adam.update("p" + i, params.get(i), grads.get(i));
            return result;
        }
    }

    /**
     * The recurrent layer over the whole sequence x [T, B, E] from the zero state h0 [1, B, H], as
     * one libtorch op (no dropout, training mode, one direction, time-major); its output [T, B, H].
     */
    private NDArray fusedLayer(NDArray x, NDArray h0) {
        NDArrayEx ex = x.getNDArrayInternal();
        return switch (p.cell()) {
            case TANH -> ex.rnn(x, h0, new NDList(rnn.get(0), rnn.get(1), rnn.get(2), secondBias), true, 1,
                    RNN.Activation.TANH, 0.0, true, false, false).get(0);
            case LSTM -> ex.lstm(x, new NDList(h0, h0.zerosLike()), new NDList(rnn), true, 1, 0.0, true, false, false).get(0);
            case GRU -> ex.gru(x, h0, new NDList(rnn), true, 1, 0.0, true, false, false).get(0);
        };
    }

    /** The gradients on the host in the problem's layouts (the loop's transposed weights transposed back). */
    private List<float[]> hostGradients(List<NDArray> grads) {
        List<float[]> out = new ArrayList<>();
        for (NDArray g : grads) {
            int i = out.size();
            boolean transposed = !fused && (i == 1 || i == 2);
            out.add((transposed ? g.transpose() : g).toFloatArray());
        }
        return out;
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
        return step(true);
    }

    @Override
    public void close() {
        for (NDArray param : params) param.close();
        if (secondBias != null) secondBias.close();
    }
}
