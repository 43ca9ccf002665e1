package dev.wick.lm.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WordTokenizerTest {
    private static final String EOS = WordVocabulary.EOS, UNK = WordVocabulary.UNK;

    @Test
    void punctuationMarksAreTokensOfTheirOwn() {
        assertEquals(List.of("\"", "Hi", "!", "\"", "she", "said", "(", "twice", ")", ",", "then", "left", "—", "no"),
                WordTokenizer.tokens("\"Hi!\" she said (twice), then left—no"));
        assertEquals(List.of("left", ".", ".", "."), WordTokenizer.tokens("left..."));
        assertEquals(List.of("a", "=", "b", "+", "1", ";", "x", "<", "y", "$", "5"), WordTokenizer.tokens("a=b+1; x<y $5"));
        assertEquals(List.of("3", ".", "14", "and", "1", ",", "000"), WordTokenizer.tokens("3.14 and 1,000"));
    }

    @Test
    void apostrophesAndHyphensInsideAWordStayInIt() {
        assertEquals(List.of("don't", "stop", "well-known", "o’clock", "mother-in-law"),
                WordTokenizer.tokens("don't stop well-known o’clock mother-in-law"));
        assertEquals(List.of("'", "tis", "the", "dogs", "'", "-", "ish", "-", "-", "a", "-", "b", "rock", "-"),
                WordTokenizer.tokens("'tis the dogs' -ish -- a - b rock-"));
        assertEquals(List.of("snake_case", "_x_", "\"", "quoted", "\""), WordTokenizer.tokens("snake_case _x_ \"quoted\""),
                "an underscore joins like a letter");
    }

    @Test
    void everyLineBreakIsAnEndOfLine() {
        assertEquals(List.of("a", "b", EOS, EOS, "c", EOS, "d", EOS, "e"), WordTokenizer.tokens("a b\n\nc\r\nd\re"));
        assertEquals(List.of("x", EOS), WordTokenizer.tokens("  x  \n"));
        assertEquals(List.of(), WordTokenizer.tokens(" \t "));
    }

    @Test
    void unkMarkupIsTheUnknownToken() {
        assertEquals(List.of("the", UNK, "sat", "<", "unk"), WordTokenizer.tokens("the <unk> sat <unk"));
        assertEquals(List.of("<", "eos", ">"), WordTokenizer.tokens("<eos>"), "only <unk> is markup: text never makes an <eos>");
    }

    @Test
    void wordsOfAnyScript() {
        assertEquals(List.of("naïve", "café", "über-cool", "東京", "x²", "😀", "e\u0301t\u0301e"),
                WordTokenizer.tokens("naïve café über-cool 東京 x² 😀e\u0301t\u0301e"));
        assertEquals(List.of("𝒜𝒷", "!", "😀", "😀"), WordTokenizer.tokens("𝒜𝒷! 😀😀"), "beyond the BMP: one code point, one token");
    }

    @Test
    void numberingByFirstSightKeepsTheOrderAndEachDistinctTokenOnce() {
        WordTokenizer.FirstSeen f = WordTokenizer.numberByFirstSight("b a b\nc a".codePoints().toArray());
        assertEquals(List.of("b", "a", EOS, "c"), f.distinct());
        assertArrayEquals(new int[]{0, 1, 0, 2, 3, 1}, f.ids());
    }
}
