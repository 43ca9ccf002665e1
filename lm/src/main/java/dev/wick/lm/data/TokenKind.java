package dev.wick.lm.data;

import java.util.Locale;

/** What a model's tokens are: characters (code points) or words and punctuation marks. */
public enum TokenKind {
    CHARS("char", "characters"),
    WORDS("token", "tokens");

    private final String unit;
    private final String plural;

    TokenKind(String unit, String plural) {
        this.unit = unit;
        this.plural = plural;
    }

    /** How one token is named after a per: "nats/char", "perplexity per token". */
    public String unit() {
        return unit;
    }

    /** How a count of tokens is named: "1,000 characters", "200 tokens". */
    public String plural() {
        return plural;
    }

    /** The value of --tokens (and of the checkpoint's model.tokens). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind named by a --tokens value; IllegalArgumentException for any other value. */
    public static TokenKind parse(String value) {
        for (TokenKind k : values()) {
            if (k.toString().equals(value)) return k;
        }
        throw new IllegalArgumentException("--tokens must be chars or words, got " + value);
    }
}
