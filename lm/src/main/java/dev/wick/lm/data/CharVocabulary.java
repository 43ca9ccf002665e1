package dev.wick.lm.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The characters a model knows: the distinct Unicode code points of its training text, sorted, so
 * that a character's id is its rank. Saved with the model (as the code points) and restored from it.
 * A character it lacks has no id: a text holding one is refused, never silently changed.
 */
public final class CharVocabulary implements Vocabulary {
    private final int[] codePoints;

    private CharVocabulary(int[] sortedDistinct) {
        this.codePoints = sortedDistinct;
    }

    /** The vocabulary of a text given as code points. */
    public static CharVocabulary of(int[] text) {
        return new CharVocabulary(Arrays.stream(text).distinct().sorted().toArray());
    }

    /** The vocabulary of a text: every character it holds. */
    public static CharVocabulary of(CorpusText text) {
        return new CharVocabulary(text.distinctCodePoints());
    }

    /** A vocabulary read back from a checkpoint: must be strictly increasing valid code points. */
    public static CharVocabulary fromCodePoints(int[] codePoints) {
        if (codePoints.length == 0) throw new IllegalArgumentException("the vocabulary is empty");
        for (int i = 0; i < codePoints.length; i++) {
            if (!Character.isValidCodePoint(codePoints[i])) {
                throw new IllegalArgumentException("the vocabulary holds an invalid code point " + codePoints[i]);
            }
            if (i > 0 && codePoints[i] <= codePoints[i - 1]) {
                throw new IllegalArgumentException("the vocabulary is not sorted and distinct at entry " + i);
            }
        }
        return new CharVocabulary(codePoints.clone());
    }

    @Override
    public TokenKind kind() {
        return TokenKind.CHARS;
    }

    @Override
    public int size() {
        return codePoints.length;
    }

    public int[] codePoints() {
        return codePoints.clone();
    }

    /** The id of a code point, or -1 when it is not in the vocabulary. */
    public int idOf(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i >= 0 ? i : -1;
    }

    public int codePointOf(int id) {
        return codePoints[id];
    }

    /** Ids of {@code text}; IllegalArgumentException naming the first character the vocabulary lacks and where it is. */
    @Override
    public int[] encode(int[] text, String what) {
        int[] ids = new int[text.length];
        try (CodePointReader r = CodePointReader.of(text)) {
            encode(r, TokenIds.wrap(ids), what);
        }
        return ids;
    }

    /** As {@link #encode(int[], String)}, streaming the text into ids of one or two bytes where the vocabulary allows. */
    @Override
    public TokenIds encode(CorpusText text, String what) {
        TokenIds ids = TokenIds.allocate(text.length(), size());
        try (CodePointReader r = text.open()) {
            encode(r, ids, what);
            if (r.next() >= 0) throw new UncheckedIOException(new IOException(what + " changed while it was being read"));
        }
        return ids;
    }

    private void encode(CodePointReader text, TokenIds ids, String what) {
        // A table from code point to id (-1: none) up to the largest code point known: one array index per character.
        int[] idOf = new int[codePoints[codePoints.length - 1] + 1];
        Arrays.fill(idOf, -1);
        for (int id = 0; id < codePoints.length; id++) idOf[codePoints[id]] = id;
        for (int i = 0; i < ids.length(); i++) {
            int cp = text.next();
            if (cp < 0) throw new UncheckedIOException(new IOException(what + " changed while it was being read"));
            int id = cp < idOf.length ? idOf[cp] : -1;
            if (id < 0) {
                throw new IllegalArgumentException(what + " has the character " + describe(cp) + " at position " + i
                        + ", which is not in the model's vocabulary of " + size() + " characters");
            }
            ids.set(i, id);
        }
    }

    @Override
    public Writer writer(Appendable out) {
        return id -> {
            int cp = codePoints[id];
            Appending.append(out, Character.toString(cp));
            return cp == '\n';
        };
    }

    /** A newline when the vocabulary has one (a text's natural start), else a space, else its first character. */
    @Override
    public int[] defaultPrime() {
        for (int cp : new int[]{'\n', ' '}) {
            int id = idOf(cp);
            if (id >= 0) return new int[]{id};
        }
        return new int[]{0};
    }

    /** A character as people can read it in a one-line message: 'x' (U+0078), or just U+000A for controls. */
    public static String describe(int codePoint) {
        String hex = String.format("U+%04X", codePoint);
        if (Character.isISOControl(codePoint) || Character.isWhitespace(codePoint) || !Character.isDefined(codePoint)) {
            return hex;
        }
        return "'" + new String(Character.toChars(codePoint)) + "' (" + hex + ")";
    }
}
