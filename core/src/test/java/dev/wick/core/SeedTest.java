package dev.wick.core;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeds known on the host and seeds in device memory draw the same numbers for the same value. */
class SeedTest {

    @Test
    void aSeedInDeviceMemoryDrawsWhatTheSameValueOnTheHostDraws() {
        long value = new Random().nextLong();
        System.out.println("SeedTest seed " + value);
        try (Engine e = Wick.cpu(2); Tensor cell = e.zeros(DType.INT32, 2)) {
            Seed.write(cell, value);
            assertArrayEquals(new int[]{(int) value, (int) (value >>> 32)}, cell.toIntArray());
            Seed device = Seed.inDevice(cell).derive(1).derive(-7);
            Seed host = Seed.of(value).derive(1).derive(-7);
            assertTrue(device.inDevice());
            assertFalse(host.inDevice());
            assertEquals(CounterRng.bits(CounterRng.bits(value, 1), -7), host.value());
            for (DType t : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                try (Tensor a = e.uniform(t, device, -1, 2, 3, 37); Tensor b = e.uniform(t, host, -1, 2, 3, 37)) {
                    assertArrayEquals(b.toDoubleArray(), a.toDoubleArray(), t + ", value " + value);
                }
            }
            // A new value in the cell draws new numbers through the same Seed object.
            try (Tensor before = e.uniform(DType.FLOAT32, device, 0, 1, 50)) {
                Seed.write(cell, value + 1);
                try (Tensor after = e.uniform(DType.FLOAT32, device, 0, 1, 50)) {
                    assertFalse(java.util.Arrays.equals(before.toDoubleArray(), after.toDoubleArray()));
                }
            }
        }
    }

    @Test
    void badSeedsAreRefused() {
        try (Engine e = Wick.cpu(1); Tensor wrong = e.zeros(DType.FLOAT32, 2); Tensor cell = e.zeros(DType.INT32, 2)) {
            assertThrows(IllegalArgumentException.class, () -> Seed.inDevice(wrong));
            assertThrows(IllegalStateException.class, () -> Seed.inDevice(cell).value());
            Seed deep = Seed.inDevice(cell);
            for (int i = 0; i < Seed.MAX_DERIVATIONS; i++) deep = deep.derive(i);
            Seed full = deep;
            assertThrows(IllegalStateException.class, () -> full.derive(9));
            try (Engine other = Wick.cpu(1); Tensor x = other.zeros(DType.FLOAT32, 4)) {
                assertThrows(IllegalArgumentException.class, () -> x.uniformInPlace(Seed.inDevice(cell), 0, 1));
            }
        }
    }
}
