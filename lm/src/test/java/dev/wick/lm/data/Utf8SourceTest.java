package dev.wick.lm.data;

import dev.wick.lm.TestTexts;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Streaming UTF-8 decoding gives exactly what decoding the whole input at once gives (each
 * undecodable sequence one U+FFFD, surrogate pairs kept whole), whatever the buffer sizes and
 * wherever a sequence is cut between two reads.
 */
class Utf8SourceTest {
    private static final String[] PIECES = {"a", "é", "東", "😀", "\n", "\r\n", " ", "Ω"};

    /** The reference: the whole input through a replacing decoder, as code points; and where strict decoding stops. */
    private static int[] wholeDecode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).codePoints().toArray();
    }

    private static long firstBad(byte[] bytes) {
        var strict = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        strict.decode(in, java.nio.CharBuffer.allocate(bytes.length + 1), true);
        return in.hasRemaining() ? in.position() : -1;
    }

    /** A channel that hands out at most {@code chunk} bytes a read, to cut sequences anywhere. */
    private static ReadableByteChannel trickle(byte[] bytes, int chunk) {
        ReadableByteChannel whole = Channels.newChannel(new ByteArrayInputStream(bytes));
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws java.io.IOException {
                if (dst.remaining() <= chunk) return whole.read(dst);
                ByteBuffer part = dst.slice();
                part.limit(chunk);
                int n = whole.read(part);
                if (n > 0) dst.position(dst.position() + n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return whole.isOpen();
            }

            @Override
            public void close() throws java.io.IOException {
                whole.close();
            }
        };
    }

    private static int[] streamDecode(Utf8Source source, int readSize) throws Exception {
        int[] out = new int[16];
        int n = 0;
        int[] chunk = new int[readSize];
        for (int k = source.read(chunk, 0, readSize); k >= 0; k = source.read(chunk, 0, readSize)) {
            if (n + k > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, n + k));
            System.arraycopy(chunk, 0, out, n, k);
            n += k;
        }
        return Arrays.copyOf(out, n);
    }

    @Test
    void streamingEqualsWholeDecodingOnDamagedText() throws Exception {
        long seed = TestTexts.freshSeed("streamingEqualsWholeDecodingOnDamagedText");
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder sb = new StringBuilder();
            int pieces = r.nextInt(60);
            for (int i = 0; i < pieces; i++) sb.append(PIECES[r.nextInt(PIECES.length)]);
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            // Damage: random bytes, cut sequences, stray continuation and lead bytes, encoded surrogates.
            int damage = trial % 3 == 0 ? 0 : r.nextInt(4);
            for (int d = 0; d < damage && bytes.length > 0; d++) {
                int at = r.nextInt(bytes.length);
                bytes[at] = switch (r.nextInt(4)) {
                    case 0 -> (byte) r.nextInt(256);
                    case 1 -> (byte) 0x80;
                    case 2 -> (byte) 0xF0;
                    default -> (byte) 0xED;
                };
            }
            if (r.nextBoolean() && bytes.length > 0) bytes = Arrays.copyOf(bytes, bytes.length - 1 - r.nextInt(Math.min(3, bytes.length)));
            int chunk = 1 + r.nextInt(7);
            int byteBuffer = 1 + r.nextInt(12);
            int charBuffer = 1 + r.nextInt(5);
            int readSize = 1 + r.nextInt(4);
            String where = "trial " + trial + " (seed " + seed + "), bytes " + Arrays.toString(bytes) + ", buffers "
                    + chunk + "/" + byteBuffer + "/" + charBuffer + "/" + readSize;
            try (Utf8Source s = new Utf8Source(trickle(bytes, chunk), byteBuffer, charBuffer)) {
                assertArrayEquals(wholeDecode(bytes), streamDecode(s, readSize), where);
                assertEquals(firstBad(bytes), s.firstBadByte(), where);
            }
        }
    }

    @Test
    void aReaderLooksAheadAcrossItsChunks() {
        int[] text = new int[100_000];
        for (int i = 0; i < text.length; i++) text[i] = i % 1000;
        try (CodePointReader r = CodePointReader.of(text)) {
            for (int i = 0; i < text.length; i++) {
                for (int k = 0; k < CodePointReader.LOOKAHEAD; k++) {
                    assertEquals(i + k < text.length ? text[i + k] : -1, r.peek(k), "peek " + k + " at " + i);
                }
                assertEquals(text[i], r.next());
            }
            assertEquals(-1, r.next());
            assertEquals(-1, r.peek(0));
        }
    }
}
