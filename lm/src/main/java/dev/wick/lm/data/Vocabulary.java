package dev.wick.lm.data;

/**
 * The tokens a model knows, each with an id (its row of the embedding and of the output layer):
 * characters ({@link CharVocabulary}) or words ({@link WordVocabulary}). Saved in the checkpoint
 * with the model; eval and sample read text through the vocabulary the model was trained with.
 */
public sealed interface Vocabulary permits CharVocabulary, WordVocabulary {
    TokenKind kind();

    int size();

    /**
     * The ids of a text given as Unicode code points; {@code what} names the text in messages.
     * What happens to a token the vocabulary lacks is the kind's rule (see the implementations).
     */
    int[] encode(int[] text, String what);

    /**
     * The ids of a whole text, read as it streams from its source and stored as compactly as the
     * vocabulary's size allows; a text that changes while it is read is an UncheckedIOException.
     */
    TokenIds encode(CorpusText text, String what);

    /** The text of a sequence of ids, as a person reads it. */
    default String decode(int[] ids) {
        StringBuilder text = new StringBuilder();
        Writer w = writer(text);
        for (int id : ids) w.write(id);
        return text.toString();
    }

    /** Writes the text of ids one at a time as they come (a sample as it is generated), as {@link #decode} would. */
    Writer writer(Appendable out);

    /** Turns ids into text one at a time. */
    interface Writer {
        /** Appends the text of {@code id} (with the space before it, if any); true when it ended a line. */
        boolean write(int id);
    }

    /** Where sampling starts without a prime: the start of a line where the vocabulary can say so. */
    int[] defaultPrime();
}
