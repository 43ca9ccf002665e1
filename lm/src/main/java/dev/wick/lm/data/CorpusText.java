package dev.wick.lm.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;

/**
 * A training or evaluation text as Unicode code points, with where it came from (for messages and
 * the checkpoint) and a fingerprint that lets a resumed run check it reads the same text.
 */
public record CorpusText(String source, int[] codePoints) {

    public int length() {
        return codePoints.length;
    }

    /** SHA-256 of the code points (as 32-bit little-endian integers): what the model actually reads. */
    public String sha256() {
        MessageDigest md = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int cp : codePoints) {
            buf.putInt(cp);
            if (!buf.hasRemaining()) {
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
        }
        md.update(buf.array(), 0, buf.position());
        return Sha256.hex(md);
    }
}
