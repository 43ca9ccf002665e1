package dev.wick.lm.model;

import java.util.LinkedHashMap;
import java.util.Map;

/** The sizes that fix a character RNN's parameters: vocabulary V, embedding E, hidden H. */
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
        m.put(CharRnn.EMBEDDING + ".weight", new int[]{vocab, embed});
        m.put(CharRnn.RNN + ".weight_ih", new int[]{hidden, embed});
        m.put(CharRnn.RNN + ".weight_hh", new int[]{hidden, hidden});
        m.put(CharRnn.RNN + ".bias", new int[]{hidden});
        m.put(CharRnn.HEAD + ".weight", new int[]{vocab, hidden});
        m.put(CharRnn.HEAD + ".bias", new int[]{vocab});
        return m;
    }

    /** Number of trainable values. */
    public long parameterCount() {
        long n = 0;
        for (int[] s : parameterShapes().values()) {
            long k = 1;
            for (int d : s) k *= d;
            n += k;
        }
        return n;
    }
}
