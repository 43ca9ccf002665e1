package dev.wick.lm.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, float32 tensors only: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON mapping each tensor name to {"dtype":"F32","shape":[..],"data_offsets":[begin,end]}
 * (byte offsets into the data section, end exclusive), plus an optional "__metadata__" object of
 * string values; then the data section, raw little-endian values. The header is padded with spaces
 * to a multiple of 8 bytes so the data is aligned, as the reference implementation does.
 *
 * <p>Reading checks everything a damaged file can get wrong before any value is used: the header
 * length against the file's size, the JSON, each entry's dtype, shape and offsets, that each
 * tensor's byte range matches its shape, and that the tensors tile the data section exactly (no
 * gaps, overlaps or trailing bytes).
 */
public final class SafeTensors {
    /** The reference implementation's bound; a larger header is a corrupted length field. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String METADATA = "__metadata__";

    private SafeTensors() {
    }

    /** A parsed file: tensors in file order, and the metadata (empty when there was none). */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The tensor called {@code name}, with the expected shape, or a CheckpointException naming what is wrong. */
        public HostTensor require(String file, String name, int... expectedShape) throws CheckpointException {
            HostTensor t = tensors.get(name);
            if (t == null) {
                throw new CheckpointException(file + " lacks tensor '" + name + "' (it holds " + tensors.keySet() + ")");
            }
            if (!Arrays.equals(t.shape(), expectedShape)) {
                throw new CheckpointException(file + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + " but " + Arrays.toString(expectedShape) + " is expected");
            }
            return t;
        }
    }

    /** The bytes of a safetensors file holding {@code tensors} (in the map's order) and {@code metadata}. */
    public static byte[] encode(Map<String, HostTensor> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) throw new IllegalArgumentException("'" + METADATA + "' is not a tensor name");
            HostTensor t = e.getValue();
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            entry.add("shape", shape);
            long end = offset + 4L * t.data().length;
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(end);
            entry.add("data_offsets", offsets);
            header.add(e.getKey(), entry);
            offset = end;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensors too large for one file: " + total + " bytes");
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) out.put((byte) ' ');
        for (HostTensor t : tensors.values()) {
            for (float v : t.data()) out.putFloat(v);
        }
        return out.array();
    }

    /** Parses a whole file's bytes; {@code file} names it in error messages. */
    public static Contents decode(String file, byte[] bytes) throws CheckpointException {
        if (bytes.length < 8) {
            throw new CheckpointException(file + " is too short (" + bytes.length + " bytes) to hold a safetensors header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = in.getLong(0);
        if (headerLength <= 1 || headerLength > MAX_HEADER_BYTES || headerLength > bytes.length - 8L) {
            throw new CheckpointException(file + " has a bad header length " + Long.toUnsignedString(headerLength)
                    + " (the file has " + bytes.length + " bytes): it is truncated or not a safetensors file");
        }
        int dataStart = 8 + (int) headerLength;
        long dataLength = bytes.length - (long) dataStart;
        JsonObject header = parseHeader(file, bytes, (int) headerLength);

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                entries.add(readEntry(file, e.getKey(), e.getValue(), dataLength));
            }
        }
        checkTiling(file, entries, dataLength);

        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            float[] data = new float[Math.toIntExact(e.numel)];
            ByteBuffer slice = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            slice.position(dataStart + (int) e.begin);
            slice.asFloatBuffer().get(data);
            tensors.put(e.name, new HostTensor(e.shape, data));
        }
        return new Contents(tensors, metadata);
    }

    private record Entry(String name, int[] shape, long numel, long begin, long end) {
    }

    private static JsonObject parseHeader(String file, byte[] bytes, int length) throws CheckpointException {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 8, length)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file + ": the header is not valid UTF-8 (corrupted)");
        }
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) throw new CheckpointException(file + ": the header is not a JSON object");
            return root.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new CheckpointException(file + ": the header is not valid JSON (corrupted): " + firstLine(e.getMessage()));
        }
    }

    private static void readMetadata(String file, JsonElement value, Map<String, String> into) throws CheckpointException {
        if (!value.isJsonObject()) throw new CheckpointException(file + ": '" + METADATA + "' is not a JSON object");
        for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
            if (!(m.getValue() instanceof JsonPrimitive p) || !p.isString()) {
                throw new CheckpointException(file + ": metadata value '" + m.getKey() + "' is not a string");
            }
            into.put(m.getKey(), p.getAsString());
        }
    }

    private static Entry readEntry(String file, String name, JsonElement value, long dataLength) throws CheckpointException {
        String where = file + ": tensor '" + name + "'";
        if (!value.isJsonObject()) throw new CheckpointException(where + " is not described by a JSON object");
        JsonObject o = value.getAsJsonObject();
        JsonElement dtype = o.get("dtype");
        if (!(dtype instanceof JsonPrimitive p) || !p.isString()) throw new CheckpointException(where + " has no dtype");
        if (!dtype.getAsString().equals("F32")) {
            throw new CheckpointException(where + " has dtype " + dtype.getAsString() + "; only F32 is supported");
        }
        long[] dims = longArray(where, o.get("shape"), "shape", -1);
        long[] offsets = longArray(where, o.get("data_offsets"), "data_offsets", 2);
        int[] shape = new int[dims.length];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE) throw new CheckpointException(where + " has a dimension too large: " + dims[i]);
            shape[i] = (int) dims[i];
            numel *= dims[i];
            if (numel > Integer.MAX_VALUE) throw new CheckpointException(where + " has too many elements");
        }
        long begin = offsets[0], end = offsets[1];
        if (begin > end) throw new CheckpointException(where + " has data_offsets [" + begin + ", " + end + ") that run backwards");
        if (end > dataLength) {
            throw new CheckpointException(where + " ends at data byte " + end + " but the file's data section has only "
                    + dataLength + " bytes: the file is truncated or corrupted");
        }
        if (end - begin != 4 * numel) {
            throw new CheckpointException(where + " has shape " + Arrays.toString(shape) + " (" + 4 * numel
                    + " bytes of F32) but data_offsets [" + begin + ", " + end + ") span " + (end - begin) + " bytes");
        }
        return new Entry(name, shape, numel, begin, end);
    }

    private static long[] longArray(String where, JsonElement e, String field, int expectedLength) throws CheckpointException {
        if (e == null || !e.isJsonArray()) throw new CheckpointException(where + " has no " + field + " array");
        JsonArray a = e.getAsJsonArray();
        if (expectedLength >= 0 && a.size() != expectedLength) {
            throw new CheckpointException(where + ": " + field + " must have " + expectedLength + " entries, has " + a.size());
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            if (!(x instanceof JsonPrimitive p) || !p.isNumber()) {
                throw new CheckpointException(where + ": " + field + " holds a non-number: " + x);
            }
            try {
                out[i] = p.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException ex) {
                throw new CheckpointException(where + ": " + field + " holds a non-integer: " + x);
            }
            if (out[i] < 0) throw new CheckpointException(where + ": " + field + " holds a negative value: " + x);
        }
        return out;
    }

    /** The tensors must cover the data section exactly, each byte once, as the format requires. */
    private static void checkTiling(String file, List<Entry> entries, long dataLength) throws CheckpointException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin != expected) {
                throw new CheckpointException(file + ": tensor '" + e.name + "' starts at data byte " + e.begin
                        + " where " + expected + " was expected (overlapping or missing data)");
            }
            expected = e.end;
        }
        if (expected != dataLength) {
            throw new CheckpointException(file + ": the tensors cover " + expected + " data bytes but the file holds "
                    + dataLength + " (corrupted)");
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
