package dev.wick.lm.train;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.CharRnn;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.lm.data.Streams;

/**
 * The mean loss per token of a model over a text laid out as streams, read chunk by chunk
 * with the hidden state carried along (as in training), without recording gradients.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /** Over the first {@code maxChunks} chunks of every stream (0: all of them, the last possibly short). */
    public static Evaluation evaluate(CharRnn model, Streams streams, int seq, int maxChunks) {
        int all = streams.allChunks(seq);
        int chunks = maxChunks <= 0 ? all : Math.min(maxChunks, all);
        Engine engine = model.embedding().weight().engine();
        double weightedSum = 0;
        long count = 0;
        try (Tape.NoGrad noGrad = Tape.noGrad(); Scope outer = engine.scope()) {
            Tensor hidden = engine.zeros(DType.FLOAT32, streams.count(), model.hiddenSize());
            int position = 0;
            for (int c = 0; c < chunks; c++) {
                int steps = streams.stepsAt(position, seq);
                try (Scope step = engine.scope()) {
                    Streams.Chunk chunk = streams.chunk(position, steps);
                    Tensor inputs = engine.fromInts(chunk.inputs(), steps, streams.count());
                    Tensor targets = engine.fromInts(chunk.targets(), steps * streams.count());
                    CharRnn.Output out = model.forward(inputs, Variable.constant(hidden));
                    double loss = F.crossEntropy(out.logits(), targets).value().item();
                    long n = (long) steps * streams.count();
                    weightedSum += loss * n;
                    count += n;
                    hidden.copyFromInPlace(out.lastHidden().value());
                }
                position += steps;
            }
        }
        return new Evaluation(weightedSum / count, count);
    }
}
