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
        StringBuilder word = new StringBuilder();
        int i = 0;
        while (i < text.length) {
            int c = text[i];
            if (isWordCharacter(c) || (isJoiner(c) && word.length() > 0 && i + 1 < text.length
                    && isWordCharacter(text[i + 1]))) {
                word.appendCodePoint(c);
                i++;
                continue;
            }
            endWord(word, sink);
            if (c == '\n' || c == '\r') {
                sink.accept(WordVocabulary.EOS);
                i += c == '\r' && i + 1 < text.length && text[i + 1] == '\n' ? 2 : 1;
            } else if (startsWith(text, i, UNK_MARKUP)) {
                sink.accept(WordVocabulary.UNK);
                i += UNK_MARKUP.length;
            } else {
                if (!Character.isWhitespace(c) && !Character.isSpaceChar(c)) sink.accept(Character.toString(c));
                i++;
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
        Map<String, Integer> numbers = new HashMap<>();
        List<String> distinct = new ArrayList<>();
        IdBuffer ids = new IdBuffer(text.length / 4 + 16);
        tokenize(text, token -> ids.add(numbers.computeIfAbsent(token, t -> {
            distinct.add(t);
            return distinct.size() - 1;
        })));
        return new FirstSeen(ids.toArray(), List.copyOf(distinct));
    }

    /** Tokens as numbers in order of first sight, and the distinct tokens those numbers stand for. */
    public record FirstSeen(int[] ids, List<String> distinct) {
    }

    /** A growing int[]: token ids without boxing them. */
    static final class IdBuffer {
        private int[] ids;
        private int size;

        IdBuffer(int capacity) {
            ids = new int[Math.max(capacity, 16)];
        }

        void add(int id) {
            if (size == ids.length) ids = Arrays.copyOf(ids, (int) Math.min(Integer.MAX_VALUE - 8, ids.length * 2L));
            ids[size++] = id;
        }

        int[] toArray() {
            return Arrays.copyOf(ids, size);
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

    private static boolean startsWith(int[] text, int at, int[] prefix) {
        if (at + prefix.length > text.length) return false;
        for (int k = 0; k < prefix.length; k++) {
            if (text[at + k] != prefix[k]) return false;
        }
        return true;
    }

    private static void endWord(StringBuilder word, Consumer<String> sink) {
        if (word.length() == 0) return;
        sink.accept(word.toString());
        word.setLength(0);
    }
}
