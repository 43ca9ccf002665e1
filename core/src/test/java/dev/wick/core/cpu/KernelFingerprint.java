package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A child JVM's half of {@link JitIndependenceTest}: computes exp (the softmax's shifted exp and its
 * sum), tanh, sigmoid, softmax cross-entropy forward and backward and a GEMM over fixed random
 * inputs, {@code rounds} times over, and prints one line: the float path in use, then a hash of
 * the bits of each result of the last round (every NaN as the one canonical NaN: which of two NaN
 * operands an instruction passes on is up to the instruction the JIT picks, and Java leaves NaN
 * payloads unspecified).
 */
public final class KernelFingerprint {
    private KernelFingerprint() {
    }

    /** Arguments: the seed, and how many rounds to run first (enough of them get C2 to compile it all). */
    public static void main(String[] args) {
        long seed = Long.parseLong(args[0]);
        int rounds = Integer.parseInt(args[1]);
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = FloatArrayMathTest.mixedInputs(random, 4099);
        int rows = 13, cols = 1001, m = 37, n = 41, k = 300;
        float[] logits = new float[rows * cols];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (16 * random.nextDouble() - 8);
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) targets[r] = random.nextInt(cols);
        targets[5] = -1;
        double[] a = new double[m * k], b = new double[k * n];
        for (int i = 0; i < a.length; i++) a[i] = random.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = random.nextGaussian();

        FloatArrayMath math = FloatArrayMath.best();
        String line = null;
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffers io = new Buffers(backend, DType.FLOAT32);
            for (int round = 0; round < rounds; round++) {
                float[] tanh = new float[x.length], sigmoid = new float[x.length], exp = new float[x.length];
                math.tanh(x, 0, tanh, 0, x.length);
                math.sigmoid(x, 0, sigmoid, 0, x.length);
                float shift = FloatArrayMathTest.maxIgnoringNaN(x, 0, x.length);
                double sum = math.expShifted(x, 0, shift, exp, 0, x.length);

                Buffer in = backend.allocate(DType.FLOAT32, logits.length);
                backend.upload(logits, 0, in, logits.length);
                Buffer loss = backend.allocate(DType.FLOAT32, 1), grad = backend.allocate(DType.FLOAT32, logits.length);
                backend.softmaxCrossEntropy(in, io.ints(targets), rows, cols, -1, loss, grad);
                Buffer product = backend.allocate(DType.FLOAT32, m * n);
                backend.gemm(false, false, m, n, k, 1.0, io.put(a), io.put(b), 0.0, product);

                line = "path=" + math.description().replace(' ', '_') + " | tanh=" + hash(tanh) + " sigmoid=" + hash(sigmoid)
                        + " exp=" + hash(exp) + " expSum=" + Long.toHexString(Double.doubleToLongBits(sum))
                        + " loss=" + hash(download(backend, loss)) + " gradient=" + hash(download(backend, grad))
                        + " gemm=" + hash(download(backend, product));
            }
        }
        System.out.println(line);
    }

    private static float[] download(CpuBackend backend, Buffer buffer) {
        float[] out = new float[buffer.length()];
        backend.download(buffer, out, 0, out.length);
        return out;
    }

    private static String hash(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) bits[i] = Float.floatToIntBits(values[i]);
        return Integer.toHexString(Arrays.hashCode(bits));
    }
}
