package dev.wick.lm.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * JSON read as strictly as a checkpoint is written: valid UTF-8, the JSON grammar and nothing more
 * (no comments, NaN, single quotes or unquoted names, which a lenient reader would take), no name
 * twice in one object (a lenient reader keeps one of them silently), nothing after the value.
 * Numbers are kept as written ({@link BigDecimal}), so a later check can tell an integer from a
 * fraction. Each failure is an IllegalArgumentException that says what is wrong and, where it can,
 * the field.
 */
final class StrictJson {
    private StrictJson() {
    }

    static JsonElement parse(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("it is not valid UTF-8 (corrupted)");
        }
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = read(reader, "");
            if (reader.peek() != JsonToken.END_DOCUMENT) throw new IllegalArgumentException("text follows the JSON document");
            return root;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new IllegalArgumentException("it is not valid JSON (corrupted or truncated): " + firstLine(e.getMessage()));
        }
    }

    private static JsonElement read(JsonReader reader, String path) throws IOException {
        switch (reader.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject object = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String name = reader.nextName();
                    String field = path.isEmpty() ? name : path + "." + name;
                    if (object.has(name)) throw new IllegalArgumentException("'" + field + "' appears twice");
                    object.add(name, read(reader, field));
                }
                reader.endObject();
                return object;
            }
            case BEGIN_ARRAY -> {
                JsonArray array = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) array.add(read(reader, path + "[" + array.size() + "]"));
                reader.endArray();
                return array;
            }
            case STRING -> {
                return new JsonPrimitive(reader.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new BigDecimal(reader.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(reader.nextBoolean());
            }
            case NULL -> {
                reader.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new IllegalStateException("unexpected " + reader.peek() + " at " + reader.getPath());
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
