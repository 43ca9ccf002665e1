package dev.wick.lm.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CharVocabularyTest {
    @Test
    void idsAreRanksOfSortedDistinctCodePointsBeyondTheBmp() {
        String text = "b😀a\nba😀";
        CharVocabulary v = CharVocabulary.of(text.codePoints().toArray());
        assertArrayEquals(new int[]{'\n', 'a', 'b', 0x1F600}, v.codePoints());
        int[] ids = v.encode(text.codePoints().toArray(), "t");
        assertArrayEquals(new int[]{2, 3, 1, 0, 2, 1, 3}, ids);
        assertEquals(text, v.decode(ids));
    }

    @Test
    void encodingNamesTheFirstUnknownCharacterAndItsPosition() {
        CharVocabulary v = CharVocabulary.of("abc".codePoints().toArray());
        String m = assertThrows(IllegalArgumentException.class, () -> v.encode("abxcz".codePoints().toArray(), "--prime"))
                .getMessage();
        assertTrue(m.contains("'x' (U+0078) at position 2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> v.encode(new int[]{'a', '\t'}, "t")).getMessage();
        assertTrue(m.contains("U+0009 at position 1"), m);
    }

    @Test
    void aSavedVocabularyMustBeSortedDistinctAndValid() {
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.fromCodePoints(new int[]{}));
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.fromCodePoints(new int[]{3, 3}));
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.fromCodePoints(new int[]{5, 4}));
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.fromCodePoints(new int[]{-1}));
        assertEquals(2, CharVocabulary.fromCodePoints(new int[]{10, 0x10FFFF}).size());
    }
}
