package dev.wick.bench;

import dev.wick.autograd.nn.RnnLanguageModel;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The word-level training step of {@link WordLmStepBench}: PyTorch's word_language_model sizes (2
 * LSTM layers, E = H = 200, dropout 0.2, batch 20 x 35 steps, clipping at 0.25), untied so that
 * the embedding's gradient can be sparse, over a vocabulary of {@code vocab} words. Token ids
 * follow Zipf's law (the id k drawn with probability proportional to 1 / (k + 1), as word ranks in
 * prose are), so a batch touches a few hundred distinct rows whatever the vocabulary, most of them
 * frequent ones. A fixed ring of batches, made from the seed.
 */
public record WordLmProblem(int vocab, int embed, int hidden, int layers, int steps, int batches, int[][][] ring) {

    public static WordLmProblem standard(int vocab, long seed) {
        int steps = 35, batches = 20, count = 16;
        double[] cumulative = new double[vocab];
        double total = 0;
        for (int k = 0; k < vocab; k++) cumulative[k] = total += 1.0 / (k + 1);
        SplittableRandom r = new SplittableRandom(seed);
        int[][][] ring = new int[count][][];
        for (int i = 0; i < count; i++) {
            ring[i] = new int[][]{zipf(r, cumulative, steps * batches), zipf(r, cumulative, steps * batches)};
        }
        return new WordLmProblem(vocab, 200, 200, 2, steps, batches, ring);
    }

    private static int[] zipf(SplittableRandom r, double[] cumulative, int count) {
        double total = cumulative[cumulative.length - 1];
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            int k = Arrays.binarySearch(cumulative, r.nextDouble() * total);
            out[i] = Math.min(k < 0 ? -k - 1 : k, cumulative.length - 1);
        }
        return out;
    }

    public RnnLanguageModel.Config config(boolean sparseEmbedding) {
        return new RnnLanguageModel.Config(RnnLanguageModel.Cell.LSTM, vocab, embed, hidden, layers, 0.2, false, sparseEmbedding);
    }

    public int tokens() {
        return steps * batches;
    }

    public int batchCount() {
        return ring.length;
    }

    /** Batch i: {inputs [T, B] time-major, targets [T B]}. */
    public int[][] batch(int i) {
        return ring[i];
    }

    /** PyTorch's example's SGD learning rate. */
    public double learningRate() {
        return 20;
    }

    /** Adam's (and SparseAdam's) learning rate. */
    public double adamLearningRate() {
        return 1e-3;
    }

    public double clip() {
        return 0.25;
    }

    /** The mean number of distinct ids in a batch's inputs: the embedding rows a step touches. */
    public double meanDistinctInputs() {
        return Arrays.stream(ring).mapToLong(b -> Arrays.stream(b[0]).distinct().count()).average().orElse(0);
    }
}
