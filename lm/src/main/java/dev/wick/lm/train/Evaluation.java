package dev.wick.lm.train;

import dev.wick.lm.data.TokenKind;

import java.util.Locale;

/** A mean cross-entropy over some tokens, in the units people quote. */
public record Evaluation(double lossNats, long tokens) {

    public double bitsPerToken() {
        return lossNats / Math.log(2);
    }

    /** exp(loss): the number of equally likely tokens the model is, on average, as unsure as. */
    public double perplexity() {
        return Math.exp(lossNats);
    }

    /**
     * Perplexity per token first, the headline figure; then the loss, for characters also in bits:
     * "perplexity 4.190 per char (loss 1.4321 nats/char, 2.0661 bits/char) over 111539 characters",
     * "perplexity 151.337 per token (loss 5.0195 nats/token) over 20000 tokens".
     */
    public String describe(TokenKind kind) {
        String bits = kind == TokenKind.CHARS ? String.format(Locale.ROOT, ", %.4f bits/char", bitsPerToken()) : "";
        return String.format(Locale.ROOT, "perplexity %.3f per %s (loss %.4f nats/%s%s) over %d %s", perplexity(),
                kind.unit(), lossNats, kind.unit(), bits, tokens, kind.plural());
    }
}
