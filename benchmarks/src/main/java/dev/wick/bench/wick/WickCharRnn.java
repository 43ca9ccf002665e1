package dev.wick.bench.wick;

import dev.wick.autograd.F;
import dev.wick.autograd.StepGraph;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.CharRnn;
import dev.wick.autograd.nn.Embedding;
import dev.wick.autograd.nn.GRU;
import dev.wick.autograd.nn.LSTM;
import dev.wick.autograd.nn.Linear;
import dev.wick.autograd.nn.Module;
import dev.wick.autograd.nn.Recurrent;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.Workload;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The char-RNN training step with Wick's modules: for the tanh cell the CharRnn model (its RNN is
 * F.rnnTanh, one composite tape node); for LSTM and GRU an Embedding, nn.LSTM or nn.GRU (F.lstm,
 * F.gru: one tape node per layer) and a Linear head. Then global-norm clipping and Adam, each step
 * in its own memory scope, as wick-lm trains. On an engine with device graphs (CUDA) the measured
 * steps replay one captured after an eager step, as wick-lm does, unless the system property
 * {@code wick.bench.graphs} is {@code false}; the batch is uploaded before each step either way.
 */
final class WickCharRnn implements Workload {
    /** A language model: its parameters in the order of {@link CharRnnProblem.Weights#inOrder()} and its loss. */
    interface Model extends Module {
        Variable loss(Tensor inputs, Tensor targets);
    }

    private final Engine engine;
    private final CharRnnProblem p;
    private final Model model;
    private final List<Variable> params;
    private final Adam adam;
    /** The step's token ids and targets, written from the host before each step. */
    private final Tensor inputs;
    private final Tensor targets;
    /** Eager steps, or on an engine with device graphs one captured after an eager step and replayed. */
    private final StepGraph steps;

    WickCharRnn(Engine engine, CharRnnProblem p) {
        this.engine = engine;
        this.p = p;
        model = p.cell() == CharRnnProblem.Cell.TANH ? tanhModel(engine, p) : gatedModel(engine, p);
        params = model.parameters();
        List<float[]> weights = p.weights().inOrder();
        if (weights.size() != params.size()) {
            throw new IllegalStateException(p.cell() + ": " + params.size() + " parameters, " + weights.size() + " weights given");
        }
        for (int i = 0; i < params.size(); i++) load(params.get(i), weights.get(i));
        adam = new Adam(params, p.learningRate());
        inputs = engine.zeros(DType.INT32, p.steps(), p.batch());
        targets = engine.zeros(DType.INT32, p.tokens());
        steps = new StepGraph(engine, !"false".equalsIgnoreCase(System.getProperty("wick.bench.graphs", "").trim()));
    }

    private static Model tanhModel(Engine engine, CharRnnProblem p) {
        CharRnn rnn = new CharRnn(engine, DType.FLOAT32, p.vocab(), p.embed(), p.hidden(), 1);
        return new Model() {
            @Override
            public Variable loss(Tensor inputs, Tensor targets) {
                return rnn.loss(inputs, targets, null);
            }

            @Override
            public Map<String, Variable> namedParameters() {
                return rnn.namedParameters();
            }
        };
    }

    /** Embedding -> nn.LSTM or nn.GRU (one layer, both biases, from a zero state) -> Linear, mean cross-entropy. */
    static Model gatedModel(Engine engine, CharRnnProblem p) {
        Embedding embedding = new Embedding(engine, DType.FLOAT32, p.vocab(), p.embed(), 1);
        Recurrent rnn = p.cell() == CharRnnProblem.Cell.LSTM
                ? new LSTM(engine, DType.FLOAT32, p.embed(), p.hidden(), 2)
                : new GRU(engine, DType.FLOAT32, p.embed(), p.hidden(), 2);
        Linear head = new Linear(engine, DType.FLOAT32, p.hidden(), p.vocab(), 3);
        return new Model() {
            @Override
            public Variable loss(Tensor inputs, Tensor targets) {
                Variable hs = rnn.forward(embedding.forward(inputs), null, 0).output();
                return F.crossEntropy(head.forward(F.reshape(hs, p.tokens(), p.hidden())), targets);
            }

            @Override
            public Map<String, Variable> namedParameters() {
                Map<String, Variable> m = new LinkedHashMap<>();
                embedding.namedParameters().forEach((k, v) -> m.put("embedding." + k, v));
                rnn.namedParameters().forEach((k, v) -> m.put("rnn." + k, v));
                head.namedParameters().forEach((k, v) -> m.put("head." + k, v));
                return m;
            }
        };
    }

    private void load(Variable param, float[] values) {
        try (Tensor t = engine.fromFloats(values, param.shape().dims())) {
            param.value().copyFromInPlace(t);
        }
    }

    /**
     * One eager step on the uploaded batch; with {@code read}, returns the loss and then every
     * parameter's clipped gradient (read back only when asked: reading waits for the device), else null.
     */
    private float[] step(boolean read) {
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            adam.zeroGrad();
            Variable loss = model.loss(inputs, targets);
            float value = read ? (float) loss.value().item() : Float.NaN;
            tape.backward(loss);
            GradClip.clipGlobalNorm(params, p.clipNorm());
            List<float[]> grads = new ArrayList<>();
            if (read) {
                for (Variable param : params) grads.add(param.grad().toFloatArray());
            }
            adam.step();
            engine.backend().synchronize();
            return read ? CharRnnProblem.stepResult(value, grads) : null;
        }
    }

    /** A fresh batch arrives every step: the upload is part of it. */
    private void upload() {
        inputs.copyFromInPlace(p.inputs());
        targets.copyFromInPlace(p.targets());
    }

    @Override
    public void run() {
        upload();
        steps.run(() -> step(false), adam::advance, this::capturedStep);
        String refusal = steps.takeRefusal();
        // A benchmark of graph-replayed steps must not quietly measure eager ones.
        if (refusal != null) throw new IllegalStateException("the device refused to capture the step: " + refusal);
        engine.backend().synchronize();
    }

    /** The step's device work as a graph captures it: nothing read back, Adam's scalars written by advance(). */
    private void capturedStep() {
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            adam.zeroGrad();
            tape.backward(model.loss(inputs, targets));
            GradClip.clipGlobalNormOnDevice(params, p.clipNorm());
            adam.update();
        }
    }

    @Override
    public float[] result() {
        upload();
        return step(true);
    }

    @Override
    public void close() {
        steps.close();
        inputs.close();
        targets.close();
        adam.close();
        model.close();
    }
}
