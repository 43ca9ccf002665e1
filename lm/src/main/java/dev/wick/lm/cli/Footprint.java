package dev.wick.lm.cli;

import dev.wick.core.Device;
import dev.wick.core.Engine;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.model.ModelShape;

import java.util.Locale;

/**
 * What a run will hold in memory, worked out from its sizes before it starts, so that a run too
 * large for this JVM or device is refused with one line saying how much it needs, instead of
 * failing with an overflow or running out of memory midway (at the first checkpoint, say).
 * <p>
 * Two checks. Every array the run makes (each parameter, each step's activations, a checkpoint
 * file) must have at most {@link CorpusText#MAX_LENGTH} elements, since tensors and files are Java
 * arrays. And the memory must fit: on the engine, the parameters, their gradients, the
 * optimizer's moments and one step's activations; on the Java heap, always, the text's token ids
 * and the host copies a checkpoint is written from (on the CPU the engine's memory is the heap
 * too). Activations are an estimate from the tensors a step keeps for its backward pass
 * (embeddings, each layer's gates and states, logits and their gradient); the estimate errs low,
 * so a refusal is certain and a run just under the limit may still run out (which ends with one
 * line too, see Main).
 */
final class Footprint {
    private static final long FLOAT = 4;

    private final long engineBytes;
    private final long heapBytes;
    private final String breakdown;
    private final String lower;

    private Footprint(long engineBytes, long heapBytes, String breakdown, String lower) {
        this.engineBytes = engineBytes;
        this.heapBytes = heapBytes;
        this.breakdown = breakdown;
        this.lower = lower;
    }

    /**
     * A training run of {@code shape} over {@code seq} x {@code batch} chunks with Adam's moments
     * or not, on a text whose ids take {@code textBytes}.
     */
    static Footprint training(ModelShape shape, int seq, int batch, boolean adam, long textBytes) {
        requireSequence(seq, batch);
        long parameters = parameters(shape);
        // A checkpoint is written from host copies of every tensor, each file encoded whole in one array.
        long weightsFile = file("the weights file", parameters, "--hidden, --embed or --layers");
        long moments = adam ? 2 * parameters : 0;
        long stateTensor = elements("the carried state", "--hidden or --batch", shape.layers(), batch, shape.hidden());
        long stateFile = file("the optimizer's file", moments + 2 * stateTensor, "--hidden, --embed or --layers");
        long activations = activations(shape, seq, batch, true);
        long engine = bytes(add(add(2 * parameters, moments), add(activations, 2 * stateTensor)));
        long checkpoint = add(bytes(parameters + moments + 2 * stateTensor), Math.max(weightsFile, stateFile));
        String breakdown = String.format(Locale.ROOT, "model %s, gradients %s, optimizer %s, one step's activations %s,"
                        + " checkpoint copies %s, text %s", size(bytes(parameters)), size(bytes(parameters)),
                size(bytes(moments)), size(bytes(activations)), size(checkpoint), size(textBytes));
        return new Footprint(engine, add(textBytes, checkpoint), breakdown, "--hidden, --embed, --layers, --batch or --seq");
    }

    /** Evaluating {@code shape} over chunks of {@code seq} x {@code streams}, on a text whose ids take {@code textBytes}. */
    static Footprint evaluation(ModelShape shape, int seq, int streams, long textBytes) {
        requireSequence(seq, streams);
        long parameters = parameters(shape);
        long activations = activations(shape, seq, streams, false);
        long engine = bytes(add(parameters, activations));
        String breakdown = String.format(Locale.ROOT, "model %s, one chunk's activations %s, text %s",
                size(bytes(parameters)), size(bytes(activations)), size(textBytes));
        return new Footprint(engine, add(textBytes, bytes(parameters)), breakdown, "--batch or --seq");
    }

    /** seq + 1 tokens per stream and a chunk's seq x batch ids must be countable in an int. */
    static void requireSequence(int seq, int batch) {
        if (seq >= CorpusText.MAX_LENGTH) {
            throw new UsageException(String.format(Locale.ROOT, "--seq %d is too large: a chunk reads --seq + 1 tokens"
                    + " per stream, at most %,d", seq, CorpusText.MAX_LENGTH));
        }
        elements("a chunk of token ids", "--batch or --seq", seq, batch);
    }

    /**
     * The model's parameters, each tensor checked on its own; counted per kind of tensor rather
     * than tensor by tensor, so that an absurd --layers costs no time here.
     */
    private static long parameters(ModelShape shape) {
        long vocab = shape.vocab(), embed = shape.embed(), hidden = shape.hidden();
        long gated = gates(shape) * hidden;
        long total = elements("the embedding table", "--embed or the vocabulary", vocab, embed);
        if (!shape.tied()) total += elements("the output layer's weight", "--hidden or the vocabulary", vocab, hidden);
        total += vocab;
        long firstInput = elements("the first layer's input weight", "--hidden or --embed", gated, embed);
        long recurrent = elements("a layer's recurrent weight", "--hidden", gated, hidden);
        long biases = ModelShape.CHAR_RNN.equals(shape.architecture()) ? hidden : 2 * gated;
        long deeper = add(recurrent, add(recurrent, biases));
        return add(total, add(firstInput + recurrent + biases, multiply(shape.layers() - 1, deeper)));
    }

    /** Gates per hidden unit: the rows of a layer's weights per unit. */
    private static int gates(ModelShape shape) {
        return switch (shape.cell()) {
            case TANH -> 1;
            case LSTM -> 4;
            case GRU -> 3;
        };
    }

    /**
     * Floats one step keeps alive at its peak: the embeddings, each layer's input projection,
     * gates and states, the logits, and for training their gradients. The factors per token are
     * what training steps on the CPU were measured to hold, rounded down.
     */
    private static long activations(ModelShape shape, int seq, int batch, boolean backward) {
        long tokens = (long) seq * batch;
        long embedded = elements("one chunk's embeddings", "--batch, --seq or --embed", tokens, shape.embed());
        long gated = elements("one chunk's gates", "--batch, --seq or --hidden", tokens, gates(shape) * (long) shape.hidden());
        long hidden = elements("one chunk's hidden states", "--batch, --seq or --hidden", tokens, shape.hidden());
        long logits = elements("one chunk's logits", "--batch or --seq (or the vocabulary)", tokens, shape.vocab());
        if (!backward) return embedded + gated + hidden + logits;
        long perLayer = switch (shape.cell()) {
            case TANH -> 5 * hidden;
            case LSTM -> 13 * hidden;
            case GRU -> 18 * hidden;
        };
        return add(2 * embedded + 2 * logits, multiply(shape.layers(), perLayer));
    }

    /** Bytes of {@code floats} float32 values. */
    private static long bytes(long floats) {
        return multiply(FLOAT, floats);
    }

    /** a + b, or Long.MAX_VALUE where that overflows (both are >= 0). */
    private static long add(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** a x b, or Long.MAX_VALUE where that overflows (both are >= 0). */
    private static long multiply(long a, long b) {
        return a != 0 && b > Long.MAX_VALUE / a ? Long.MAX_VALUE : a * b;
    }

    /** Bytes of a safetensors file of {@code floats} values, which is encoded in one array. */
    private static long file(String what, long floats, String lower) {
        long bytes = bytes(floats);
        if (bytes > CorpusText.MAX_LENGTH - (1 << 20)) {
            throw new UsageException(String.format(Locale.ROOT, "the run is too large to checkpoint: %s would be %s,"
                    + " more than one file may hold (2 GiB); lower %s", what, size(bytes), lower));
        }
        return bytes;
    }

    /** The product of {@code dims}, refused when it would not fit a Java array. */
    static long elements(String what, String lower, long... dims) {
        long n = 1;
        for (long d : dims) n = multiply(n, d);
        if (n > CorpusText.MAX_LENGTH) {
            StringBuilder product = new StringBuilder();
            for (long d : dims) product.append(product.length() == 0 ? "" : " x ").append(d);
            throw new UsageException(String.format(Locale.ROOT, "%s would hold %s = %s values, more than an array can"
                    + " (%,d); lower %s", what, product, n == Long.MAX_VALUE ? "too many" : String.format(Locale.ROOT, "%,d", n),
                    CorpusText.MAX_LENGTH, lower));
        }
        return n;
    }

    /** Refuses the run when it cannot fit {@code engine}'s memory and this JVM's heap. */
    void requireFits(Engine engine) {
        long heap = Runtime.getRuntime().maxMemory();
        boolean cpu = engine.device().type() == Device.Type.CPU;
        long onHeap = cpu ? add(heapBytes, engineBytes) : heapBytes;
        if (onHeap > heap) {
            throw new UsageException(String.format(Locale.ROOT, "this run needs about %s of Java heap (%s), more than the"
                    + " %s this JVM may use; lower %s, or give Java more (WICK_LM_JAVA_OPTS=-Xmx...)", size(onHeap),
                    breakdown, size(heap), lower));
        }
        long device = engine.memoryCapacity();
        if (!cpu && engineBytes > device) {
            throw new UsageException(String.format(Locale.ROOT, "this run needs about %s of memory on %s (%s), more than"
                    + " its %s; lower %s", size(engineBytes), engine.device(), breakdown, size(device), lower));
        }
    }

    long engineBytes() {
        return engineBytes;
    }

    long heapBytes() {
        return heapBytes;
    }

    static String size(long bytes) {
        if (bytes < 1L << 20) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        if (bytes < 1L << 40) return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        return String.format(Locale.ROOT, "%,.0f TiB", bytes / (double) (1L << 40));
    }
}
