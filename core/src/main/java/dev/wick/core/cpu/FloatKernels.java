package dev.wick.core.cpu;

import dev.wick.core.CounterRng;

/**
 * The float32 loops of the CPU backend, each over a range [from, to) of elements (or rows) so
 * that the backend can split them over threads.
 *
 * <p>Why the loops look as they do: HotSpot's C2 (JDK 17) vectorises a loop only when every
 * array it indexes is addressed with the same loop-invariant offset, and not when converting
 * between float and double. So every loop that can vectorise comes in two forms: one indexed
 * with the absolute position, taken when all buffers start at the same offset (owning buffers
 * start at 0; that is the usual case), and one with per-buffer offsets for views. Arithmetic stays
 * in float where double would only round the same (add, mul) or cost speed for no accuracy that
 * matters (scale, axpy, optimisers), and where a fused multiply-add avoids the cancellation (1 -
 * y^2 in the tanh backward); it goes to double where float would accumulate error (sums). exp and
 * tanh, which C2 cannot vectorise from plain Java, go through {@link FloatArrayMath}.
 */
final class FloatKernels {
    private FloatKernels() {
    }

    // ---- random ---------------------------------------------------------------------------------

    static void uniform(float[] d, int o, int from, int to, long seed, double low, double span) {
        for (int i = from; i < to; i++) d[o + i] = (float) (low + span * CounterRng.uniform(seed, i));
    }

    static void normal(float[] d, int o, int from, int to, long seed, double mean, double std) {
        for (int i = from; i < to; i++) d[o + i] = (float) (mean + std * CounterRng.normal(seed, i));
    }

    // ---- activations ----------------------------------------------------------------------------

    static void tanhBackward(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int from, int to,
                             boolean accumulate) {
        // 1 - y*y as one fused multiply-add: y*y is not rounded before the subtraction, so it does
        // not cancel as |y| nears 1 (and, unlike a detour through double, C2 vectorises it).
        if (yo == dxo && dyo == dxo) {
            if (accumulate) {
                for (int i = dxo + from, end = dxo + to; i < end; i++) dx[i] = Math.fma(dy[i], Math.fma(-y[i], y[i], 1f), dx[i]);
            } else {
                for (int i = dxo + from, end = dxo + to; i < end; i++) dx[i] = dy[i] * Math.fma(-y[i], y[i], 1f);
            }
        } else if (accumulate) {
            for (int i = from; i < to; i++) {
                float v = y[yo + i];
                dx[dxo + i] = Math.fma(dy[dyo + i], Math.fma(-v, v, 1f), dx[dxo + i]);
            }
        } else {
            for (int i = from; i < to; i++) {
                float v = y[yo + i];
                dx[dxo + i] = dy[dyo + i] * Math.fma(-v, v, 1f);
            }
        }
    }

    // ---- loss -----------------------------------------------------------------------------------

    /**
     * Softmax cross-entropy over rows [fromRow, toRow): writes each row's gradient, already divided
     * by {@code count}, and its loss into rowLoss[r] (0 for ignored rows).
     */
    static void softmaxCrossEntropy(FloatArrayMath math, float[] x, int xo, int[] t, int to, float[] g, int go,
                                    int fromRow, int toRow, int cols, int ignoreIndex, int count, double[] rowLoss) {
        for (int r = fromRow; r < toRow; r++) {
            int target = t[to + r];
            int xb = xo + r * cols, gb = go + r * cols;
            if (target == ignoreIndex) {
                java.util.Arrays.fill(g, gb, gb + cols, 0f);
                rowLoss[r] = 0;
                continue;
            }
            // Three passes over the row: max (from memory), exp into the gradient row and its sum,
            // and the scaling (both from cache).
            float max = math.max(x, xb, xb + cols);
            double sum = math.expShifted(x, xb, max, g, gb, cols);
            rowLoss[r] = ((double) max - x[xb + target]) + Math.log(sum);
            math.scale(g, gb, cols, (float) (1.0 / (sum * count)));
            // p - 1 cancels as p nears 1: the target's probability is recomputed in double.
            g[gb + target] = (float) ((Math.exp((double) x[xb + target] - max) / sum - 1) / count);
        }
    }

    // ---- elementwise ----------------------------------------------------------------------------

    static void scale(float[] x, int xo, float alpha, float[] out, int oo, int from, int to) {
        if (xo == oo) {
            for (int i = oo + from, end = oo + to; i < end; i++) out[i] = alpha * x[i];
        } else {
            for (int i = from; i < to; i++) out[oo + i] = alpha * x[xo + i];
        }
    }

    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int from, int to) {
        if (xo == yo) {
            for (int i = yo + from, end = yo + to; i < end; i++) y[i] += alpha * x[i];
        } else {
            for (int i = from; i < to; i++) y[yo + i] += alpha * x[xo + i];
        }
    }

    // ---- reductions -----------------------------------------------------------------------------

    static double squaredNorm(float[] x, int o, int from, int to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = o + from, end = o + to;
        for (; i + 3 < end; i += 4) {
            double v0 = x[i], v1 = x[i + 1], v2 = x[i + 2], v3 = x[i + 3];
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
        }
        for (; i < end; i++) {
            double v = x[i];
            s0 += v * v;
        }
        return (s0 + s1) + (s2 + s3);
    }

    // ---- optimizers -----------------------------------------------------------------------------

    static void sgd(float[] p, int po, float[] g, int go, int from, int to, double learningRate, double decay) {
        float lr = (float) learningRate, weightDecay = (float) decay;
        if (po == go) {
            for (int i = po + from, end = po + to; i < end; i++) p[i] -= lr * (g[i] + weightDecay * p[i]);
        } else {
            for (int i = from; i < to; i++) p[po + i] -= lr * (g[go + i] + weightDecay * p[po + i]);
        }
    }

    static void sgdMomentum(float[] p, int po, float[] g, int go, float[] v, int vo, int from, int to,
                            double learningRate, double momentumFactor, double decay) {
        float lr = (float) learningRate, momentum = (float) momentumFactor, weightDecay = (float) decay;
        if (po == go && po == vo) {
            for (int i = po + from, end = po + to; i < end; i++) {
                float vi = momentum * v[i] + (g[i] + weightDecay * p[i]);
                v[i] = vi;
                p[i] -= lr * vi;
            }
        } else {
            for (int i = from; i < to; i++) {
                float vi = momentum * v[vo + i] + (g[go + i] + weightDecay * p[po + i]);
                v[vo + i] = vi;
                p[po + i] -= lr * vi;
            }
        }
    }

    /**
     * Adam with bias corrections bc1 = 1 - beta1^step and bc2 = 1 - beta2^step given; the constants
     * are rounded to float once, from their double values (1 - beta included).
     */
    static void adam(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int from, int to,
                     double learningRate, double b1, double b2, double epsilon, double decay, double biasCorrection1,
                     double biasCorrection2) {
        float lr = (float) learningRate, beta1 = (float) b1, beta2 = (float) b2, eps = (float) epsilon;
        float weightDecay = (float) decay, bc1 = (float) biasCorrection1, bc2 = (float) biasCorrection2;
        float oneMinusBeta1 = (float) (1 - b1), oneMinusBeta2 = (float) (1 - b2);
        if (po == go && po == mo && po == vo) {
            for (int i = po + from, end = po + to; i < end; i++) {
                float gi = g[i] + weightDecay * p[i];
                float mi = beta1 * m[i] + oneMinusBeta1 * gi;
                float vi = beta2 * v[i] + oneMinusBeta2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                p[i] -= lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps);
            }
        } else {
            for (int i = from; i < to; i++) {
                float gi = g[go + i] + weightDecay * p[po + i];
                float mi = beta1 * m[mo + i] + oneMinusBeta1 * gi;
                float vi = beta2 * v[vo + i] + oneMinusBeta2 * gi * gi;
                m[mo + i] = mi;
                v[vo + i] = vi;
                p[po + i] -= lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps);
            }
        }
    }

    // ---- embedding ------------------------------------------------------------------------------

    /**
     * table[idx[p]] += src[p] for every position p in index order, but only for the destination
     * rows this task owns: granules of {@code rowsPerGranule} rows dealt round-robin to the tasks.
     * Threads split the table's rows, never the positions, so each row sums its contributions in
     * index order whatever the thread count; dealing granules round-robin (not halves of the
     * table) keeps the split even when the frequent indices are the small ones, as in text.
     */
    static void scatterAdd(float[] t, int to, int[] idx, int io, float[] s, int so, int count, int rowLength,
                           int skipIndex, int task, int tasks, int rowsPerGranule) {
        for (int p = 0; p < count; p++) {
            int row = idx[io + p];
            if (row == skipIndex || (row / rowsPerGranule) % tasks != task) continue;
            int tb = to + row * rowLength, sb = so + p * rowLength;
            for (int j = 0; j < rowLength; j++) t[tb + j] += s[sb + j];
        }
    }
}
