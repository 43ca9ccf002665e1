package dev.wick.lm.checkpoint;

/**
 * checkpoint.json: everything about a training run that is not a tensor, and the names and
 * SHA-256 digests of the two safetensors files that hold the tensors. Serialised with Gson
 * (record components are the JSON keys).
 *
 * @param format   always {@link #FORMAT}
 * @param version  always {@link #VERSION}
 * @param step     optimizer steps taken
 * @param model    what the weights file must hold
 * @param training the hyperparameters that decide the trajectory
 * @param settings how the run reports and saves (may change on resume)
 * @param optimizer Adam's constants and step count
 * @param weights  the parameters: embedding.weight, rnn.weight_ih, rnn.weight_hh, rnn.bias, head.weight, head.bias
 * @param state    Adam's moments ("adam.m.NAME", "adam.v.NAME" per parameter) and the carried hidden state
 * @param data     the text and where every stream has got to
 * @param random   the sampling random state
 * @param history  losses so far, [[step, loss], ...]
 */
public record CheckpointDocument(String format, int version, int step, Model model, Training training, Settings settings,
                                 Optimizer optimizer, FileRef weights, FileRef state, Data data, RandomState random,
                                 History history) {
    public static final String FORMAT = "wick-lm checkpoint";
    public static final int VERSION = 1;

    /** The architecture and the vocabulary (Unicode code points, sorted; a character's id is its index). */
    public record Model(String architecture, String dtype, int vocabSize, int embed, int hidden, int[] vocabulary) {
    }

    public record Training(int seq, int batch, double lr, double clip, long seed, double valFraction) {
    }

    public record Settings(int steps, int evalEvery, int valChunks, int checkpointEvery, int sampleLength) {
    }

    public record Optimizer(String type, double beta1, double beta2, double eps, double weightDecay, int step) {
    }

    /** A file next to checkpoint.json, by plain name, with the SHA-256 of its bytes. */
    public record FileRef(String file, String sha256) {
    }

    /**
     * The text (its source, length and SHA-256 over its code points), the split, and the training
     * streams: stream b starts at streamOffsets[b] of the training split; every stream has read
     * up to {@code position}; {@code epoch} is the pass (from 0) the streams are in. The carried hidden state
     * [batch, hidden] is the tensor {@code hiddenTensor} of the state file.
     */
    public record Data(String source, int characters, String sha256, int trainCharacters, int validationCharacters,
                       int streams, int streamLength, int[] streamOffsets, int position, int epoch, String hiddenTensor) {
    }

    /** Sampling draws CounterRng.uniform(samplingSeed, i) for i = samplingCounter, samplingCounter + 1, ... */
    public record RandomState(long samplingSeed, long samplingCounter) {
    }

    public record History(double[][] training, double[][] validation) {
    }
}
