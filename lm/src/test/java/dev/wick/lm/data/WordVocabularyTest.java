package dev.wick.lm.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WordVocabularyTest {
    private static final String EOS = WordVocabulary.EOS, UNK = WordVocabulary.UNK;

    private static WordVocabulary build(String text, int trainingTokens, int minCount, Integer maxVocab) {
        WordTokenizer.FirstSeen f = WordTokenizer.numberByFirstSight(text.codePoints().toArray());
        return WordVocabulary.ofTrainingTokens(f, trainingTokens < 0 ? f.ids().length : trainingTokens, minCount, maxVocab);
    }

    @Test
    void specialsFirstThenByCountThenInStringOrder() {
        // c x3, a x2, b x2, d x1, and '.' x1: a and b tie, a sorts first; d and '.' tie, '.' (U+002E) first.
        WordVocabulary v = build("b a c\nc d a b c .\n", -1, 1, null);
        assertArrayEquals(new String[]{EOS, UNK, "c", "a", "b", ".", "d"}, v.words());
        assertArrayEquals(new int[]{4, 3, 2, 0, 2, 6, 3, 4, 2, 5, 0}, v.encode("b a c\nc d a b c .\n".codePoints().toArray(), "t"));
        // The same text in another order gives the same ids: nothing depends on what came first.
        assertArrayEquals(v.words(), build(". d c c c\na a b b\n", -1, 1, null).words());
    }

    @Test
    void rareWordsAreUnknownByMinCount() {
        WordVocabulary v = build("a a b c c c d", -1, 2, null);
        assertArrayEquals(new String[]{EOS, UNK, "c", "a"}, v.words());
        assertArrayEquals(new int[]{3, 3, 1, 2, 2, 2, 1}, v.encode("a a b c c c d".codePoints().toArray(), "t"));
    }

    @Test
    void maxVocabKeepsTheMostFrequentAndBreaksTiesTheSameWayEveryTime() {
        // Every word once: the limit keeps the first in String order, whatever the text's order.
        assertArrayEquals(new String[]{EOS, UNK, "apple", "kiwi"}, build("pear kiwi zebra apple", -1, 1, 4).words());
        assertArrayEquals(new String[]{EOS, UNK, "apple", "kiwi"}, build("zebra apple pear kiwi", -1, 1, 4).words());
        assertArrayEquals(new String[]{EOS, UNK, "zebra"}, build("pear zebra kiwi zebra", -1, 1, 3).words());
        // A limit above what the text holds changes nothing.
        assertEquals(5, build("a b c", -1, 1, 100).size());
    }

    @Test
    void onlyTheTrainingTokensChooseTheWords() {
        // 6 tokens, the first 4 train: "late" and "words" appear only after them, so they are <unk>.
        WordVocabulary v = build("early words here\nlate words", 4, 1, null);
        assertEquals(5, v.size());
        assertEquals(WordVocabulary.UNK_ID, v.idOf("late"));
        assertTrue(v.idOf("words") > 1);
        assertArrayEquals(new int[]{1, 1}, v.encode("never seen".codePoints().toArray(), "t"));
    }

    @Test
    void decodingJoinsWordsAsProse() {
        WordVocabulary v = build("\" hello , world ! ( said she ) ' ok ' = 5 - 3 « oui » <unk>\n", -1, 1, null);
        int[] ids = v.encode("\"hello, world!\" (said she) 'ok' = 5 - 3 «oui» <unk>\nhello".codePoints().toArray(), "t");
        assertEquals("\"hello, world!\" (said she) 'ok' = 5 - 3 «oui» <unk>\nhello", v.decode(ids));
    }

    @Test
    void aSavedVocabularyMustBeWellFormed() {
        WordVocabulary v = build("a b c", -1, 1, null);
        assertArrayEquals(v.words(), WordVocabulary.fromWords(v.words()).words());
        assertThrows(IllegalArgumentException.class, () -> WordVocabulary.fromWords(new String[]{UNK, EOS, "a"}));
        assertThrows(IllegalArgumentException.class, () -> WordVocabulary.fromWords(new String[]{EOS, UNK, "a", "a"}));
        assertThrows(IllegalArgumentException.class, () -> WordVocabulary.fromWords(new String[]{EOS, UNK, "two words"}));
        assertThrows(IllegalArgumentException.class, () -> WordVocabulary.fromWords(new String[]{EOS, UNK, "a,"}));
        assertThrows(IllegalArgumentException.class, () -> WordVocabulary.fromWords(new String[]{EOS, UNK, null}));
        assertThrows(IllegalArgumentException.class, () -> WordVocabulary.fromWords(new String[]{EOS, UNK, UNK}));
    }

    @Test
    void tokenizationRulesAreChecked() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Tokenization(TokenKind.WORDS, 0, null))
                .getMessage().contains("--min-count"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Tokenization(TokenKind.WORDS, 1, 2))
                .getMessage().contains("--max-vocab must be >= 3"));
        assertEquals(TokenKind.WORDS, TokenKind.parse("words"));
        assertThrows(IllegalArgumentException.class, () -> TokenKind.parse("Words"));
    }
}
