package dev.wick.lm.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Splits text into word-level tokens, reading it once, front to back, and handing each token on as
 * it ends, so no list of the text's tokens is ever built:
 * <ul>
 * <li>a <em>word</em> is a run of letters, digits, combining marks and underscores (any script:
 *     {@code naïve}, {@code 東京}, {@code snake_case} are one word each);</li>
 * <li>an apostrophe (' or ’) or a hyphen (- or ‐ or the non-breaking ‑) <em>between</em> two word
 *     characters stays in the word ({@code don't}, {@code well-known}); anywhere else it is a
 *     punctuation token ({@code 'tis} is {@code '} and {@code tis});</li>
 * <li>every other character that is not white space (punctuation, symbols, emoji) is a token of
 *     its own: {@code "Hi!"} is {@code "}, {@code Hi}, {@code !}, {@code "};</li>
 * <li>every line break (\n, \r\n or a lone \r, as Python reads lines) is an {@link WordVocabulary#EOS}
 *     token, as PyTorch's word_language_model adds one per line (a last line without a break gets
 *     none here);</li>
 * <li>the text {@code <unk>} is read as the {@link WordVocabulary#UNK} token, as in corpora such as
 *     WikiText that mark their rare words so.</li>
 * </ul>
 */
public final class WordTokenizer {
    private static final int[] UNK_MARKUP = WordVocabulary.UNK.codePoints().toArray();

    private WordTokenizer() {
    }

    /** Hands every token of {@code text} (code points) to {@code sink}, in order. */
    public static void tokenize(int[] text, Consumer<String> sink) {
        try (CodePointReader r = CodePointReader.of(text)) {
            tokenize(r, sink);
        }
    }

    /** Hands every token of the text {@code text} reads to {@code sink}, in order. */
    public static void tokenize(CodePointReader text, Consumer<String> sink) {
        StringBuilder word = new StringBuilder();
        for (int c = text.peek(0); c >= 0; c = text.peek(0)) {
            if (isWordCharacter(c) || (isJoiner(c) && word.length() > 0 && isWordCharacter(text.peek(1)))) {
                word.appendCodePoint(c);
                text.skip(1);
                continue;
            }
            endWord(word, sink);
            if (c == '\n' || c == '\r') {
                sink.accept(WordVocabulary.EOS);
                text.skip(c == '\r' && text.peek(1) == '\n' ? 2 : 1);
            } else if (startsWith(text, UNK_MARKUP)) {
                sink.accept(WordVocabulary.UNK);
                text.skip(UNK_MARKUP.length);
            } else {
                if (!Character.isWhitespace(c) && !Character.isSpaceChar(c)) sink.accept(Character.toString(c));
                text.skip(1);
            }
        }
        endWord(word, sink);
    }

    /** The tokens of {@code text}, in order, as a list (for short texts: a prime, a test). */
    public static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        tokenize(text.codePoints().toArray(), tokens::add);
        return tokens;
    }

    /**
     * A text's tokens numbered by first sight (the first distinct token is 0, the next new one 1,
     * ...), before any vocabulary exists: one pass, holding the ids and each distinct token once.
     */
    public static FirstSeen numberByFirstSight(int[] text) {
        try (CodePointReader r = CodePointReader.of(text)) {
            return numberByFirstSight(r);
        }
    }

    /** As {@link #numberByFirstSight(int[])}, streaming the text. */
    public static FirstSeen numberByFirstSight(CorpusText text) {
        try (CodePointReader r = text.open()) {
            return numberByFirstSight(r);
        }
    }

    private static FirstSeen numberByFirstSight(CodePointReader text) {
        Map<String, Integer> numbers = new HashMap<>();
        List<String> distinct = new ArrayList<>();
        IdBuffer ids = new IdBuffer();
        tokenize(text, token -> ids.add(numbers.computeIfAbsent(token, t -> {
            distinct.add(t);
            return distinct.size() - 1;
        })));
        return new FirstSeen(ids, List.copyOf(distinct));
    }

    /** Tokens as numbers in order of first sight, and the distinct tokens those numbers stand for. */
    public static final class FirstSeen {
        private final IdBuffer numbers;
        private final List<String> distinct;

        private FirstSeen(IdBuffer numbers, List<String> distinct) {
            this.numbers = numbers;
            this.distinct = distinct;
        }

        /** Tokens in the text. */
        public int count() {
            return numbers.size();
        }

        /** The number of the text's token {@code i}. */
        public int numberAt(int i) {
            return numbers.get(i);
        }

        /** The numbers of every token, as an array (a copy: for short texts). */
        public int[] ids() {
            return numbers.toArray();
        }

        /** The distinct tokens, token number n at index n. */
        public List<String> distinct() {
            return distinct;
        }
    }

    /**
     * A growing list of token ids without boxing them, in blocks, so that it never holds more than
     * one block beyond its ids and never copies them to grow.
     */
    static final class IdBuffer {
        private static final int BLOCK_BITS = 16;
        private static final int BLOCK = 1 << BLOCK_BITS;
        private int[][] blocks = new int[16][];
        private int size;

        void add(int id) {
            if (size == CorpusText.MAX_LENGTH) {
                throw new IllegalArgumentException(String.format("the text has more than %,d tokens", CorpusText.MAX_LENGTH));
            }
            int block = size >>> BLOCK_BITS;
            if (block == blocks.length) blocks = Arrays.copyOf(blocks, blocks.length * 2);
            if (blocks[block] == null) blocks[block] = new int[BLOCK];
            blocks[block][size & (BLOCK - 1)] = id;
            size++;
        }

        int size() {
            return size;
        }

        int get(int i) {
            if (i < 0 || i >= size) throw new IndexOutOfBoundsException("id " + i + " of " + size);
            return blocks[i >>> BLOCK_BITS][i & (BLOCK - 1)];
        }

        int[] toArray() {
            int[] out = new int[size];
            for (int i = 0; i < size; i++) out[i] = get(i);
            return out;
        }

        /** The ids as stored compactly for a vocabulary of {@code vocabularySize}. */
        TokenIds toTokenIds(int vocabularySize) {
            TokenIds out = TokenIds.allocate(size, vocabularySize);
            for (int i = 0; i < size; i++) out.set(i, get(i));
            return out;
        }
    }

    static boolean isWordCharacter(int c) {
        if (Character.isLetterOrDigit(c)) return true;
        return switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isJoiner(int c) {
        return c == '\'' || c == '\u2019' || c == '-' || c == '\u2010' || c == '\u2011';
    }

    private static boolean startsWith(CodePointReader text, int[] prefix) {
        for (int k = 0; k < prefix.length; k++) {
            if (text.peek(k) != prefix[k]) return false;
        }
        return true;
    }

    private static void endWord(StringBuilder word, Consumer<String> sink) {
        if (word.length() == 0) return;
        sink.accept(word.toString());
        word.setLength(0);
    }
}
