package dev.wick.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class SmokeTest {
    @Test
    void matmulOfTwoByTwo() {
        try (Engine e = Wick.cpu(); Scope s = e.scope()) {
            Tensor a = e.fromFloats(new float[]{1, 2, 3, 4}, 2, 2);
            Tensor b = e.fromFloats(new float[]{5, 6, 7, 8}, 2, 2);
            assertArrayEquals(new float[]{19, 22, 43, 50}, a.matmul(b).toFloatArray());
        }
    }
}
