package dev.wick.lm.train;

import dev.wick.autograd.Tape;
import dev.wick.autograd.nn.LanguageModel;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.lm.data.Vocabulary;

import java.util.Arrays;

/**
 * Generates text one token at a time: the prime is read in one pass, then each next token is
 * drawn from softmax(logits / temperature) and fed back in.
 */
public final class Sampler {
    /** Sampling from the model's own distribution; lower is more conservative, higher more varied. */
    public static final double DEFAULT_TEMPERATURE = 1.0;

    private Sampler() {
    }

    /** {@code length} new token ids following {@code prime} (ids, at least one). */
    public static int[] generate(LanguageModel model, int[] prime, int length, double temperature, SamplingRng rng) {
        if (prime.length == 0) throw new IllegalArgumentException("the prime must hold at least one token");
        if (length < 0) throw new IllegalArgumentException("length must be >= 0, got " + length);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        Engine engine = model.parameters().get(0).engine();
        int[] out = new int[length];
        boolean training = model.isTraining();
        model.setTraining(false); // no dropout while generating
        try (Tape.NoGrad noGrad = Tape.noGrad(); CarriedState state = new CarriedState(engine, model, 1)) {
            float[] logits = step(model, engine, prime, state);
            for (int i = 0; i < length; i++) {
                out[i] = draw(logits, temperature, rng.nextUniform());
                if (i + 1 < length) logits = step(model, engine, new int[]{out[i]}, state);
            }
        } finally {
            model.setTraining(training);
        }
        return out;
    }

    /** Reads {@code ids} from {@code state} (updated in place); returns the logits after the last one. */
    private static float[] step(LanguageModel model, Engine engine, int[] ids, CarriedState state) {
        try (Scope s = engine.scope()) {
            LanguageModel.Output out = model.forward(engine.fromInts(ids, ids.length, 1), state.asInput(), 0);
            state.copyFrom(out.state());
            return out.logits().value().slice(ids.length - 1, ids.length).toFloatArray();
        }
    }

    /** The prime and what followed it, as one text (words need their neighbours to be spaced right). */
    public static String text(Vocabulary vocabulary, int[] prime, int[] generated) {
        int[] all = Arrays.copyOf(prime, prime.length + generated.length);
        System.arraycopy(generated, 0, all, prime.length, generated.length);
        return vocabulary.decode(all);
    }

    /** The index where the cumulative softmax(logits / temperature) first exceeds u in [0, 1). */
    static int draw(float[] logits, double temperature, double u) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] w = new double[logits.length];
        double total = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.exp((logits[i] - max) / temperature);
            total += w[i];
        }
        double target = u * total, cumulative = 0;
        for (int i = 0; i < w.length; i++) {
            cumulative += w[i];
            if (target < cumulative) return i;
        }
        return w.length - 1; // u * total rounded up to the total
    }
}
