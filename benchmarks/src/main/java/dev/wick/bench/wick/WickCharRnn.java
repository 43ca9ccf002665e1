package dev.wick.bench.wick;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.Embedding;
import dev.wick.autograd.nn.Linear;
import dev.wick.autograd.nn.RNN;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.Workload;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The char-RNN training step with Wick's nn layers (the RNN is F.rnnTanh, one composite tape node),
 * global-norm clipping and Adam, each step in its own memory scope, as wick-lm trains.
 */
final class WickCharRnn implements Workload {
    private final Engine engine;
    private final CharRnnProblem p;
    private final Embedding embedding;
    private final RNN rnn;
    private final Linear head;
    private final List<Variable> params = new ArrayList<>();
    private final Adam adam;

    WickCharRnn(Engine engine, CharRnnProblem p) {
        this.engine = engine;
        this.p = p;
        embedding = new Embedding(engine, DType.FLOAT32, p.vocab(), p.embed(), 1);
        rnn = new RNN(engine, DType.FLOAT32, p.embed(), p.hidden(), 2);
        head = new Linear(engine, DType.FLOAT32, p.hidden(), p.vocab(), 3);
        CharRnnProblem.Weights w = p.weights();
        load(embedding.weight(), w.embedding());
        load(rnn.weightIH(), w.weightIH());
        load(rnn.weightHH(), w.weightHH());
        load(rnn.bias(), w.bias());
        load(head.weight(), w.headWeight());
        load(head.bias(), w.headBias());
        params.addAll(embedding.parameters());
        params.addAll(rnn.parameters());
        params.addAll(head.parameters());
        adam = new Adam(params, p.learningRate());
    }

    private void load(Variable param, float[] values) {
        try (Tensor t = engine.fromFloats(values, param.shape().dims())) {
            param.value().copyFromInPlace(t);
        }
    }

    /** One step; returns the loss (read back only when asked: reading waits for the device). */
    private double step(boolean readLoss) {
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            // A fresh batch arrives every step: the upload is part of it.
            Tensor inputs = engine.fromInts(p.inputs(), p.steps(), p.batch());
            Tensor targets = engine.fromInts(p.targets(), p.tokens());
            adam.zeroGrad();
            Variable hs = rnn.forward(embedding.forward(inputs), null);
            Variable logits = head.forward(F.reshape(hs, p.tokens(), p.hidden()));
            Variable loss = F.crossEntropy(logits, targets);
            double value = readLoss ? loss.value().item() : Double.NaN;
            tape.backward(loss);
            GradClip.clipGlobalNorm(params, p.clipNorm());
            adam.step();
            engine.backend().synchronize();
            return value;
        }
    }

    @Override
    public void run() {
        step(false);
    }

    @Override
    public float[] result() {
        return new float[]{(float) step(true)};
    }

    @Override
    public void close() {
        adam.close();
        embedding.close();
        rnn.close();
        head.close();
    }
}
