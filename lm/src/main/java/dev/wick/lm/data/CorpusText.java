package dev.wick.lm.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.function.Supplier;

/**
 * A training or evaluation text: where it came from (for messages and the checkpoint), its length
 * in code points, a fingerprint that lets a resumed run check it reads the same text, and its
 * distinct code points, all found in one pass over it. The code points themselves are not kept:
 * {@link #open} reads them again (from the files, for a loaded text), so a text takes no memory
 * for its characters until it becomes token ids.
 */
public final class CorpusText {
    /** The most code points a text may have: token ids are kept in one Java array. */
    public static final int MAX_LENGTH = Integer.MAX_VALUE - 8;

    private final String source;
    private final Supplier<CodePointReader> reader;
    private final int length;
    private final String sha256;
    private final int[] distinctCodePoints;

    /** A text held in memory (the bundled corpus, a prime, tests). */
    public CorpusText(String source, int[] codePoints) {
        this(source, () -> CodePointReader.of(codePoints));
    }

    /** Reads the text once through {@code reader} to count and fingerprint it; IllegalArgumentException past {@link #MAX_LENGTH}. */
    CorpusText(String source, Supplier<CodePointReader> reader) {
        this.source = source;
        this.reader = reader;
        MessageDigest md = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        BitSet seen = new BitSet(Character.MAX_CODE_POINT + 1);
        long count = 0;
        try (CodePointReader r = reader.get()) {
            for (int cp = r.next(); cp >= 0; cp = r.next()) {
                if (++count > MAX_LENGTH) {
                    throw new IllegalArgumentException(String.format("the text is too large: more than %,d characters", MAX_LENGTH));
                }
                seen.set(cp);
                buf.putInt(cp);
                if (!buf.hasRemaining()) {
                    md.update(buf.array(), 0, buf.position());
                    buf.clear();
                }
            }
        }
        md.update(buf.array(), 0, buf.position());
        this.length = (int) count;
        this.sha256 = Sha256.hex(md);
        this.distinctCodePoints = seen.stream().toArray();
    }

    public String source() {
        return source;
    }

    /** Code points in the text. */
    public int length() {
        return length;
    }

    /** SHA-256 of the code points (as 32-bit little-endian integers): what the model actually reads. */
    public String sha256() {
        return sha256;
    }

    /** The text's distinct code points, ascending. */
    public int[] distinctCodePoints() {
        return distinctCodePoints.clone();
    }

    /** Reads the code points from the start. */
    public CodePointReader open() {
        return reader.get();
    }

    /** The whole text in memory, four bytes a code point: for short texts only (a prime, tests). */
    public int[] codePoints() {
        int[] all = new int[length];
        try (CodePointReader r = open()) {
            for (int i = 0; i < length; i++) all[i] = r.next();
        }
        return all;
    }
}
