package dev.wick.lm.model;

import dev.wick.autograd.nn.CharRnn;
import dev.wick.core.DType;
import dev.wick.core.Engine;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sizes that fix a character RNN's parameters (vocabulary V, embedding E, hidden H) and the
 * checkpoint layout that follows from them. The model is autograd's {@link CharRnn}, in float32.
 */
public record ModelShape(int vocab, int embed, int hidden) {

    public ModelShape {
        if (vocab < 1 || embed < 1 || hidden < 1) {
            throw new IllegalArgumentException("model sizes must be > 0, got vocabulary " + vocab + ", embedding " + embed
                    + ", hidden " + hidden);
        }
    }

    /**
     * Every parameter's checkpoint name and shape, in the model's order: embedding.weight [V,E],
     * rnn.weight_ih [H,E], rnn.weight_hh [H,H], rnn.bias [H], head.weight [V,H], head.bias [V].
     */
    public Map<String, int[]> parameterShapes() {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("embedding.weight", new int[]{vocab, embed});
        m.put("rnn.weight_ih", new int[]{hidden, embed});
        m.put("rnn.weight_hh", new int[]{hidden, hidden});
        m.put("rnn.bias", new int[]{hidden});
        m.put("head.weight", new int[]{vocab, hidden});
        m.put("head.bias", new int[]{vocab});
        return m;
    }

    /** Number of trainable values. */
    public long parameterCount() {
        return parameterShapes().values().stream().mapToLong(s -> Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b))
                .sum();
    }

    /**
     * A freshly initialised model on {@code engine} (its parameters belong to the current scope:
     * create it outside per-step scopes). Checks that its parameters are the checkpoint layout.
     */
    public CharRnn create(Engine engine, long seed) {
        CharRnn model = new CharRnn(engine, DType.FLOAT32, vocab, embed, hidden, seed);
        Map<String, int[]> expected = parameterShapes();
        boolean same = model.namedParameters().keySet().equals(expected.keySet());
        for (var p : model.namedParameters().entrySet()) {
            same &= same && Arrays.equals(p.getValue().shape().dims(), expected.get(p.getKey()));
        }
        if (!same) {
            model.close();
            throw new IllegalStateException("the model's parameters " + model.namedParameters()
                    + " differ from the checkpoint layout " + expected.keySet());
        }
        return model;
    }
}
