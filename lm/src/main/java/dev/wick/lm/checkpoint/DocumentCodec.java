package dev.wick.lm.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;

import java.nio.charset.StandardCharsets;

/**
 * checkpoint.json's bytes and back. Written: pretty-printed JSON with every field (null where one
 * does not apply), sealed with its own digest ({@link DocumentDigest}). Read, in this order, so that
 * a damaged or edited document is refused with the most precise reason: strict JSON
 * ({@link StrictJson}), the format and version, the fields and their types ({@link DocumentSchema}),
 * the values and their consistency ({@link DocumentCheck}), and last the digest, which catches
 * whatever change the checks before could not see. A version 1 document has no digest: it is read
 * with the checks alone.
 */
final class DocumentCodec {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private DocumentCodec() {
    }

    /** The file's bytes for {@code doc}, a current version document (its {@code sha256} is replaced by the digest of those bytes). */
    static byte[] encode(CheckpointDocument doc) {
        CheckpointDocument unsealed = doc.withFiles(doc.weights(), doc.state(), DocumentDigest.PLACEHOLDER);
        return DocumentDigest.seal(GSON.toJson(unsealed).getBytes(StandardCharsets.UTF_8));
    }

    /** The document in {@code bytes}; IllegalArgumentException saying what is wrong (naming the field where there is one). */
    static CheckpointDocument decode(byte[] bytes) {
        JsonElement root = StrictJson.parse(bytes);
        if (!root.isJsonObject()) throw new IllegalArgumentException("it is not a JSON object");
        JsonElement format = root.getAsJsonObject().get("format");
        if (!(format instanceof JsonPrimitive f && f.isString() && CheckpointDocument.FORMAT.equals(f.getAsString()))) {
            throw new IllegalArgumentException("not a wick-lm checkpoint (format is " + format + ")");
        }
        int version = version(root.getAsJsonObject().get("version"));
        DocumentSchema.check(root, CheckpointDocument.class, version == CheckpointDocument.VERSION);
        CheckpointDocument doc;
        try {
            doc = GSON.fromJson(root, CheckpointDocument.class);
        } catch (JsonParseException e) {
            throw new IllegalStateException("a document that passed the schema did not bind: " + e.getMessage(), e);
        }
        DocumentCheck.check(doc);
        if (version == CheckpointDocument.VERSION && !DocumentDigest.matches(bytes, doc.sha256())) {
            throw new IllegalArgumentException("its bytes do not match its SHA-256 (the field sha256): the file is"
                    + " corrupted or was edited");
        }
        return doc;
    }

    private static int version(JsonElement v) {
        if (v instanceof JsonPrimitive p && p.isNumber()) {
            String text = p.getAsBigDecimal().toString();
            if (text.equals(Integer.toString(CheckpointDocument.VERSION))) return CheckpointDocument.VERSION;
            if (text.equals(Integer.toString(CheckpointDocument.LEGACY_VERSION))) return CheckpointDocument.LEGACY_VERSION;
        }
        throw new IllegalArgumentException("checkpoint version " + v + " is not supported (this program reads "
                + CheckpointDocument.LEGACY_VERSION + " and " + CheckpointDocument.VERSION + ")");
    }
}
