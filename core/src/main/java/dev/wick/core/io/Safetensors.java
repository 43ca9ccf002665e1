package dev.wick.core.io;

import dev.wick.core.Engine;
import dev.wick.core.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format (Hugging Face's, which PyTorch, JAX and others write): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON naming each tensor's dtype, shape and byte
 * range {@code data_offsets: [begin, end)} in the data section, plus an optional
 * {@value #METADATA} object of strings; then the data, little-endian. Wick reads and writes F16,
 * BF16, F32, F64, I32 and I64.
 *
 * <p>Reading is strict, so that a damaged or foreign file is refused with one line naming the file
 * and the fault before any value is used: the header length against the file size, valid UTF-8,
 * strict JSON (no duplicate keys, no unknown fields), every entry's dtype, shape and offsets, each
 * byte range matching its shape, and the ranges tiling the data section exactly (no gap, overlap
 * or trailing byte). Writing pads the header with spaces to a multiple of 8 bytes (aligned data, as
 * the reference implementation writes) and replaces the file atomically.
 */
public final class Safetensors {
    /** The header key of the metadata object. */
    public static final String METADATA = "__metadata__";
    /** The reference implementation's bound on the header; a larger length field is damage. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");
    /** The format's other types: named as unsupported rather than as unknown. */
    private static final Set<String> OTHER_FORMAT_TYPES = Set.of("BOOL", "U8", "I8", "I16", "U16", "U32", "U64",
            "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2");

    private Safetensors() {
    }

    /**
     * A parsed file: its tensors in file order, and its metadata (empty when it has none).
     *
     * @param tensors the tensors by name, on the host, in file order
     * @param metadata the {@value #METADATA} strings by key
     */
    public record Contents(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        /**
         * Copies both maps, keeping their order; the copies cannot be modified.
         *
         * @param tensors the tensors by name, in file order
         * @param metadata the metadata strings by key
         */
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /**
         * Every tensor on {@code engine}, each as its stored type's Wick dtype, in file order. They
         * belong to the caller (or the open scope); on a failure none is left open.
         *
         * @param engine where the tensors are made
         * @return new tensors by name, in file order
         * @throws IllegalArgumentException if an I64 tensor holds a value outside INT32's range
         */
        public Map<String, Tensor> toTensors(Engine engine) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            try {
                tensors.forEach((name, t) -> out.put(name, t.toTensor(engine, name)));
            } catch (RuntimeException e) {
                out.values().forEach(Tensor::close);
                throw e;
            }
            return out;
        }
    }

    /**
     * Reads and checks a whole file.
     *
     * @param file the file read
     * @return its tensors (on the host) and metadata
     * @throws SafetensorsException if the file is damaged, not a safetensors file, or over 2 GiB
     * @throws IOException if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(file + " is " + size + " bytes: files over 2 GiB are not supported");
        }
        return decode(Files.readAllBytes(file), file.toString());
    }

    /**
     * The file's tensors on {@code engine} (see {@link Contents#toTensors}).
     *
     * @param file the file read
     * @param engine where the tensors are made
     * @return new tensors by name, in file order
     * @throws SafetensorsException if the file is damaged, not a safetensors file, or over 2 GiB
     * @throws IOException if it cannot be read
     */
    public static Map<String, Tensor> load(Path file, Engine engine) throws IOException {
        return read(file).toTensors(engine);
    }

    /**
     * Writes {@code tensors} (in map order) with their own dtypes and no metadata.
     *
     * @param file the file written, replaced atomically
     * @param tensors the tensors by name (read, not closed)
     * @throws IOException if the file cannot be written
     */
    public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
        save(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} (in map order) with their own dtypes, and {@code metadata}.
     *
     * @param file the file written, replaced atomically
     * @param tensors the tensors by name (read, not closed)
     * @param metadata strings stored under {@value #METADATA}; empty for none
     * @throws IOException if the file cannot be written
     */
    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, StoredTensor> stored = new LinkedHashMap<>();
        tensors.forEach((name, t) -> stored.put(name, StoredTensor.of(t)));
        write(file, stored, metadata);
    }

    /**
     * Writes stored tensors and metadata, replacing {@code file} atomically (a crash leaves the old file or the new).
     *
     * @param file the file written; a temporary file in its folder is moved over it
     * @param tensors the stored tensors by name
     * @param metadata strings stored under {@value #METADATA}; null or empty for none
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, Map<String, StoredTensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] bytes = encode(tensors, metadata);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The bytes of a file holding {@code tensors} (in map order) and {@code metadata}.
     *
     * @param tensors the stored tensors by name; a name must be non-empty and not {@value #METADATA}
     * @param metadata strings stored under {@value #METADATA}; null or empty for none
     * @return the whole file
     * @throws IllegalArgumentException if a name is empty or reserved, or the file would exceed 2 GiB
     */
    public static byte[] encode(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            HeaderJson.appendString(json, METADATA);
            json.append(":{");
            boolean first = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (!first) json.append(',');
                first = false;
                HeaderJson.appendString(json, m.getKey());
                json.append(':');
                HeaderJson.appendString(json, m.getValue());
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("'" + name + "' cannot name a tensor");
            }
            StoredTensor t = e.getValue();
            if (json.length() > 1) json.append(',');
            HeaderJson.appendString(json, name);
            json.append(":{\"dtype\":\"").append(t.dtype().name()).append("\",\"shape\":[");
            int[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) json.append(i == 0 ? "" : ",").append(shape[i]);
            long end = offset + t.bytes().length;
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensors too large for one file: " + total + " bytes");
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) out.put((byte) ' ');
        for (StoredTensor t : tensors.values()) out.put(t.bytes());
        return out.array();
    }

    /**
     * Parses and checks a whole file's bytes; {@code source} names it in messages.
     *
     * @param bytes the whole file
     * @param source the file's name (or any label) for messages
     * @return its tensors (on the host) and metadata
     * @throws SafetensorsException if the bytes are not a well-formed safetensors file
     */
    public static Contents decode(byte[] bytes, String source) throws SafetensorsException {
        if (bytes.length < 8) {
            throw new SafetensorsException(source + " is too short (" + bytes.length + " bytes) to be a safetensors file");
        }
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > bytes.length - 8L) {
            throw new SafetensorsException(source + " has a bad header length " + Long.toUnsignedString(headerLength)
                    + " for its " + bytes.length + " bytes: it is truncated or not a safetensors file");
        }
        int dataStart = 8 + (int) headerLength;
        long dataLength = bytes.length - (long) dataStart;
        Map<?, ?> header = header(source, bytes, (int) headerLength);

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals(METADATA)) {
                readMetadata(source, e.getValue(), metadata);
            } else {
                entries.add(entry(source, key, e.getValue(), dataLength));
            }
        }
        checkTiling(source, entries, dataLength);
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            byte[] data = new byte[(int) (e.end - e.begin)];
            System.arraycopy(bytes, dataStart + (int) e.begin, data, 0, data.length);
            tensors.put(e.name, new StoredTensor(e.dtype, e.shape, data));
        }
        return new Contents(tensors, metadata);
    }

    private record Entry(String name, StoredDType dtype, int[] shape, long begin, long end) {
    }

    private static Map<?, ?> header(String source, byte[] bytes, int length) throws SafetensorsException {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 8, length)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(source + ": the header is not valid UTF-8");
        }
        Object root;
        try {
            root = HeaderJson.parse(json);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(source + ": the header is not valid: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> m)) throw new SafetensorsException(source + ": the header is not a JSON object");
        return m;
    }

    private static void readMetadata(String source, Object value, Map<String, String> out) throws SafetensorsException {
        if (!(value instanceof Map<?, ?> m)) throw new SafetensorsException(source + ": " + METADATA + " is not an object");
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafetensorsException(source + ": metadata '" + e.getKey() + "' is not a string");
            }
            out.put((String) e.getKey(), s);
        }
    }

    private static Entry entry(String source, String name, Object value, long dataLength) throws SafetensorsException {
        String where = source + ": tensor '" + name + "'";
        if (name.isEmpty()) throw new SafetensorsException(source + ": a tensor has an empty name");
        if (!(value instanceof Map<?, ?> m)) throw new SafetensorsException(where + " is not described by an object");
        if (!m.keySet().equals(ENTRY_FIELDS)) {
            throw new SafetensorsException(where + " has fields " + m.keySet() + ", expected exactly " + ENTRY_FIELDS);
        }
        if (!(m.get("dtype") instanceof String typeName)) throw new SafetensorsException(where + ": dtype is not a string");
        StoredDType dtype = storedType(where, typeName);
        if (!(m.get("shape") instanceof List<?> dims)) throw new SafetensorsException(where + ": shape is not an array");
        int[] shape = new int[dims.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d > Integer.MAX_VALUE) {
                throw new SafetensorsException(where + ": shape " + dims + " is not a list of dimensions Wick can hold");
            }
            shape[i] = (int) (long) d;
            numel *= d;
            if (numel > Integer.MAX_VALUE) throw new SafetensorsException(where + ": shape " + dims + " has too many elements");
        }
        if (!(m.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw new SafetensorsException(where + ": data_offsets is not a pair of whole numbers");
        }
        if (begin > end) {
            throw new SafetensorsException(where + ": data_offsets [" + begin + ", " + end + ") run backwards");
        }
        if (end > dataLength) {
            throw new SafetensorsException(where + ": data_offsets [" + begin + ", " + end + ") lie outside the "
                    + dataLength + "-byte data section: the file is truncated or damaged");
        }
        if (end - begin != numel * dtype.byteSize()) {
            throw new SafetensorsException(where + ": " + (end - begin) + " bytes do not hold " + dtype + " " + dims);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static StoredDType storedType(String where, String name) throws SafetensorsException {
        for (StoredDType t : StoredDType.values()) {
            if (t.name().equals(name)) return t;
        }
        throw new SafetensorsException(where + (OTHER_FORMAT_TYPES.contains(name) ? " has dtype " + name
                + ", which Wick does not read (it reads F16, BF16, F32, F64, I32 and I64)" : " has unknown dtype '" + name + "'"));
    }

    private static void checkTiling(String source, List<Entry> entries, long dataLength) throws SafetensorsException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long next = 0;
        for (Entry e : sorted) {
            if (e.begin != next) {
                throw new SafetensorsException(source + ": tensor '" + e.name + "' starts at byte " + e.begin + " of the data, "
                        + (e.begin < next ? "inside the previous tensor" : "leaving a gap after byte " + next));
            }
            next = e.end;
        }
        if (next != dataLength) {
            throw new SafetensorsException(source + ": the tensors end at byte " + next + " of a " + dataLength
                    + "-byte data section (trailing bytes)");
        }
    }
}
