package dev.wick.core.io;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The safetensors reader and writer: files as other writers lay them out, every dtype, and damage refused. */
class SafetensorsTest {
    private static final long SEED = Long.getLong("wick.test.seed", System.nanoTime());

    static {
        System.out.println("SafetensorsTest seed " + SEED + " (replay with -Dwick.test.seed=" + SEED + ")");
    }

    /** A file laid out byte by byte from the format's rules, as PyTorch's safetensors writes one. */
    static byte[] fileOf(String headerJson, byte[]... data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        int total = 8 + padded;
        for (byte[] d : data) total += d.length;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) b.put((byte) ' ');
        for (byte[] d : data) b.put(d);
        return b.array();
    }

    static byte[] le(int bytesEach, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * bytesEach).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (bytesEach) {
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                case 8 -> b.putLong(v);
                default -> throw new AssertionError();
            }
        }
        return b.array();
    }

    @Test
    void aForeignFileWithEveryDtypeAndMetadataLoadsWithTheRightValues() throws Exception {
        // Offsets given out of file order and keys in another order than the data, as writers may.
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"__metadata__\":{\"format\":\"pt\",\"note\":\"caf\\u00e9 \\\"q\\\"\"},"
                + "\"b\":{\"shape\":[3],\"dtype\":\"BF16\",\"data_offsets\":[8,14]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[14,30]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[30,38]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[38,38]}}";
        byte[] bytes = fileOf(header,
                le(2, 0x3C00, 0xC000, 0x0001, 0x7BFF),          // 1, -2, 2^-24 (subnormal), 65504
                le(2, 0x3F80, 0xBF40, 0x4049),                  // 1, -0.75, 3.140625
                le(8, -5, 3_000_000_000L - 3_000_000_000L + 7), // -5, 7
                le(8, Double.doubleToLongBits(Math.PI)));
        Safetensors.Contents c = Safetensors.decode(bytes, "foreign.safetensors");
        assertEquals(List.of("h", "b", "i", "d", "e"), List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("format", "pt", "note", "café \"q\""), c.metadata());
        try (Engine e = Wick.cpu(1); Scope s = e.scope()) {
            Map<String, Tensor> t = c.toTensors(e);
            assertArrayEquals(new float[]{1, -2, 0x1p-24f, 65504}, t.get("h").toFloatArray());
            assertArrayEquals(new float[]{1, -0.75f, 3.140625f}, t.get("b").toFloatArray());
            assertEquals(DType.INT32, t.get("i").dtype());
            assertArrayEquals(new int[]{-5, 7}, t.get("i").toIntArray());
            assertEquals(Math.PI, t.get("d").item());
            assertEquals(0, t.get("e").numel());
            assertArrayEquals(new int[]{0, 4}, t.get("e").shape().dims());
        }
    }

    /** Every half-precision pattern widens to what its definition says (sign, 5-bit exponent, 10-bit mantissa). */
    @Test
    void everyF16AndBf16PatternWidensExactlyAndRoundTrips() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = bits >> 15, exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
            double expected = exponent == 0 ? Math.scalb((double) mantissa, -24)
                    : exponent == 31 ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                    : Math.scalb(1024.0 + mantissa, exponent - 25);
            if (sign == 1) expected = -expected;
            float got = HalfFloats.f16ToFloat((short) bits);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(got), "f16 " + Integer.toHexString(bits));
                assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(got))));
                continue;
            }
            assertEquals(expected, got, 0.0, "f16 " + Integer.toHexString(bits));
            assertEquals(Float.floatToRawIntBits(got), Float.floatToRawIntBits(HalfFloats.f16ToFloat(HalfFloats.floatToF16(got))),
                    "f16 round trip " + Integer.toHexString(bits));
            float bf = HalfFloats.bf16ToFloat((short) bits);
            if (!Float.isNaN(bf)) assertEquals((short) bits, HalfFloats.floatToBf16(bf), "bf16 " + Integer.toHexString(bits));
        }
    }

    /**
     * Narrowing picks the nearer of the two neighbouring halves, the even one on a tie, and
     * infinity from 65520 up (float16) - checked against the neighbours of the result.
     */
    @Test
    void narrowingToF16AndBf16RoundsToNearestEven() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < 50_000; i++) {
            float x;
            if (i % 4 == 0) {
                // Exactly halfway between two halves: the ties.
                short h = (short) r.nextInt(0x7bff);
                x = (float) ((HalfFloats.f16ToFloat(h) + (double) HalfFloats.f16ToFloat((short) (h + 1))) / 2);
            } else {
                x = (float) Math.scalb(r.nextDouble(0.5, 1), r.nextInt(-30, 18));
            }
            if (r.nextBoolean()) x = -x;
            short h = HalfFloats.floatToF16(x);
            float chosen = HalfFloats.f16ToFloat(h);
            if (Math.abs(x) >= 65520f) {
                assertEquals(Math.copySign(Float.POSITIVE_INFINITY, x), chosen, "f16 of " + x);
                continue;
            }
            assertNearestEven(x, chosen, h, HalfFloats.f16ToFloat(nextUp(h)),
                    HalfFloats.f16ToFloat(nextDown(h)), "f16 of " + x);
            short b = HalfFloats.floatToBf16(x);
            assertNearestEven(x, HalfFloats.bf16ToFloat(b), b, HalfFloats.bf16ToFloat(nextUp(b)),
                    HalfFloats.bf16ToFloat(nextDown(b)), "bf16 of " + x);
        }
    }

    /** The next 16-bit float above (toward +infinity): sign-magnitude bits, as float16 and bfloat16 both are. */
    private static short nextUp(short h) {
        int bits = h & 0xffff;
        if (bits == 0x8000) return 1;
        return (short) ((bits & 0x8000) == 0 ? bits + 1 : bits - 1);
    }

    /** The next 16-bit float below (toward -infinity). */
    private static short nextDown(short h) {
        int bits = h & 0xffff;
        if (bits == 0) return (short) 0x8001;
        return (short) ((bits & 0x8000) == 0 ? bits - 1 : bits + 1);
    }

    private static void assertNearestEven(float x, float chosen, short bits, float above, float below, String what) {
        double d = Math.abs((double) x - chosen);
        for (float other : new float[]{above, below}) {
            if (Float.isInfinite(other) || Float.isNaN(other)) continue;
            double o = Math.abs((double) x - other);
            assertTrue(d <= o, what + " -> " + chosen + " but " + other + " is nearer");
            if (d == o && chosen != other) assertEquals(0, bits & 1, what + ": a tie goes to the even half");
        }
    }

    @Test
    void wicksOwnFilesRoundTripInEveryStoredTypeAtomically(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(SEED);
        try (Engine e = Wick.cpu(1); Scope s = e.scope()) {
            Tensor f = e.uniform(DType.FLOAT32, SEED, -3, 3, 5, 7);
            Tensor d = e.uniform(DType.FLOAT64, SEED + 1, -3, 3, 11);
            int[] ints = new int[9];
            for (int i = 0; i < ints.length; i++) ints[i] = r.nextInt();
            Tensor n = e.fromInts(ints, 3, 3);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("layer.0.weight", f);
            tensors.put("d", d);
            tensors.put("ids", n);
            Path file = dir.resolve("model.safetensors");
            Safetensors.save(file, tensors, Map.of("step", "12"));
            Safetensors.Contents back = Safetensors.read(file);
            assertEquals(Map.of("step", "12"), back.metadata());
            Map<String, Tensor> loaded = back.toTensors(e);
            assertArrayEquals(f.toFloatArray(), loaded.get("layer.0.weight").toFloatArray());
            assertArrayEquals(d.toDoubleArray(), loaded.get("d").toDoubleArray());
            assertArrayEquals(ints, loaded.get("ids").toIntArray());
            assertEquals(0, (Files.readAllBytes(file).length - back.tensors().values().stream()
                    .mapToInt(t -> t.numel() * t.dtype().byteSize()).sum()) % 8, "the data starts 8-byte aligned");
            try (var files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temporary file left");
            }

            for (StoredDType as : new StoredDType[]{StoredDType.F16, StoredDType.BF16, StoredDType.F64}) {
                Map<String, StoredTensor> one = Map.of("f", StoredTensor.of(f, as));
                Safetensors.write(file, one, Map.of());
                float[] got = Safetensors.read(file).tensors().get("f").toTensor(e, DType.FLOAT32, "f").toFloatArray();
                float[] want = f.toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    float rounded = switch (as) {
                        case F16 -> HalfFloats.f16ToFloat(HalfFloats.floatToF16(want[i]));
                        case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(want[i]));
                        default -> want[i];
                    };
                    assertEquals(rounded, got[i], 0f, as + " element " + i);
                }
            }
            Safetensors.write(file, Map.of("n", StoredTensor.of(n, StoredDType.I64)), Map.of());
            assertArrayEquals(ints, Safetensors.load(file, e).get("n").toIntArray());
            assertThrows(IllegalArgumentException.class, () -> StoredTensor.of(f, StoredDType.I32));
        }
    }

    @Test
    void anI64BeyondInt32IsRefusedNamingTheTensorAndElement() throws Exception {
        byte[] bytes = fileOf("{\"big\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]}}", le(8, 1, 2, 1L << 40));
        Safetensors.Contents c = Safetensors.decode(bytes, "x");
        try (Engine e = Wick.cpu(1); Scope s = e.scope()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> c.toTensors(e));
            assertTrue(ex.getMessage().contains("'big'") && ex.getMessage().contains("element 2"), ex.getMessage());
            assertEquals(0, e.memoryStats().bytesInUse(), "nothing left allocated");
            assertThrows(IllegalArgumentException.class, () -> c.tensors().get("big").toTensor(e, DType.FLOAT32, "big"));
        }
    }

    @Test
    void damagedAndForeignHeadersAreRefusedWithOneLineNamingTheFault() {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] data = le(4, 1, 2);
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("too short", new byte[5]);
        byte[] huge = fileOf(ok, data);
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        cases.put("bad header length", huge);
        byte[] truncated = fileOf(ok, data);
        cases.put("trailing", fileOf(ok, data, new byte[4]));
        cases.put("truncated", java.util.Arrays.copyOf(truncated, truncated.length - 1));
        cases.put("not json", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", data));
        cases.put("duplicate key", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data));
        cases.put("extra field", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", data));
        cases.put("unsupported dtype", fileOf("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", data));
        cases.put("unknown dtype", fileOf("{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", data));
        cases.put("fractional shape", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", data));
        cases.put("size mismatch", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data));
        cases.put("overlap", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data));
        cases.put("gap", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data));
        cases.put("metadata not strings", fileOf("{\"__metadata__\":{\"k\":5},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data));
        byte[] badUtf8 = fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data);
        badUtf8[10] = (byte) 0xff;
        cases.put("bad utf-8", badUtf8);
        cases.put("backwards", fileOf("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", data));
        cases.forEach((what, bytes) -> {
            SafetensorsException ex = assertThrows(SafetensorsException.class, () -> Safetensors.decode(bytes, "m.safetensors"), what);
            assertTrue(ex.getMessage().startsWith("m.safetensors"), what + ": " + ex.getMessage());
            assertTrue(!ex.getMessage().contains("\n"), what + ": one line");
        });
        for (int cut = 1; cut <= data.length; cut++) {
            byte[] whole = fileOf(ok, data);
            byte[] shorter = java.util.Arrays.copyOf(whole, whole.length - cut);
            String m = assertThrows(SafetensorsException.class, () -> Safetensors.decode(shorter, "m.safetensors")).getMessage();
            assertTrue(m.contains("truncated"), "cut " + cut + ": " + m);
        }
    }

    /**
     * A file's values on the host without an engine: F32 bit for bit (NaN payloads, -0, infinities,
     * subnormals), the narrow types widened exactly, F64 rounded; integers are no floats.
     */
    @Test
    void storedValuesReadOnTheHostAreTheFilesValues() throws Exception {
        SplittableRandom r = new SplittableRandom(SEED);
        int[] special = {0x7fc12345, 0xffa00001, 0x7f800000, 0xff800000, 0x80000000, 0x00000001, 0xff7fffff};
        long[] f32 = new long[special.length + 9];
        for (int i = 0; i < f32.length; i++) {
            f32[i] = i < special.length ? special[i] : Float.floatToRawIntBits((float) (r.nextGaussian() * Math.exp(r.nextDouble(-20, 20))));
        }
        double[] f64 = {Math.PI, -1e300, Double.MIN_VALUE, r.nextDouble()};
        long[] f64Bits = new long[f64.length];
        for (int i = 0; i < f64.length; i++) f64Bits[i] = Double.doubleToRawLongBits(f64[i]);
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,64]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[4],\"data_offsets\":[64,96]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[96,100]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[100,104]}}";
        Safetensors.Contents c = Safetensors.decode(fileOf(header, le(4, f32), le(8, f64Bits), le(2, 0x3C00, 0x0001),
                le(4, 7)), "host.safetensors");
        float[] a = c.tensors().get("a").toFloatArray();
        for (int i = 0; i < f32.length; i++) {
            assertEquals((int) f32[i], Float.floatToRawIntBits(a[i]), "element " + i + ", seed " + SEED);
        }
        float[] d = c.tensors().get("d").toFloatArray();
        for (int i = 0; i < f64.length; i++) assertEquals((float) f64[i], d[i], "F64 element " + i);
        assertArrayEquals(new float[]{1, 0x1p-24f}, c.tensors().get("h").toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> c.tensors().get("i").toFloatArray());
    }
}
