package dev.wick.lm.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A text's code points read front to back with a little lookahead (the word tokenizer looks a few
 * code points ahead), from a source that produces them a chunk at a time: a text of any size is
 * read through a buffer of constant size. A failed read is an {@link UncheckedIOException}.
 */
public final class CodePointReader implements AutoCloseable {
    /** The furthest {@link #peek} may look ahead. */
    public static final int LOOKAHEAD = 16;
    private static final int CHUNK = 1 << 15;

    /** Where code points come from, a chunk at a time. */
    interface Source extends Closeable {
        /** Up to {@code len} (> 0) code points into {@code into} at {@code off}: how many, -1 at the end, never 0. */
        int read(int[] into, int off, int len) throws IOException;
    }

    private final Source source;
    private final int[] buffer = new int[CHUNK + LOOKAHEAD];
    private int position;
    private int limit;
    private boolean ended;

    CodePointReader(Source source) {
        this.source = source;
    }

    /** The code points of an array (not copied). */
    public static CodePointReader of(int[] codePoints) {
        return new CodePointReader(new Source() {
            private int next;

            @Override
            public int read(int[] into, int off, int len) {
                if (next == codePoints.length) return -1;
                int n = Math.min(len, codePoints.length - next);
                System.arraycopy(codePoints, next, into, off, n);
                next += n;
                return n;
            }

            @Override
            public void close() {
            }
        });
    }

    /** The code point {@code ahead} places after the next one (0: the next one), -1 past the end. */
    public int peek(int ahead) {
        if (position + ahead >= limit) fill(ahead);
        return position + ahead < limit ? buffer[position + ahead] : -1;
    }

    /** The next code point, consumed; -1 at the end. */
    public int next() {
        if (position == limit) fill(0);
        return position < limit ? buffer[position++] : -1;
    }

    /** Skips {@code count} code points (which {@link #peek} has seen). */
    public void skip(int count) {
        if (position + count > limit) throw new IllegalStateException("skipping code points not yet seen");
        position += count;
    }

    private void fill(int ahead) {
        if (ahead >= LOOKAHEAD) throw new IllegalArgumentException("lookahead " + ahead + " exceeds " + (LOOKAHEAD - 1));
        if (position > 0) {
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
        try {
            while (!ended && limit <= ahead) {
                int n = source.read(buffer, limit, buffer.length - limit);
                if (n < 0) ended = true;
                else limit += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            source.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
