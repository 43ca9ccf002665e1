package dev.wick.bench;

/**
 * One training step of a character-level RNN language model: embedding [vocab, embed], a tanh RNN
 * (embed -> hidden, one layer), a linear head [vocab, hidden], mean softmax cross-entropy over
 * every timestep, global-norm gradient clipping, Adam. Inputs and targets are time-major
 * [steps, batch]. The initial weights are given (Wick's layouts, PyTorch's initialisation), so
 * every library starts from the same model and computes the same first loss.
 */
public record CharRnnProblem(int vocab, int embed, int hidden, int batch, int steps,
                             double learningRate, double clipNorm,
                             int[] inputs, int[] targets, Weights weights) {

    /** Weights in Wick's (and PyTorch's nn) layouts: weightIH [hidden, embed], headWeight [vocab, hidden]. */
    public record Weights(float[] embedding, float[] weightIH, float[] weightHH, float[] bias,
                          float[] headWeight, float[] headBias) {
    }

    public CharRnnProblem {
        if (inputs.length != batch * steps || targets.length != batch * steps) {
            throw new IllegalArgumentException("inputs and targets need " + steps + " x " + batch + " tokens");
        }
    }

    /** Tokens processed by one step. */
    public int tokens() {
        return batch * steps;
    }

    /** The benchmark's model: embed 128, hidden 512, batch 32, sequence 64, vocabulary 65, Adam 2e-3, clip 5. */
    public static CharRnnProblem standard(long seed) {
        return of(65, 128, 512, 32, 64, 2e-3, 5.0, seed);
    }

    public static CharRnnProblem of(int vocab, int embed, int hidden, int batch, int steps,
                                    double learningRate, double clipNorm, long seed) {
        int tokens = batch * steps;
        double rnnBound = 1.0 / Math.sqrt(hidden);
        Weights w = new Weights(
                HostData.normal(seed, vocab * embed),
                HostData.uniform(seed + 1, hidden * embed, -rnnBound, rnnBound),
                HostData.uniform(seed + 2, hidden * hidden, -rnnBound, rnnBound),
                HostData.uniform(seed + 3, hidden, -rnnBound, rnnBound),
                HostData.uniform(seed + 4, vocab * hidden, -rnnBound, rnnBound),
                HostData.uniform(seed + 5, vocab, -rnnBound, rnnBound));
        return new CharRnnProblem(vocab, embed, hidden, batch, steps, learningRate, clipNorm,
                HostData.indices(seed + 6, tokens, vocab, vocab),
                HostData.indices(seed + 7, tokens, vocab, vocab), w);
    }
}
