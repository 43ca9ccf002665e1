package dev.wick.lm.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.core.io.StoredTensor;
import dev.wick.lm.Folders;
import dev.wick.lm.TestTexts;
import dev.wick.lm.data.CharVocabulary;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.model.ModelChoice;
import dev.wick.lm.train.DataSplit;
import dev.wick.lm.train.OptimizerKind;
import dev.wick.lm.train.TrainConfig;
import dev.wick.lm.train.Trainer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * checkpoint.json is read strictly: every field missing, every extra field, every value of the
 * wrong type and values that contradict each other are refused naming the field; an edit that the
 * checks cannot see is refused by the document's digest; a current checkpoint made to look like
 * an old one is refused; an old one is still read, strictly too. And no tensor holding a NaN or an
 * infinity loads.
 */
class StrictDocumentTest {
    private static final CheckpointDocument.Settings SETTINGS = new CheckpointDocument.Settings(10, 2, 2, 5, 0);
    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
    @TempDir
    Path dir;
    private Path index;
    private JsonObject original;

    /** A checkpoint 5 steps in, validated twice, so that every field and every relation between them is non-trivial. */
    @BeforeEach
    void save() throws IOException {
        CorpusText text = new CorpusText("test", TestTexts.sentences(1500, 3).codePoints().toArray());
        CharVocabulary v = CharVocabulary.of(text.codePoints());
        TrainConfig config = new TrainConfig(6, 10, 7, 3, 1e-2, 1.0, 3, 0.1, OptimizerKind.ADAM, 1,
                Tokenization.CHARACTERS, ModelChoice.of(ModelChoice.parseCell("lstm"), 1, 0.0, false, false));
        try (Engine engine = Wick.cpu(); Trainer t = new Trainer(engine, config, v, text, v.encode(text.codePoints(), "test"),
                DataSplit.of(text.length(), config))) {
            for (int i = 1; i <= 5; i++) {
                t.step();
                if (i % 2 == 0) t.recordValidation(t.validate(2));
            }
            Checkpoint c = t.snapshot(SETTINGS);
            CheckpointStore.save(dir, c.document(), c.weights(), c.state());
        }
        index = dir.resolve(CheckpointStore.INDEX);
        original = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
    }

    private String refusal() {
        return assertThrows(CheckpointException.class, () -> CheckpointStore.load(dir, true)).getMessage();
    }

    /** Writes the document as {@code edit} leaves a copy of the saved one, and returns the refusal. */
    private String refusedAfter(Consumer<JsonObject> edit) throws IOException {
        JsonObject doc = original.deepCopy();
        edit.accept(doc);
        Files.writeString(index, PRETTY.toJson(doc));
        return refusal();
    }

    private void assertRefusedAfter(String expected, Consumer<JsonObject> edit) throws IOException {
        String message = refusedAfter(edit);
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    /** Every member of every object in the document, by its dotted name, with the object holding it. */
    private static Map<String, JsonObject> members(JsonObject o, String prefix, Map<String, JsonObject> into) {
        for (String key : o.keySet()) {
            String name = prefix.isEmpty() ? key : prefix + "." + key;
            into.put(name, o);
            if (o.get(key).isJsonObject()) members(o.get(key).getAsJsonObject(), name, into);
        }
        return into;
    }

    private static JsonObject at(JsonObject doc, String name) {
        JsonObject o = doc;
        String[] parts = name.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) o = o.getAsJsonObject(parts[i]);
        return o;
    }

    private static String last(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static List<String> fieldNames(JsonObject doc) {
        List<String> names = new ArrayList<>(members(doc, "", new LinkedHashMap<>()).keySet());
        // These two are read first, to know how to read the rest: tested on their own below.
        names.remove("format");
        names.remove("version");
        return names;
    }

    @Test
    void theSavedDocumentLoadsAndHasEveryField() throws Exception {
        CheckpointStore.load(dir, true);
        assertTrue(original.has("sha256") && original.get("model").getAsJsonObject().get("words").isJsonNull(),
                "every field is written, null where it does not apply: " + original);
        assertEquals(CheckpointDocument.VERSION, original.get("version").getAsInt());
    }

    @Test
    void everyMissingFieldIsNamed() throws IOException {
        for (String name : fieldNames(original)) {
            assertRefusedAfter("'" + name + "' is missing", doc -> at(doc, name).remove(last(name)));
        }
        assertRefusedAfter("not a wick-lm checkpoint", doc -> doc.remove("format"));
        assertRefusedAfter("checkpoint version null is not supported", doc -> doc.remove("version"));
    }

    @Test
    void everyExtraFieldIsNamed() throws IOException {
        List<String> objects = new ArrayList<>(List.of(""));
        members(original, "", new LinkedHashMap<>()).forEach((name, holder) -> {
            if (holder.get(last(name)).isJsonObject()) objects.add(name);
        });
        for (String object : objects) {
            String extra = object.isEmpty() ? "comment" : object + ".comment";
            assertRefusedAfter("'" + extra + "' is not a field of a checkpoint document",
                    doc -> at(doc, extra).addProperty("comment", "hello"));
        }
    }

    @Test
    void everyValueOfTheWrongTypeIsNamed() throws IOException {
        for (String name : fieldNames(original)) {
            JsonElement value = at(original, name).get(last(name));
            // A number where a string belongs, a string where a number, an array or an object belongs, and
            // an object where a field that is null belongs (none of those is a record).
            JsonElement wrong = value.isJsonNull() ? new JsonObject()
                    : value instanceof JsonPrimitive p && p.isString() ? new JsonPrimitive(7) : new JsonPrimitive("7");
            assertRefusedAfter("'" + name + "' must be ", doc -> at(doc, name).add(last(name), wrong));
        }
        assertRefusedAfter("'step' must be an integer", doc -> doc.addProperty("step", 5.5));
        assertRefusedAfter("'step' is out of range", doc -> doc.addProperty("step", 1L << 40));
        assertRefusedAfter("'model.tied' must be true or false", doc -> doc.getAsJsonObject("model").addProperty("tied", 0));
        assertRefusedAfter("'data.streamOffsets[1]' must be an integer",
                doc -> doc.getAsJsonObject("data").getAsJsonArray("streamOffsets").set(1, new JsonPrimitive(0.5)));
        assertRefusedAfter("'history.training[2][1]' must be a finite number",
                doc -> doc.getAsJsonObject("history").getAsJsonArray("training").get(2).getAsJsonArray()
                        .set(1, new JsonPrimitive("x")));
        assertRefusedAfter("'model.vocabulary[0]' must be an integer",
                doc -> doc.getAsJsonObject("model").getAsJsonArray("vocabulary").set(0, JsonNull.INSTANCE));
    }

    @Test
    void malformedJsonIsRefused() throws IOException {
        String json = PRETTY.toJson(original);
        for (String bad : List.of(json.replace("\"step\": 5", "\"step\": 5, \"step\": 5"),
                json.replace("\"clip\": 1.0", "\"clip\": NaN"),
                json.replace("\"clip\": 1.0", "\"clip\": 1e999"),
                json + "\n{}",
                "// a comment\n" + json,
                json.replace("\"step\": 5", "'step': 5"))) {
            Files.writeString(index, bad);
            String message = refusal();
            assertTrue(message.contains("appears twice") || message.contains("not valid JSON") || message.contains("text follows")
                    || message.contains("'training.clip' must be a finite number"), message);
        }
        Files.write(index, PRETTY.toJson(original).replace("\"test\"", "\"t\u00e9st\"").getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(refusal().contains("not valid UTF-8"), refusal());
    }

    @Test
    void valuesThatContradictEachOtherAreNamed() throws IOException {
        assertRefusedAfter("'history.training (not one loss per step: 6)'", doc -> doc.addProperty("step", 6));
        assertRefusedAfter("'optimizer.step (not the step, 5)'", doc -> doc.getAsJsonObject("optimizer").addProperty("step", 0));
        assertRefusedAfter("'history.training (not one loss per step: 5)'",
                doc -> doc.getAsJsonObject("history").getAsJsonArray("training").remove(4));
        assertRefusedAfter("'history.training[1]'", doc -> doc.getAsJsonObject("history").getAsJsonArray("training")
                .get(1).getAsJsonArray().set(0, new JsonPrimitive(7.0)));
        assertRefusedAfter("'history.validation[1]'", doc -> doc.getAsJsonObject("history").getAsJsonArray("validation")
                .get(1).getAsJsonArray().set(0, new JsonPrimitive(2.0)));
        assertRefusedAfter("'data.position (step 5 ends at 35)'", doc -> doc.getAsJsonObject("data").addProperty("position", 28));
        assertRefusedAfter("'data.epoch (step 5 is in epoch 0)'", doc -> doc.getAsJsonObject("data").addProperty("epoch", 1));
        assertRefusedAfter("'weights.file'", doc -> doc.getAsJsonObject("weights").addProperty("file", "model-00000004.safetensors"));
        assertRefusedAfter("'random.samplingSeed (not the one of training.seed)'",
                doc -> doc.getAsJsonObject("training").addProperty("seed", 4));
        assertRefusedAfter("'optimizer.lr (not the initial lr divided", doc -> doc.getAsJsonObject("optimizer").addProperty("lr", 0.005));
        assertRefusedAfter("'optimizer.bestValidation (not a validation loss", doc -> doc.getAsJsonObject("optimizer")
                .addProperty("bestValidation", 1.5));
        assertRefusedAfter("'optimizer (Adam's constants)'", doc -> doc.getAsJsonObject("optimizer").addProperty("beta1", 0.8));
        assertRefusedAfter("'settings.steps (below the step)'", doc -> doc.getAsJsonObject("settings").addProperty("steps", 4));
        assertRefusedAfter("'data.validationCharacters (not training.valFraction of data.characters)'",
                doc -> doc.getAsJsonObject("training").addProperty("valFraction", 0.2));
        assertRefusedAfter("'model.vocabSize'", doc -> doc.getAsJsonObject("model").addProperty("vocabSize", 3));
    }

    @Test
    void anEditTheChecksCannotSeeIsRefusedByTheDigest() throws IOException {
        assertRefusedAfter("do not match its SHA-256", doc -> doc.getAsJsonObject("training").addProperty("clip", 2.0));
        assertRefusedAfter("do not match its SHA-256", doc -> doc.getAsJsonObject("data").addProperty("source", "other.txt"));
        // The same document, laid out differently, is other bytes: refused as well.
        Files.writeString(index, new Gson().newBuilder().serializeNulls().create().toJson(original));
        assertTrue(refusal().contains("do not match its SHA-256"), refusal());
        assertRefusedAfter("'sha256' has an impossible value", doc -> doc.addProperty("sha256", "abc"));
    }

    @Test
    void aCurrentCheckpointWithoutItsDigestIsRefused() throws IOException {
        assertRefusedAfter("'sha256' is missing", doc -> doc.remove("sha256"));
        String message = refusedAfter(doc -> {
            doc.remove("sha256");
            doc.addProperty("version", 1);
        });
        assertTrue(message.contains("is not that of a version 1 checkpoint"), message);
        assertRefusedAfter("'sha256 (a version 1 document has no digest)'", doc -> doc.addProperty("version", 1));
        assertRefusedAfter("checkpoint version 3 is not supported", doc -> doc.addProperty("version", 3));
    }

    /** The checkpoint of the days before the digest (test resource): read, but strictly, and refused when edited. */
    @Test
    void anOldCheckpointIsReadStrictly() throws Exception {
        Path old = Folders.copyFiles(Path.of(StrictDocumentTest.class.getResource("/dev/wick/lm/old-checkpoint").toURI()),
                dir.resolve("old"));
        Path oldIndex = old.resolve(CheckpointStore.INDEX);
        String json = Files.readString(oldIndex);
        assertEquals(6, CheckpointStore.load(old, true).document().step());
        for (String[] edit : new String[][]{
                {"\"step\": 6,", "", "'step' is missing"},
                {"\"step\": 6,", "\"step\": 5,", "'history.training (not one loss per step: 5)'"},
                {"\"weightDecay\": 0.0,\n    \"step\": 6", "\"weightDecay\": 0.0,\n    \"lr\": 0.01", "'optimizer.step' is missing"},
                {"\"seq\": 8,", "\"seq\": \"8\",", "'training.seq' must be an integer"},
                {"\"dtype\": \"F32\",", "\"dtype\": \"F32\", \"cell\": \"gru\",", "has cell, layers, dropout"},
                {"\"version\": 1,", "\"version\": 1, \"note\": 1,", "'note' is not a field"}}) {
            assertTrue(json.contains(edit[0]), edit[0]);
            Files.writeString(oldIndex, json.replace(edit[0], edit[1]));
            String message = assertThrows(CheckpointException.class, () -> CheckpointStore.load(old, true)).getMessage();
            assertTrue(message.contains(edit[2]), "expected '" + edit[2] + "' in: " + message);
        }
    }

    @Test
    void tensorsWithNaNOrInfinityDoNotLoad() throws Exception {
        Checkpoint good = CheckpointStore.load(dir, true);
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Map<String, StoredTensor> weights = new LinkedHashMap<>(good.weights());
            int last = weights.get("head.weight").numel() - 1;
            weights.put("head.weight", StoredF32.withValue(weights.get("head.weight"), last, bad));
            CheckpointStore.save(dir, good.document(), weights, good.state());
            String message = refusal();
            assertTrue(message.contains("tensor 'head.weight' holds " + bad + " at index " + last)
                    && message.contains("diverged"), message);
        }
        Map<String, StoredTensor> state = new LinkedHashMap<>(good.state());
        String moment = Checkpoint.secondMomentName("rnn.weight_hh_l0");
        state.put(moment, StoredF32.withValue(state.get(moment), 0, Float.NaN));
        CheckpointStore.save(dir, good.document(), good.weights(), state);
        assertTrue(refusal().contains("'adam.v.rnn.weight_hh_l0' holds NaN"), refusal());
        assertFalse(CheckpointStore.load(dir, false).weights().isEmpty(), "inference does not read the state file");
    }

    @Test
    void nonFiniteFindsTheFirstNaNOrInfinity() {
        assertEquals(-1, NonFinite.firstIndex(new float[]{0, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE}));
        assertEquals(2, NonFinite.firstIndex(new float[]{1, 2, Float.intBitsToFloat(0x7fc0_0001), Float.NaN}));
        assertEquals(0, NonFinite.firstIndex(new float[]{Float.NEGATIVE_INFINITY}));
        assertEquals(-1, NonFinite.firstIndex(new float[0]));
    }
}
