package dev.wick.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One training step of a character-level language model: embedding [vocab, embed], one recurrent
 * layer (embed -> hidden: a tanh RNN, an LSTM or a GRU), a linear head [vocab, hidden], mean softmax
 * cross-entropy over every timestep, global-norm gradient clipping, Adam. Inputs and targets are
 * time-major [steps, batch]. The initial weights are given (Wick's layouts, PyTorch's
 * initialisation), so every library starts from the same model and computes the same first loss.
 */
public record CharRnnProblem(Cell cell, int vocab, int embed, int hidden, int batch, int steps,
                             double learningRate, double clipNorm,
                             int[] inputs, int[] targets, Weights weights) {

    /**
     * The recurrent layer: PyTorch's nn.RNN (tanh, one bias as Wick's CharRnn has), nn.LSTM (gates
     * i, f, g, o) or nn.GRU (gates r, z, n), each gate a block of {@code hidden} rows of the weights.
     */
    public enum Cell {
        TANH(1), LSTM(4), GRU(3);

        private final int gates;

        Cell(int gates) {
            this.gates = gates;
        }

        /** Blocks of hidden rows in weightIH, weightHH and the biases. */
        public int gates() {
            return gates;
        }

        /** By name, any case ("lstm", "gru", "tanh"), as the benchmarks' cell parameter gives it. */
        public static Cell parse(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * Weights in Wick's (and PyTorch's nn) layouts: weightIH [G hidden, embed], weightHH
     * [G hidden, hidden], biasIH [G hidden], headWeight [vocab, hidden], G the cell's gates. The
     * tanh RNN has one bias (biasIH; biasHH is null), the LSTM and the GRU both, as PyTorch's.
     */
    public record Weights(float[] embedding, float[] weightIH, float[] weightHH, float[] biasIH, float[] biasHH,
                          float[] headWeight, float[] headBias) {

        /**
         * Every weight in parameter order (embedding, weightIH, weightHH, biasIH, biasHH where the
         * cell has it, headWeight, headBias): the order of the gradients a step's result gives.
         */
        public List<float[]> inOrder() {
            List<float[]> all = new ArrayList<>(List.of(embedding, weightIH, weightHH, biasIH));
            if (biasHH != null) all.add(biasHH);
            all.add(headWeight);
            all.add(headBias);
            return all;
        }
    }

    public CharRnnProblem {
        if (inputs.length != batch * steps || targets.length != batch * steps) {
            throw new IllegalArgumentException("inputs and targets need " + steps + " x " + batch + " tokens");
        }
        if ((weights.biasHH() == null) != (cell == Cell.TANH)) {
            throw new IllegalArgumentException(cell + ": biasHH must be given for LSTM and GRU, and only for them");
        }
    }

    /**
     * What a training step's {@link Workload#result()} holds: the loss before the update, then each
     * parameter's gradient after clipping, before the update, in {@link Weights#inOrder()} order.
     */
    public static float[] stepResult(float loss, List<float[]> gradients) {
        int n = 1;
        for (float[] g : gradients) n += g.length;
        float[] out = new float[n];
        out[0] = loss;
        int at = 1;
        for (float[] g : gradients) {
            System.arraycopy(g, 0, out, at, g.length);
            at += g.length;
        }
        return out;
    }

    /** The gradients in a {@link #stepResult}, one array per weight of {@link Weights#inOrder()}. */
    public List<float[]> gradients(float[] stepResult) {
        List<float[]> out = new ArrayList<>();
        int at = 1;
        for (float[] w : weights.inOrder()) {
            out.add(Arrays.copyOfRange(stepResult, at, at + w.length));
            at += w.length;
        }
        if (at != stepResult.length) {
            throw new IllegalArgumentException("a step result of " + stepResult.length + " values, expected " + at);
        }
        return out;
    }

    /** Tokens processed by one step. */
    public int tokens() {
        return batch * steps;
    }

    /** The benchmark's tanh model: embed 128, hidden 512, batch 32, sequence 64, vocabulary 65, Adam 2e-3, clip 5. */
    public static CharRnnProblem standard(long seed) {
        return standard(Cell.TANH, seed);
    }

    /** The benchmark's model with the given cell, at the sizes of {@link #standard(long)}. */
    public static CharRnnProblem standard(Cell cell, long seed) {
        return of(cell, 65, 128, 512, 32, 64, 2e-3, 5.0, seed);
    }

    public static CharRnnProblem of(int vocab, int embed, int hidden, int batch, int steps,
                                    double learningRate, double clipNorm, long seed) {
        return of(Cell.TANH, vocab, embed, hidden, batch, steps, learningRate, clipNorm, seed);
    }

    public static CharRnnProblem of(Cell cell, int vocab, int embed, int hidden, int batch, int steps,
                                    double learningRate, double clipNorm, long seed) {
        int tokens = batch * steps, rows = cell.gates() * hidden;
        double rnnBound = 1.0 / Math.sqrt(hidden);
        Weights w = new Weights(
                HostData.normal(seed, vocab * embed),
                HostData.uniform(seed + 1, rows * embed, -rnnBound, rnnBound),
                HostData.uniform(seed + 2, rows * hidden, -rnnBound, rnnBound),
                HostData.uniform(seed + 3, rows, -rnnBound, rnnBound),
                cell == Cell.TANH ? null : HostData.uniform(seed + 8, rows, -rnnBound, rnnBound),
                HostData.uniform(seed + 4, vocab * hidden, -rnnBound, rnnBound),
                HostData.uniform(seed + 5, vocab, -rnnBound, rnnBound));
        return new CharRnnProblem(cell, vocab, embed, hidden, batch, steps, learningRate, clipNorm,
                HostData.indices(seed + 6, tokens, vocab, vocab),
                HostData.indices(seed + 7, tokens, vocab, vocab), w);
    }
}
