package dev.wick.lm.train;

/** A mean cross-entropy over some characters, in the three units people quote. */
public record Evaluation(double lossNats, long characters) {

    public double bitsPerCharacter() {
        return lossNats / Math.log(2);
    }

    public double perplexity() {
        return Math.exp(lossNats);
    }

    /** "loss 1.4321 nats/char, 2.0661 bits/char, perplexity 4.19 over 111539 characters". */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "loss %.4f nats/char, %.4f bits/char, perplexity %.3f over %d characters",
                lossNats, bitsPerCharacter(), perplexity(), characters);
    }
}
