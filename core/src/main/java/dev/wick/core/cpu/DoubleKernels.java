package dev.wick.core.cpu;

import dev.wick.core.CounterRng;

/**
 * The float64 loops of the CPU backend: the twins of {@link FloatKernels} (see there why each
 * vectorisable loop has an absolute-index form), all arithmetic in double. float64 is what gradient
 * checks run in, so accuracy wins over speed where they disagree: tanh is Math.tanh.
 */
final class DoubleKernels {
    private DoubleKernels() {
    }

    // ---- random ---------------------------------------------------------------------------------

    static void uniform(double[] d, int o, int from, int to, long seed, double low, double span) {
        for (int i = from; i < to; i++) d[o + i] = low + span * CounterRng.uniform(seed, i);
    }

    static void normal(double[] d, int o, int from, int to, long seed, double mean, double std) {
        for (int i = from; i < to; i++) d[o + i] = mean + std * CounterRng.normal(seed, i);
    }

    // ---- activations ----------------------------------------------------------------------------

    static void tanh(double[] x, int xo, double[] y, int yo, int from, int to) {
        for (int i = from; i < to; i++) y[yo + i] = Math.tanh(x[xo + i]);
    }

    static void tanhBackward(double[] y, int yo, double[] dy, int dyo, double[] dx, int dxo, int from, int to,
                             boolean accumulate) {
        if (yo == dyo && yo == dxo) {
            if (accumulate) {
                for (int i = yo + from, end = yo + to; i < end; i++) dx[i] += dy[i] * (1 - y[i] * y[i]);
            } else {
                for (int i = yo + from, end = yo + to; i < end; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
            }
        } else if (accumulate) {
            for (int i = from; i < to; i++) dx[dxo + i] += dy[dyo + i] * (1 - y[yo + i] * y[yo + i]);
        } else {
            for (int i = from; i < to; i++) dx[dxo + i] = dy[dyo + i] * (1 - y[yo + i] * y[yo + i]);
        }
    }

    // ---- loss -----------------------------------------------------------------------------------

    /** See {@link FloatKernels#softmaxCrossEntropy}. */
    static void softmaxCrossEntropy(double[] x, int xo, int[] t, int to, double[] g, int go, int fromRow, int toRow,
                                    int cols, int ignoreIndex, int count, double[] rowLoss) {
        for (int r = fromRow; r < toRow; r++) {
            int target = t[to + r];
            int xb = xo + r * cols, gb = go + r * cols;
            if (target == ignoreIndex) {
                java.util.Arrays.fill(g, gb, gb + cols, 0.0);
                rowLoss[r] = 0;
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[xb + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                double e = Math.exp(x[xb + j] - max);
                g[gb + j] = e;
                sum += e;
            }
            rowLoss[r] = (max - x[xb + target]) + Math.log(sum);
            double norm = 1.0 / (sum * count);
            for (int j = 0; j < cols; j++) g[gb + j] *= norm;
            g[gb + target] = (Math.exp(x[xb + target] - max) / sum - 1) / count;
        }
    }

    // ---- elementwise ----------------------------------------------------------------------------

    static void axpy(double alpha, double[] x, int xo, double[] y, int yo, int from, int to) {
        if (xo == yo) {
            for (int i = yo + from, end = yo + to; i < end; i++) y[i] += alpha * x[i];
        } else {
            for (int i = from; i < to; i++) y[yo + i] += alpha * x[xo + i];
        }
    }

    // ---- reductions -----------------------------------------------------------------------------

    static double squaredNorm(double[] x, int o, int from, int to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = o + from, end = o + to;
        for (; i + 3 < end; i += 4) {
            s0 += x[i] * x[i];
            s1 += x[i + 1] * x[i + 1];
            s2 += x[i + 2] * x[i + 2];
            s3 += x[i + 3] * x[i + 3];
        }
        for (; i < end; i++) s0 += x[i] * x[i];
        return (s0 + s1) + (s2 + s3);
    }

    // ---- optimizers -----------------------------------------------------------------------------

    static void sgd(double[] p, int po, double[] g, int go, int from, int to, double lr, double weightDecay) {
        if (po == go) {
            for (int i = po + from, end = po + to; i < end; i++) p[i] -= lr * (g[i] + weightDecay * p[i]);
        } else {
            for (int i = from; i < to; i++) p[po + i] -= lr * (g[go + i] + weightDecay * p[po + i]);
        }
    }

    static void sgdMomentum(double[] p, int po, double[] g, int go, double[] v, int vo, int from, int to, double lr,
                            double momentum, double weightDecay) {
        if (po == go && po == vo) {
            for (int i = po + from, end = po + to; i < end; i++) {
                double vi = momentum * v[i] + (g[i] + weightDecay * p[i]);
                v[i] = vi;
                p[i] -= lr * vi;
            }
        } else {
            for (int i = from; i < to; i++) {
                double vi = momentum * v[vo + i] + (g[go + i] + weightDecay * p[po + i]);
                v[vo + i] = vi;
                p[po + i] -= lr * vi;
            }
        }
    }

    static void adam(double[] p, int po, double[] g, int go, double[] m, int mo, double[] v, int vo, int from, int to,
                     double lr, double beta1, double beta2, double eps, double weightDecay, double bc1, double bc2) {
        double oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2;
        if (po == go && po == mo && po == vo) {
            for (int i = po + from, end = po + to; i < end; i++) {
                double gi = g[i] + weightDecay * p[i];
                double mi = beta1 * m[i] + oneMinusBeta1 * gi;
                double vi = beta2 * v[i] + oneMinusBeta2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                p[i] -= lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps);
            }
        } else {
            for (int i = from; i < to; i++) {
                double gi = g[go + i] + weightDecay * p[po + i];
                double mi = beta1 * m[mo + i] + oneMinusBeta1 * gi;
                double vi = beta2 * v[vo + i] + oneMinusBeta2 * gi * gi;
                m[mo + i] = mi;
                v[vo + i] = vi;
                p[po + i] -= lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps);
            }
        }
    }

    // ---- embedding ------------------------------------------------------------------------------

    /** See {@link FloatKernels#scatterAdd}. */
    static void scatterAdd(double[] t, int to, int[] idx, int io, double[] s, int so, int count, int rowLength,
                           int skipIndex, int task, int tasks, int rowsPerGranule) {
        for (int p = 0; p < count; p++) {
            int row = idx[io + p];
            if (row == skipIndex || (row / rowsPerGranule) % tasks != task) continue;
            int tb = to + row * rowLength, sb = so + p * rowLength;
            for (int j = 0; j < rowLength; j++) t[tb + j] += s[sb + j];
        }
    }
}
