package dev.wick.lm.data;

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
        for (int i = 0; i < text.length; i++) {
            int id = idOf(text[i]);
            if (id < 0) {
                throw new IllegalArgumentException(what + " has the character " + describe(text[i]) + " at position " + i
                        + ", which is not in the model's vocabulary of " + size() + " characters");
            }
            ids[i] = id;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) sb.appendCodePoint(codePoints[id]);
        return sb.toString();
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
