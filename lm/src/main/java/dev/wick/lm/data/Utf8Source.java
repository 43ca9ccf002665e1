package dev.wick.lm.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The code points of UTF-8 bytes read from a channel a buffer at a time. Each undecodable
 * sequence becomes one U+FFFD, exactly as a replacing decoder over the whole input would make it,
 * and the offset of the first one is kept for a warning.
 */
final class Utf8Source implements CodePointReader.Source {
    private static final char REPLACEMENT = '\uFFFD';

    private final ReadableByteChannel in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes;
    private final CharBuffer chars;
    /** The offset in the input of bytes[0]. */
    private long bytesBefore;
    private long firstBadByte = -1;
    private boolean inputEnded;
    private boolean decoded;

    Utf8Source(ReadableByteChannel in) {
        this(in, 1 << 16, 1 << 15);
    }

    /** With buffers of the given sizes (tests make them tiny to cross every boundary). */
    Utf8Source(ReadableByteChannel in, int byteBuffer, int charBuffer) {
        this.in = in;
        // A sequence cut at the buffer's end stays in it: room for the longest (4 bytes) and more.
        this.bytes = ByteBuffer.allocate(Math.max(byteBuffer, 8)).flip();
        this.chars = CharBuffer.allocate(Math.max(charBuffer, 2)).flip();
    }

    /** Where the first undecodable sequence starts, -1 while there is none. */
    long firstBadByte() {
        return firstBadByte;
    }

    @Override
    public int read(int[] into, int off, int len) throws IOException {
        int n = 0;
        while (n == 0) {
            n = take(into, off, len);
            if (n > 0) return n;
            if (decoded && !chars.hasRemaining()) return -1;
            decodeMore();
        }
        return n;
    }

    /**
     * Code points from the decoded characters. The JDK's decoder writes a surrogate pair whole or not
     * at all; should a high surrogate still end the buffer, it waits for its partner unless the input is done.
     */
    private int take(int[] into, int off, int len) {
        int n = 0;
        while (n < len && chars.hasRemaining()) {
            char c = chars.get(chars.position());
            if (Character.isHighSurrogate(c)) {
                if (chars.remaining() >= 2 && Character.isLowSurrogate(chars.get(chars.position() + 1))) {
                    into[off + n++] = Character.toCodePoint(c, chars.get(chars.position() + 1));
                    chars.position(chars.position() + 2);
                    continue;
                }
                if (chars.remaining() == 1 && !decoded) break;
            }
            into[off + n++] = c;
            chars.position(chars.position() + 1);
        }
        return n;
    }

    /** Decodes until at least one more character is ready (or the input is done). */
    private void decodeMore() throws IOException {
        int carried = chars.remaining();
        chars.compact();
        try {
            while (!decoded && chars.position() == carried) {
                CoderResult r = decoder.decode(bytes, chars, inputEnded);
                if (r.isError()) {
                    if (firstBadByte < 0) firstBadByte = bytesBefore + bytes.position();
                    if (!chars.hasRemaining()) break;
                    chars.put(REPLACEMENT);
                    bytes.position(bytes.position() + r.length());
                } else if (r.isOverflow()) {
                    break;
                } else if (inputEnded) {
                    if (decoder.flush(chars).isOverflow()) break;
                    decoded = true;
                } else {
                    readBytes();
                }
            }
        } finally {
            chars.flip();
        }
    }

    private void readBytes() throws IOException {
        bytesBefore += bytes.position();
        bytes.compact();
        int n = 0;
        while (n == 0) n = in.read(bytes);
        if (n < 0) inputEnded = true;
        bytes.flip();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
