package dev.wick.lm.train;

import dev.wick.autograd.Tape;
import dev.wick.autograd.nn.LanguageModel;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.lm.data.Vocabulary;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Generates text one token at a time: the prime is read in one pass, then each next token is
 * drawn from softmax(logits / temperature) and fed back in.
 */
public final class Sampler {
    /** Sampling from the model's own distribution; lower is more conservative, higher more varied. */
    public static final double DEFAULT_TEMPERATURE = 1.0;
    /**
     * The most tokens one sample may have. Each token is one pass through the model, so a million
     * is minutes to hours of generating; a longer text is better had from several runs with --seed.
     */
    public static final int MAX_LENGTH = 1_000_000;

    private Sampler() {
    }

    /** {@code length} new token ids following {@code prime} (ids, at least one). */
    public static int[] generate(LanguageModel model, int[] prime, int length, double temperature, SamplingRng rng) {
        int[] out = new int[checkedLength(length)];
        int[] next = {0};
        generate(model, prime, length, temperature, rng, id -> out[next[0]++] = id);
        return out;
    }

    /**
     * As {@link #generate(LanguageModel, int[], int, double, SamplingRng)}, handing each new id
     * to {@code sink} as soon as it is drawn, so nothing of the sample is kept here.
     */
    public static void generate(LanguageModel model, int[] prime, int length, double temperature, SamplingRng rng,
                                IntConsumer sink) {
        if (prime.length == 0) throw new IllegalArgumentException("the prime must hold at least one token");
        checkedLength(length);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        Engine engine = model.parameters().get(0).engine();
        boolean training = model.isTraining();
        model.setTraining(false); // no dropout while generating
        try (Tape.NoGrad noGrad = Tape.noGrad(); CarriedState state = new CarriedState(engine, model, 1)) {
            float[] logits = step(model, engine, prime, state);
            for (int i = 0; i < length; i++) {
                int id = draw(logits, temperature, rng.nextUniform());
                sink.accept(id);
                if (i + 1 < length) logits = step(model, engine, new int[]{id}, state);
            }
        } finally {
            model.setTraining(training);
        }
    }

    private static int checkedLength(int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("length must lie in [0, " + MAX_LENGTH + "], got " + length);
        }
        return length;
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

    /**
     * Writes a sample to {@code out} as it is generated: the prime, then each new token as it is
     * drawn, flushed at every line break and every {@value #FLUSH_EVERY} tokens, so a long
     * sample shows as it grows; a line break at the end. The text equals {@link #text}'s.
     */
    public static void stream(LanguageModel model, Vocabulary vocabulary, int[] prime, int length, double temperature,
                              SamplingRng rng, PrintWriter out) {
        Vocabulary.Writer writer = vocabulary.writer(out);
        for (int id : prime) writer.write(id);
        int[] written = {0};
        generate(model, prime, length, temperature, rng, id -> {
            boolean lineEnded = writer.write(id);
            if (lineEnded || ++written[0] % FLUSH_EVERY == 0) out.flush();
        });
        out.println();
        out.flush();
    }

    private static final int FLUSH_EVERY = 64;

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
