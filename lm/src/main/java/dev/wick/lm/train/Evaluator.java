package dev.wick.lm.train;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.nn.LanguageModel;
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
    public static Evaluation evaluate(LanguageModel model, Streams streams, int seq, int maxChunks) {
        int all = streams.allChunks(seq);
        int chunks = maxChunks <= 0 ? all : Math.min(maxChunks, all);
        Engine engine = model.parameters().get(0).engine();
        double weightedSum = 0;
        long count = 0;
        boolean training = model.isTraining();
        model.setTraining(false); // no dropout while evaluating
        try (Tape.NoGrad noGrad = Tape.noGrad(); CarriedState state = new CarriedState(engine, model, streams.count())) {
            int position = 0;
            for (int c = 0; c < chunks; c++) {
                int steps = streams.stepsAt(position, seq);
                try (Scope step = engine.scope()) {
                    Streams.Chunk chunk = streams.chunk(position, steps);
                    Tensor inputs = engine.fromInts(chunk.inputs(), steps, streams.count());
                    Tensor targets = engine.fromInts(chunk.targets(), steps * streams.count());
                    LanguageModel.Output out = model.forward(inputs, state.asInput(), 0);
                    double loss = F.crossEntropy(out.logits(), targets).value().item();
                    long n = (long) steps * streams.count();
                    weightedSum += loss * n;
                    count += n;
                    state.copyFrom(out.state());
                }
                position += steps;
            }
        } finally {
            model.setTraining(training);
        }
        return new Evaluation(weightedSum / count, count);
    }
}
