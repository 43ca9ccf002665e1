package dev.wick.lm.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The words (and punctuation marks) a model knows, as {@link WordTokenizer} cuts them: id 0 is
 * {@link #EOS}, id 1 is {@link #UNK}, then the kept words from the most frequent in the training
 * split down, words of equal count in Java's String order (UTF-16 code units), so the same text
 * and rules give the same ids on every run. A word the vocabulary lacks is read as {@link #UNK}.
 * Saved with the model as the list of words in id order.
 */
public final class WordVocabulary implements Vocabulary {
    /** The end of a line. */
    public static final String EOS = "<eos>";
    /** Any word the vocabulary does not hold. */
    public static final String UNK = "<unk>";
    public static final int EOS_ID = 0;
    public static final int UNK_ID = 1;
    /** The smallest useful vocabulary: the two specials and one word. */
    public static final int MIN_SIZE = 3;

    private final String[] words;
    private final Map<String, Integer> ids;

    private WordVocabulary(String[] words) {
        this.words = words;
        this.ids = new HashMap<>(words.length * 2);
        for (int i = 0; i < words.length; i++) ids.put(words[i], i);
    }

    /**
     * The vocabulary of the first {@code trainingTokens} of a text's tokens: every word seen there at
     * least {@code minCount} times, the most frequent {@code maxVocab} - 2 of them when maxVocab is
     * not null.
     */
    public static WordVocabulary ofTrainingTokens(WordTokenizer.FirstSeen tokens, int trainingTokens, int minCount,
                                                  Integer maxVocab) {
        int[] counts = new int[tokens.distinct().size()];
        for (int i = 0; i < trainingTokens; i++) counts[tokens.numberAt(i)]++;
        List<Integer> kept = new ArrayList<>();
        for (int n = 0; n < counts.length; n++) {
            if (counts[n] >= minCount && !isSpecial(tokens.distinct().get(n))) kept.add(n);
        }
        kept.sort(Comparator.<Integer>comparingInt(n -> -counts[n]).thenComparing(n -> tokens.distinct().get(n)));
        int size = maxVocab == null ? kept.size() : Math.min(kept.size(), maxVocab - 2);
        String[] words = new String[2 + size];
        words[EOS_ID] = EOS;
        words[UNK_ID] = UNK;
        for (int i = 0; i < size; i++) words[2 + i] = tokens.distinct().get(kept.get(i));
        return new WordVocabulary(words);
    }

    /**
     * A vocabulary read back from a checkpoint: the specials first, then distinct words, each one
     * token as the tokenizer cuts text (so that text can name it again).
     */
    public static WordVocabulary fromWords(String[] words) {
        if (words.length < 2 || !EOS.equals(words[EOS_ID]) || !UNK.equals(words[UNK_ID])) {
            throw new IllegalArgumentException("the word vocabulary must start with " + EOS + " and " + UNK);
        }
        WordVocabulary v = new WordVocabulary(words.clone());
        if (v.ids.size() != words.length) throw new IllegalArgumentException("the word vocabulary repeats a word");
        for (int i = 2; i < words.length; i++) {
            if (words[i] == null || !List.of(words[i]).equals(WordTokenizer.tokens(words[i])) || isSpecial(words[i])) {
                throw new IllegalArgumentException("the word vocabulary's entry " + i + " is not a token: " + words[i]);
            }
        }
        return v;
    }

    private static boolean isSpecial(String token) {
        return EOS.equals(token) || UNK.equals(token);
    }

    @Override
    public TokenKind kind() {
        return TokenKind.WORDS;
    }

    @Override
    public int size() {
        return words.length;
    }

    /** The words in id order. */
    public String[] words() {
        return words.clone();
    }

    public String wordOf(int id) {
        return words[id];
    }

    /** The id of a token, {@link #UNK_ID} for one the vocabulary lacks. */
    public int idOf(String token) {
        return ids.getOrDefault(token, UNK_ID);
    }

    /** The ids of a text's tokens; words the vocabulary lacks become {@link #UNK_ID} (never refused). */
    @Override
    public int[] encode(int[] text, String what) {
        WordTokenizer.IdBuffer out = new WordTokenizer.IdBuffer();
        WordTokenizer.tokenize(text, token -> out.add(idOf(token)));
        return out.toArray();
    }

    @Override
    public TokenIds encode(CorpusText text, String what) {
        WordTokenizer.IdBuffer out = new WordTokenizer.IdBuffer();
        try (CodePointReader r = text.open()) {
            WordTokenizer.tokenize(r, token -> out.add(idOf(token)));
        }
        return out.toTokenIds(size());
    }

    /** The text of the tokens numbered by first sight, as ids of this vocabulary. */
    public TokenIds renumber(WordTokenizer.FirstSeen tokens) {
        int[] idOfNumber = tokens.distinct().stream().mapToInt(this::idOf).toArray();
        TokenIds out = TokenIds.allocate(tokens.count(), size());
        for (int i = 0; i < tokens.count(); i++) out.set(i, idOfNumber[tokens.numberAt(i)]);
        return out;
    }

    /**
     * Words joined as prose: a space between two tokens, except before closing brackets and quotes
     * and other punctuation (. , ; : ! ? and the like) and after opening brackets and quotes; a
     * line break for every {@link #EOS}. A straight quote (" or ') opens when none is open on the
     * line and closes the one that is.
     */
    @Override
    public Writer writer(Appendable out) {
        return new Prose(out);
    }

    /** The spacing state of prose being written: what came before on the line. */
    private final class Prose implements Writer {
        private final Appendable out;
        private String previous; // null at the start of a line
        private boolean previousOpens;
        private int openStraightQuote = -1; // the quote character open on this line, -1 for none

        Prose(Appendable out) {
            this.out = out;
        }

        @Override
        public boolean write(int id) {
            if (id == EOS_ID) {
                Appending.append(out, "\n");
                previous = null;
                openStraightQuote = -1;
                return true;
            }
            String token = words[id];
            boolean opens, closes;
            if (token.equals("\"") || token.equals("'")) {
                closes = openStraightQuote == token.charAt(0);
                opens = !closes;
                openStraightQuote = opens ? token.charAt(0) : -1;
            } else {
                int type = punctuationType(token);
                opens = type == Character.START_PUNCTUATION || type == Character.INITIAL_QUOTE_PUNCTUATION;
                closes = type == Character.END_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                        || type == Character.OTHER_PUNCTUATION;
            }
            Appending.append(out, previous != null && !previousOpens && !closes ? " " + token : token);
            previous = token;
            previousOpens = opens;
            return false;
        }
    }

    /** The start of a line: what follows is what a text's first line could be. */
    @Override
    public int[] defaultPrime() {
        return new int[]{EOS_ID};
    }

    /** The Unicode category of a one-character token, -1 for a word. */
    private static int punctuationType(String token) {
        return token.codePointCount(0, token.length()) == 1 && !WordTokenizer.isWordCharacter(token.codePointAt(0))
                ? Character.getType(token.codePointAt(0)) : -1;
    }
}
