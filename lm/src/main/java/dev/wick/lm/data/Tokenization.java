package dev.wick.lm.data;

import java.util.function.IntUnaryOperator;

/**
 * How a training text becomes tokens and which of them the vocabulary keeps. With words, a word
 * seen fewer than {@code minCount} times in the training split, or not among the
 * {@code maxVocab} - 2 most frequent (null: no limit; the two are {@code <eos>} and {@code <unk>}),
 * is read as {@code <unk>}. Characters keep every character of the text.
 */
public record Tokenization(TokenKind kind, int minCount, Integer maxVocab) {
    /** Every character its own token: wick-lm's original behaviour. */
    public static final Tokenization CHARACTERS = new Tokenization(TokenKind.CHARS, 1, null);

    public Tokenization {
        if (kind == null) throw new IllegalArgumentException("the token kind is missing");
        if (minCount < 1) throw new IllegalArgumentException("--min-count must be >= 1, got " + minCount);
        if (maxVocab != null && maxVocab < WordVocabulary.MIN_SIZE) {
            throw new IllegalArgumentException("--max-vocab must be >= " + WordVocabulary.MIN_SIZE + " (" + WordVocabulary.EOS
                    + ", " + WordVocabulary.UNK + " and at least one word), got " + maxVocab);
        }
    }

    /**
     * The vocabulary of a training text and the whole text's ids under it. {@code trainingTokens}
     * says how many of the text's tokens (given their number) form the training split, the only
     * part the word vocabulary is built from, so that validation words unseen in training are
     * {@code <unk>} as they would be in any new text; it may refuse the count with an
     * IllegalArgumentException. Characters are taken from the whole text, as they always were: a
     * character only the validation split holds would otherwise have no id.
     */
    public EncodedText encodeForTraining(CorpusText text, IntUnaryOperator trainingTokens) {
        if (kind == TokenKind.CHARS) {
            CharVocabulary v = CharVocabulary.of(text);
            return new EncodedText(v, v.encode(text, "the text"));
        }
        WordTokenizer.FirstSeen tokens = WordTokenizer.numberByFirstSight(text);
        WordVocabulary v = WordVocabulary.ofTrainingTokens(tokens, trainingTokens.applyAsInt(tokens.count()),
                minCount, maxVocab);
        return new EncodedText(v, v.renumber(tokens));
    }

    /** As {@link #encodeForTraining(CorpusText, IntUnaryOperator)}, for a text in memory. */
    public EncodedText encodeForTraining(int[] text, IntUnaryOperator trainingTokens) {
        return encodeForTraining(new CorpusText("the text", text), trainingTokens);
    }

    /** A text as the ids of a vocabulary's tokens. */
    public record EncodedText(Vocabulary vocabulary, TokenIds ids) {
    }
}
