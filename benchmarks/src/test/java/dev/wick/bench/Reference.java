package dev.wick.bench;

/** Plain float64 loops: what each workload must compute, written the slow, obvious way. */
final class Reference {
    private Reference() {
    }

    static double[] gemm(int m, int k, int n, float[] a, float[] b) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += (double) a[i * k + p] * b[p * n + j];
                c[i * n + j] = acc;
            }
        }
        return c;
    }

    static double[] gather(EmbeddingProblem p) {
        double[] out = new double[p.indices().length * p.dim()];
        for (int i = 0; i < p.indices().length; i++) {
            for (int d = 0; d < p.dim(); d++) out[i * p.dim() + d] = p.table()[p.indices()[i] * p.dim() + d];
        }
        return out;
    }

    /** The table's gradient: a row looked up k times receives the sum of its k upstream rows. */
    static double[] scatterAdd(EmbeddingProblem p) {
        double[] grad = new double[p.rows() * p.dim()];
        for (int i = 0; i < p.indices().length; i++) {
            for (int d = 0; d < p.dim(); d++) grad[p.indices()[i] * p.dim() + d] += p.upstream()[i * p.dim() + d];
        }
        return grad;
    }

    /** d(mean cross-entropy)/d(logits) = (softmax - onehot) / rows. */
    static double[] crossEntropyGradient(int rows, int cols, float[] logits, int[] targets) {
        double[] g = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) max = Math.max(max, logits[r * cols + c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.exp(logits[r * cols + c] - max);
            for (int c = 0; c < cols; c++) {
                double p = Math.exp(logits[r * cols + c] - max) / sum;
                g[r * cols + c] = (p - (c == targets[r] ? 1 : 0)) / rows;
            }
        }
        return g;
    }

    /** The char-RNN's loss before any update: embedding, tanh RNN from h = 0, linear head, mean cross-entropy. */
    static double charRnnLoss(CharRnnProblem p) {
        CharRnnProblem.Weights w = p.weights();
        int e = p.embed(), hid = p.hidden(), v = p.vocab();
        double[][] h = new double[p.batch()][hid];
        double total = 0;
        for (int t = 0; t < p.steps(); t++) {
            double[][] next = new double[p.batch()][hid];
            for (int b = 0; b < p.batch(); b++) {
                int token = p.inputs()[t * p.batch() + b];
                for (int j = 0; j < hid; j++) {
                    double pre = w.bias()[j];
                    for (int q = 0; q < e; q++) pre += (double) w.weightIH()[j * e + q] * w.embedding()[token * e + q];
                    for (int q = 0; q < hid; q++) pre += (double) w.weightHH()[j * hid + q] * h[b][q];
                    next[b][j] = Math.tanh(pre);
                }
                double[] logits = new double[v];
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < v; c++) {
                    double z = w.headBias()[c];
                    for (int q = 0; q < hid; q++) z += (double) w.headWeight()[c * hid + q] * next[b][q];
                    logits[c] = z;
                    max = Math.max(max, z);
                }
                double sum = 0;
                for (double z : logits) sum += Math.exp(z - max);
                total += max + Math.log(sum) - logits[p.targets()[t * p.batch() + b]];
            }
            h = next;
        }
        return total / p.tokens();
    }

    /** max |actual - expected| / max(1, max |expected|). */
    static double relativeError(float[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double err = 0, scale = 1;
        for (int i = 0; i < actual.length; i++) {
            err = Math.max(err, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return err / scale;
    }
}
