package dev.wick.bench;

import java.util.Arrays;

/** Sizes written as JMH parameters: "2048x512x65". */
final class Dims {
    private Dims() {
    }

    static int[] parse(String text, int rank) {
        String[] parts = text.split("x");
        if (parts.length != rank) {
            throw new IllegalArgumentException("'" + text + "' should have " + rank + " sizes separated by 'x'");
        }
        int[] dims = Arrays.stream(parts).mapToInt(Integer::parseInt).toArray();
        for (int d : dims) {
            if (d < 1) throw new IllegalArgumentException("'" + text + "' has a size < 1");
        }
        return dims;
    }
}
