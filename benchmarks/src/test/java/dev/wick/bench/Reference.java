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

    /**
     * The char-RNN's loss before any update: embedding, the problem's cell (tanh, LSTM or GRU, as
     * PyTorch defines them) from a zero state, linear head, mean cross-entropy.
     */
    static double charRnnLoss(CharRnnProblem p) {
        CharRnnProblem.Weights w = p.weights();
        int hid = p.hidden(), v = p.vocab();
        double[][] h = new double[p.batch()][hid], c = new double[p.batch()][hid];
        double total = 0;
        for (int t = 0; t < p.steps(); t++) {
            for (int b = 0; b < p.batch(); b++) {
                int token = p.inputs()[t * p.batch() + b];
                double[] next = cellStep(p, token, h[b], c[b]);
                double[] logits = new double[v];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) {
                    double z = w.headBias()[k];
                    for (int q = 0; q < hid; q++) z += (double) w.headWeight()[k * hid + q] * next[q];
                    logits[k] = z;
                    max = Math.max(max, z);
                }
                double sum = 0;
                for (double z : logits) sum += Math.exp(z - max);
                total += max + Math.log(sum) - logits[p.targets()[t * p.batch() + b]];
                h[b] = next;
            }
        }
        return total / p.tokens();
    }

    /** One timestep of one sequence: the new hidden state; an LSTM's cell state c is updated in place. */
    private static double[] cellStep(CharRnnProblem p, int token, double[] h, double[] c) {
        CharRnnProblem.Weights w = p.weights();
        int e = p.embed(), hid = p.hidden(), rows = p.cell().gates() * hid;
        double[] xs = new double[rows], hs = new double[rows]; // x W_ih^T + b_ih and h W_hh^T + b_hh, per gate row
        for (int j = 0; j < rows; j++) {
            double a = w.biasIH()[j], r = w.biasHH() == null ? 0 : w.biasHH()[j];
            for (int q = 0; q < e; q++) a += (double) w.weightIH()[j * e + q] * w.embedding()[token * e + q];
            for (int q = 0; q < hid; q++) r += (double) w.weightHH()[j * hid + q] * h[q];
            xs[j] = a;
            hs[j] = r;
        }
        double[] next = new double[hid];
        for (int j = 0; j < hid; j++) {
            switch (p.cell()) {
                case TANH -> next[j] = Math.tanh(xs[j] + hs[j]);
                case LSTM -> { // gates i, f, g, o
                    double i = sigmoid(xs[j] + hs[j]), f = sigmoid(xs[hid + j] + hs[hid + j]);
                    double g = Math.tanh(xs[2 * hid + j] + hs[2 * hid + j]), o = sigmoid(xs[3 * hid + j] + hs[3 * hid + j]);
                    c[j] = f * c[j] + i * g;
                    next[j] = o * Math.tanh(c[j]);
                }
                case GRU -> { // gates r, z, n
                    double r = sigmoid(xs[j] + hs[j]), z = sigmoid(xs[hid + j] + hs[hid + j]);
                    double n = Math.tanh(xs[2 * hid + j] + r * hs[2 * hid + j]);
                    next[j] = (1 - z) * n + z * h[j];
                }
            }
        }
        return next;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
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
