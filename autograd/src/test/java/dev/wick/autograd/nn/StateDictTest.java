package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import dev.wick.core.io.Safetensors;
import dev.wick.core.io.SafetensorsException;
import dev.wick.core.io.StoredDType;
import dev.wick.core.io.StoredTensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Module.stateDict / loadStateDict: PyTorch's names, safetensors files of every dtype, strict and all-or-nothing loads. */
class StateDictTest {
    private Engine e;
    private long seed;

    @BeforeEach
    void open() {
        e = Wick.cpu(1);
        seed = Long.getLong("wick.test.seed", System.nanoTime());
        System.out.println("StateDictTest seed " + seed + " (replay with -Dwick.test.seed=" + seed + ")");
    }

    @AfterEach
    void close() {
        e.close();
    }

    private static List<double[]> values(Module m) {
        List<double[]> out = new ArrayList<>();
        for (Variable p : m.parameters()) out.add(p.value().toDoubleArray());
        return out;
    }

    private static void assertSameValues(List<double[]> expected, Module m, String what) {
        List<double[]> got = values(m);
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), got.get(i), 0.0, what + " parameter " + i);
    }

    private RnnLanguageModel lstm(DType dtype, long s) {
        return new RnnLanguageModel(e, dtype, new RnnLanguageModel.Config(RnnLanguageModel.Cell.LSTM, 11, 6, 5, 2, 0.1, false), s);
    }

    @Test
    void aModelSavedAndLoadedIntoAFreshOneGetsEveryValueBack(@TempDir Path dir) throws Exception {
        try (RnnLanguageModel saved = lstm(DType.FLOAT32, seed); RnnLanguageModel fresh = lstm(DType.FLOAT32, seed + 1)) {
            assertEquals(List.of("embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                    "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "head.weight", "head.bias"),
                    List.copyOf(saved.stateDict().keySet()));
            Path file = dir.resolve("lm.safetensors");
            saved.saveStateDict(file);
            fresh.loadStateDict(file);
            assertSameValues(values(saved), fresh, "after load");
            assertEquals(saved.stateDict().keySet(), Safetensors.read(file).tensors().keySet());
        }
    }

    /**
     * A Linear's weights as PyTorch's safetensors would write them (names "weight" and "bias", BF16
     * and F16, header keys in another order than the data), laid out here from the format's rules,
     * load into a float64 Linear with exactly the stored values.
     */
    @Test
    void aFileInPyTorchsLayoutWithHalfPrecisionLoadsIntoAFloat64Module(@TempDir Path dir) throws Exception {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},\"bias\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"weight\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.position() < 8 + padded) b.put((byte) ' ');
        for (int bits : new int[]{0x3F80, 0xBF40, 0x4049, 0x0000, 0x3E00, 0xC2C8}) b.putShort((short) bits); // 1, -0.75, 3.140625, 0, 0.125, -100
        for (int bits : new int[]{0x3800, 0xB400}) b.putShort((short) bits); // 0.5, -0.25
        Path file = dir.resolve("pytorch.safetensors");
        Files.write(file, b.array());
        try (Linear l = new Linear(e, DType.FLOAT64, 3, 2, seed)) {
            l.loadStateDict(file);
            assertArrayEquals(new double[]{1, -0.75, 3.140625, 0, 0.125, -100}, l.weight().value().toDoubleArray(), 0.0);
            assertArrayEquals(new double[]{0.5, -0.25}, l.bias().value().toDoubleArray(), 0.0);
        }
    }

    @Test
    void float64ValuesLoadIntoAFloat32ModelRoundedAndTensorsOfAnotherEngineAreCopied() {
        try (Engine other = Wick.cpu(2); Linear wide = new Linear(other, DType.FLOAT64, 4, 3, seed);
             Linear narrow = new Linear(e, DType.FLOAT32, 4, 3, seed + 1)) {
            narrow.loadStateDict(wide.stateDict());
            double[] w = wide.weight().value().toDoubleArray();
            float[] got = narrow.weight().value().toFloatArray();
            for (int i = 0; i < w.length; i++) assertEquals((float) w[i], got[i], 0f, "element " + i);
        }
    }

    /** Each bad state dict is refused with a message naming the fault, and no parameter changes. */
    @Test
    void aBadStateDictIsRefusedWholeAndChangesNothing(@TempDir Path dir) throws Exception {
        try (RnnLanguageModel m = lstm(DType.FLOAT32, seed); RnnLanguageModel donor = lstm(DType.FLOAT32, seed + 1);
             Scope s = e.scope()) {
            List<double[]> before = values(m);
            Map<String, Tensor> good = donor.stateDict();

            Map<String, Tensor> missing = new LinkedHashMap<>(good);
            missing.remove("head.bias");
            assertMessage(() -> m.loadStateDict(missing), "missing [head.bias]");

            Map<String, Tensor> extra = new LinkedHashMap<>(good);
            extra.put("decoder.weight", good.get("head.weight"));
            assertMessage(() -> m.loadStateDict(extra), "unexpected [decoder.weight]");

            Map<String, Tensor> misshapen = new LinkedHashMap<>(good);
            misshapen.put("head.bias", e.zeros(DType.FLOAT32, 12));
            assertMessage(() -> m.loadStateDict(misshapen), "'head.bias' has shape [12]");

            Map<String, Tensor> ints = new LinkedHashMap<>(good);
            ints.put("head.bias", e.fromInts(new int[11], 11)); // the last entry: every other one converts first
            assertMessage(() -> m.loadStateDict(ints), "'head.bias' is INT32");

            Map<String, StoredTensor> stored = new LinkedHashMap<>();
            good.forEach((k, v) -> stored.put(k, StoredTensor.of(v)));
            stored.put("head.bias", StoredTensor.of(e.fromInts(new int[11], 11), StoredDType.I64));
            Path file = dir.resolve("bad.safetensors");
            Safetensors.write(file, stored, Map.of());
            assertMessage(() -> m.loadStateDict(file), "'head.bias' is stored as I64");

            donor.saveStateDict(file);
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
            assertThrows(SafetensorsException.class, () -> m.loadStateDict(file));

            assertSameValues(before, m, "after refused loads");
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable load, String part) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, load);
        assertTrue(ex.getMessage().contains(part), "expected '" + part + "' in: " + ex.getMessage());
    }
}
