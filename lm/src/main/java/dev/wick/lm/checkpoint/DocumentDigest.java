package dev.wick.lm.checkpoint;

import dev.wick.lm.data.Sha256;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * checkpoint.json's digest of itself. The document's last field, {@code sha256}, holds the SHA-256
 * (64 lower-case hex digits) of every byte of the file before those digits; after them the file
 * ends with a quote, a line break and the closing brace. The digests of the tensor files are in the
 * covered bytes, so one digest, checked first, vouches for every byte of the checkpoint.
 */
final class DocumentDigest {
    private static final int HEX_DIGITS = 64;
    /** What the writer puts where the digest goes, before it knows it. */
    static final String PLACEHOLDER = "0".repeat(HEX_DIGITS);
    private static final byte[] TAIL = "\"\n}".getBytes(StandardCharsets.US_ASCII);

    private DocumentDigest() {
    }

    /** {@code json} (ending with the placeholder as the digest) with the digest in its place. */
    static byte[] seal(byte[] json) {
        int at = json.length - TAIL.length - HEX_DIGITS;
        byte[] placeholder = PLACEHOLDER.getBytes(StandardCharsets.US_ASCII);
        if (at < 0 || !Arrays.equals(json, at, at + HEX_DIGITS, placeholder, 0, HEX_DIGITS)
                || !Arrays.equals(json, at + HEX_DIGITS, json.length, TAIL, 0, TAIL.length)) {
            throw new IllegalStateException("the document does not end with the digest's placeholder");
        }
        byte[] sealed = json.clone();
        System.arraycopy(digestBefore(json, at).getBytes(StandardCharsets.US_ASCII), 0, sealed, at, HEX_DIGITS);
        return sealed;
    }

    /** Whether {@code bytes} end with {@code recorded} as the digest and it is the SHA-256 of every byte before it. */
    static boolean matches(byte[] bytes, String recorded) {
        int at = bytes.length - TAIL.length - HEX_DIGITS;
        if (recorded == null || recorded.length() != HEX_DIGITS || at < 0) return false;
        byte[] hex = recorded.getBytes(StandardCharsets.US_ASCII);
        return Arrays.equals(bytes, at, at + HEX_DIGITS, hex, 0, HEX_DIGITS)
                && Arrays.equals(bytes, at + HEX_DIGITS, bytes.length, TAIL, 0, TAIL.length)
                && digestBefore(bytes, at).equals(recorded);
    }

    private static String digestBefore(byte[] bytes, int end) {
        MessageDigest md = Sha256.newDigest();
        md.update(bytes, 0, end);
        return Sha256.hex(md);
    }
}
