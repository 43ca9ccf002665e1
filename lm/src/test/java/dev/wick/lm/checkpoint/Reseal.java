package dev.wick.lm.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For tests that edit checkpoint.json on purpose and want a check behind the digest to answer:
 * gives the edited document the digest of its new bytes, as a correct save would have.
 */
public final class Reseal {
    private Reseal() {
    }

    public static void document(Path index) throws IOException {
        byte[] bytes = Files.readAllBytes(index);
        byte[] placeholder = DocumentDigest.PLACEHOLDER.getBytes(StandardCharsets.US_ASCII);
        int at = bytes.length - "\"\n}".length() - placeholder.length;
        System.arraycopy(placeholder, 0, bytes, at, placeholder.length);
        Files.write(index, DocumentDigest.seal(bytes));
    }
}
