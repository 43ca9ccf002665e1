package dev.wick.lm.checkpoint;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wick.lm.TestTexts;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {

    private static HostTensor random(SplittableRandom r, int... shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) (r.nextGaussian() * Math.exp(r.nextDouble(-20, 20)));
        return new HostTensor(shape, d);
    }

    private static Map<String, HostTensor> sample(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("embedding.weight", random(r, 7, 5));
        m.put("rnn.bias", random(r, 13));
        m.put("scalar", random(r));
        m.put("empty", new HostTensor(new int[]{0, 3}, new float[0]));
        m.put("special", new HostTensor(new int[]{6}, new float[]{Float.NaN, Float.intBitsToFloat(0x7fc12345),
                Float.POSITIVE_INFINITY, -0.0f, Float.MIN_VALUE, -Float.MAX_VALUE}));
        return m;
    }

    @Test
    void roundTripIsBitExactAndKeepsOrderAndMetadata() throws Exception {
        long seed = TestTexts.freshSeed("roundTripIsBitExactAndKeepsOrderAndMetadata");
        Map<String, HostTensor> tensors = sample(seed);
        Map<String, String> meta = Map.of("format", "test", "note", "ünïcode ✓");
        byte[] bytes = SafeTensors.encode(tensors, meta);
        SafeTensors.Contents back = SafeTensors.decode("t.safetensors", bytes);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()), "seed " + seed);
        for (String name : tensors.keySet()) {
            assertTrue(tensors.get(name).bitEquals(back.tensors().get(name)), name + " differs, seed " + seed);
        }
        assertEquals(meta, back.metadata());
    }

    @Test
    void layoutFollowsTheFormat() throws Exception {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("a", new HostTensor(new int[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6}));
        tensors.put("b", new HostTensor(new int[]{1}, new float[]{-1.5f}));
        byte[] bytes = SafeTensors.encode(tensors, Map.of());
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = in.getLong(0);
        assertEquals(0, (8 + n) % 8, "data must start 8-byte aligned");
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("F32", header.getAsJsonObject("a").get("dtype").getAsString());
        assertEquals("[2,3]", header.getAsJsonObject("a").get("shape").toString());
        assertEquals("[0,24]", header.getAsJsonObject("a").get("data_offsets").toString());
        assertEquals("[24,28]", header.getAsJsonObject("b").get("data_offsets").toString());
        assertEquals(8 + n + 28, bytes.length);
        assertEquals(4.0f, in.getFloat(8 + (int) n + 12));
        assertEquals(-1.5f, in.getFloat(8 + (int) n + 24));
    }

    /** A file with the given header text and data bytes, the header length taken from the text. */
    private static byte[] raw(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return b.array();
    }

    private static String refused(byte[] bytes) {
        return assertThrows(CheckpointException.class, () -> SafeTensors.decode("f.safetensors", bytes)).getMessage();
    }

    @Test
    void refusesFilesTooShortOrWithBadHeaderLengths() {
        assertTrue(refused(new byte[5]).contains("too short"));
        byte[] valid = SafeTensors.encode(sample(1), Map.of());
        byte[] huge = valid.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertTrue(refused(huge).contains("bad header length"), refused(huge));
        byte[] beyond = valid.clone();
        ByteBuffer.wrap(beyond).order(ByteOrder.LITTLE_ENDIAN).putLong(0, valid.length);
        assertTrue(refused(beyond).contains("bad header length"));
        byte[] negative = valid.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -8);
        assertTrue(refused(negative).contains("bad header length"));
    }

    @Test
    void refusesATruncatedFile() {
        byte[] valid = SafeTensors.encode(sample(2), Map.of());
        for (int cut : new int[]{1, 4, 17}) {
            String m = refused(Arrays.copyOf(valid, valid.length - cut));
            assertTrue(m.contains("truncated"), m);
        }
    }

    @Test
    void refusesOffsetsPastTheEndAndShapeOffsetMismatches() {
        String m = refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4));
        assertTrue(m.contains("ends at data byte 8") && m.contains("truncated"), m);
        m = refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertTrue(m.contains("shape [3]") && m.contains("span 8 bytes"), m);
        m = refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8));
        assertTrue(m.contains("backwards"), m);
    }

    @Test
    void refusesGapsOverlapsAndTrailingBytes() {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(refused(raw(overlap, 12)).contains("overlapping or missing"));
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(refused(raw(gap, 8)).contains("overlapping or missing"));
        String one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertTrue(refused(raw(one, 12)).contains("cover 4 data bytes but the file holds 12"));
    }

    @Test
    void refusesMalformedHeaders() {
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",", 0)).contains("not valid JSON"));
        assertTrue(refused(raw("[1,2,3]", 0)).contains("not a JSON object"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2)).contains("only F32"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4)).contains("no shape"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4)).contains("no data_offsets"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)).contains("negative"));
        assertTrue(refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4)).contains("non-integer"));
        assertTrue(refused(raw("{\"__metadata__\":{\"k\":1}}", 0)).contains("not a string"));
        byte[] badUtf8 = raw("{\"x\":1}", 0);
        badUtf8[9] = (byte) 0xff;
        assertTrue(refused(badUtf8).contains("UTF-8"));
    }

    @Test
    void requireNamesTheMissingTensorAndTheWrongShape() throws Exception {
        SafeTensors.Contents c = SafeTensors.decode("m.safetensors", SafeTensors.encode(sample(3), Map.of()));
        String m = assertThrows(CheckpointException.class, () -> c.require("m.safetensors", "head.weight", 7, 5)).getMessage();
        assertTrue(m.contains("lacks tensor 'head.weight'"), m);
        m = assertThrows(CheckpointException.class, () -> c.require("m.safetensors", "embedding.weight", 5, 7)).getMessage();
        assertTrue(m.contains("[7, 5]") && m.contains("[5, 7]"), m);
        assertArrayEquals(new int[]{7, 5}, c.require("m.safetensors", "embedding.weight", 7, 5).shape());
    }
}
