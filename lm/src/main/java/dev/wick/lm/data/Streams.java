package dev.wick.lm.data;

/**
 * A token sequence cut into {@code count} parallel streams for truncated backpropagation through
 * time: stream b is the contiguous run starting at b * streamLength, streamLength being
 * length / count (the remainder at the end is unused). A chunk at position p takes, from every
 * stream, the inputs at p .. p+T-1 and the targets one further on, laid out time-major ([T, B]) as
 * the RNN reads them; consecutive chunks continue each stream, so a hidden state carried from one
 * chunk to the next sees a continuous text.
 */
public final class Streams {
    private final TokenIds tokens;
    private final int from;
    private final int count;
    private final int streamLength;

    /** The streams over tokens[from, to). */
    public Streams(int[] tokens, int from, int to, int count) {
        this(TokenIds.wrap(tokens), from, to, count);
    }

    /** The streams over tokens[from, to). */
    public Streams(TokenIds tokens, int from, int to, int count) {
        if (count < 1) throw new IllegalArgumentException("stream count must be >= 1, got " + count);
        if (from < 0 || to > tokens.length() || from > to) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") out of bounds for " + tokens.length() + " tokens");
        }
        if ((to - from) / count < 2) {
            throw new IllegalArgumentException((to - from) + " tokens are too few for " + count
                    + " streams of at least 2 tokens (one input, one target)");
        }
        this.tokens = tokens;
        this.from = from;
        this.count = count;
        this.streamLength = (to - from) / count;
    }

    public int count() {
        return count;
    }

    public int streamLength() {
        return streamLength;
    }

    /** Where each stream starts, relative to the range's start. */
    public int[] offsets() {
        int[] o = new int[count];
        for (int b = 0; b < count; b++) o[b] = b * streamLength;
        return o;
    }

    /** Chunks that cover every target once, the last possibly shorter (as evaluation takes them). */
    public int allChunks(int seq) {
        if (seq < 1) throw new IllegalArgumentException("seq must be >= 1, got " + seq);
        return (int) ((streamLength - 1L + seq - 1) / seq);
    }

    /** The steps a chunk at {@code position} has when at most {@code seq} are wanted. */
    public int stepsAt(int position, int seq) {
        int left = streamLength - 1 - position;
        if (left < 1) throw new IllegalArgumentException("no chunk at position " + position + " of streams of " + streamLength);
        return Math.min(seq, left);
    }

    /** Inputs and targets, each [T, B] time-major, of the chunk at {@code position} with T steps. */
    public Chunk chunk(int position, int steps) {
        if (position < 0 || steps < 1 || (long) position + steps + 1 > streamLength) {
            throw new IllegalArgumentException("chunk of " + steps + " steps at position " + position
                    + " does not fit streams of " + streamLength + " tokens");
        }
        if ((long) steps * count > CorpusText.MAX_LENGTH) {
            throw new IllegalArgumentException("a chunk of " + steps + " steps of " + count + " streams is too large");
        }
        int[] in = new int[steps * count], out = new int[steps * count];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < count; b++) {
                int i = from + b * streamLength + position + t;
                in[t * count + b] = tokens.get(i);
                out[t * count + b] = tokens.get(i + 1);
            }
        }
        return new Chunk(in, out, steps, count);
    }

    /** One chunk: ids laid out [steps, streams], row t holding every stream's token at time t. */
    public record Chunk(int[] inputs, int[] targets, int steps, int streams) {
    }
}
