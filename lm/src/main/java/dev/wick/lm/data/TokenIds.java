package dev.wick.lm.data;

/**
 * A text as token ids, stored as compactly as its vocabulary allows: one byte a token for up to
 * 256 tokens, two for up to 65,536, four beyond. A character-level text of a few hundred distinct
 * characters takes one or two bytes a character, where an int[] would take four.
 */
public final class TokenIds {
    private final byte[] bytes;
    private final char[] chars;
    private final int[] ints;
    private final int length;

    private TokenIds(byte[] bytes, char[] chars, int[] ints, int length) {
        this.bytes = bytes;
        this.chars = chars;
        this.ints = ints;
        this.length = length;
    }

    /** Room for {@code length} ids below {@code vocabularySize}, all 0 until set. */
    public static TokenIds allocate(int length, int vocabularySize) {
        return switch (bytesPerToken(vocabularySize)) {
            case 1 -> new TokenIds(new byte[length], null, null, length);
            case 2 -> new TokenIds(null, new char[length], null, length);
            default -> new TokenIds(null, null, new int[length], length);
        };
    }

    /** The ids of an array, which is used as it is (not copied). */
    public static TokenIds wrap(int[] ids) {
        return new TokenIds(null, null, ids, ids.length);
    }

    /** Bytes one id takes for a vocabulary of this size. */
    public static int bytesPerToken(int vocabularySize) {
        if (vocabularySize < 1) throw new IllegalArgumentException("vocabulary size must be > 0, got " + vocabularySize);
        return vocabularySize <= 1 << 8 ? 1 : vocabularySize <= 1 << 16 ? 2 : 4;
    }

    public int length() {
        return length;
    }

    public int get(int i) {
        if (bytes != null) return bytes[i] & 0xFF;
        if (chars != null) return chars[i];
        return ints[i];
    }

    /** Sets id {@code i}, which must be below the vocabulary size this was allocated for. */
    public void set(int i, int id) {
        if (bytes != null) {
            if ((id & ~0xFF) != 0) throw outOfRange(id, 1 << 8);
            bytes[i] = (byte) id;
        } else if (chars != null) {
            if ((id & ~0xFFFF) != 0) throw outOfRange(id, 1 << 16);
            chars[i] = (char) id;
        } else {
            ints[i] = id;
        }
    }

    private static IllegalArgumentException outOfRange(int id, int bound) {
        return new IllegalArgumentException("token id " + id + " does not fit ids stored below " + bound);
    }

    /** The ids as an int[] (a copy, four bytes an id). */
    public int[] toIntArray() {
        int[] out = new int[length];
        for (int i = 0; i < length; i++) out[i] = get(i);
        return out;
    }
}
