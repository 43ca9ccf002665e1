package dev.wick.lm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextLoaderTest {
    @TempDir
    Path dir;

    private static String text(CorpusText t) {
        return new String(t.codePoints(), 0, t.length());
    }

    @Test
    void aDirectoryIsItsTextFilesSortedByPathAndConcatenated() throws Exception {
        Files.createDirectories(dir.resolve("b/sub"));
        Files.createDirectories(dir.resolve(".git"));
        Files.writeString(dir.resolve("b/sub/z.txt"), "3");
        Files.writeString(dir.resolve("b/a.txt"), "2");
        Files.writeString(dir.resolve("a.md"), "1é");
        Files.writeString(dir.resolve("c"), "4");
        Files.writeString(dir.resolve(".hidden"), "no");
        Files.writeString(dir.resolve(".git/config"), "no");
        Files.write(dir.resolve("b/image.bin"), new byte[]{'x', 0, 1, 2});
        List<String> warnings = new ArrayList<>();
        CorpusText t = TextLoader.load(dir, warnings::add);
        assertEquals("1é234", text(t));
        assertEquals(List.of(), warnings);
    }

    @Test
    void invalidUtf8IsReplacedWithOneWarning() throws Exception {
        Path f = dir.resolve("bad.txt");
        Files.write(f, new byte[]{'a', 'b', (byte) 0xC3, 'c', (byte) 0xFF, (byte) 0xFE, 'd'});
        List<String> warnings = new ArrayList<>();
        CorpusText t = TextLoader.load(f, warnings::add);
        assertEquals("ab\uFFFDc\uFFFD\uFFFDd", text(t));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("offset 2"), warnings.get(0));

        Files.createDirectories(dir.resolve("many"));
        for (int i = 0; i < 3; i++) Files.write(dir.resolve("many/f" + i), new byte[]{'x', (byte) 0x80});
        warnings.clear();
        TextLoader.load(dir.resolve("many"), warnings::add);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("warning: 3 file(s)"), warnings.get(0));
    }

    @Test
    void missingPathsAndDirectoriesWithoutTextAreRefused() throws Exception {
        assertThrows(NoSuchFileException.class, () -> TextLoader.load(dir.resolve("nope.txt"), w -> { }));
        Files.createDirectories(dir.resolve("empty"));
        String m = assertThrows(IllegalArgumentException.class, () -> TextLoader.load(dir.resolve("empty"), w -> { }))
                .getMessage();
        assertTrue(m.contains("no text files"), m);
        Files.write(dir.resolve("empty.txt"), new byte[0]);
        assertEquals(0, TextLoader.load(dir.resolve("empty.txt"), w -> { }).length());
    }

    @Test
    void theTextIsReadAgainFromItsFilesAndAChangeSinceIsRefused() throws Exception {
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "abcab");
        CorpusText t = TextLoader.load(f, w -> { });
        assertEquals(5, t.length());
        assertArrayEquals(new int[]{'a', 'b', 'c'}, t.distinctCodePoints());
        CharVocabulary v = CharVocabulary.of(t);
        assertArrayEquals(new int[]{0, 1, 2, 0, 1}, v.encode(t, "t").toIntArray());
        Files.writeString(f, "abcabc");
        String m = assertThrows(UncheckedIOException.class, () -> v.encode(t, "t")).getCause().getMessage();
        assertTrue(m.contains("changed while it was being read"), m);
    }

    @Test
    void theBundledCorpusHoldsTheProjectsOwnSources() throws Exception {
        CorpusText t = TextLoader.loadBundled(w -> { });
        String s = text(t);
        assertEquals(TextLoader.BUNDLED, t.source());
        assertTrue(t.length() > 20_000, "bundled corpus has only " + t.length() + " characters");
        assertTrue(s.contains("package dev.wick.lm"), "the corpus should hold this module's sources");
        assertTrue(s.contains("package dev.wick.core"), "the corpus should hold core's sources");
    }

    @Test
    void theFingerprintFollowsTheText() {
        CorpusText a = new CorpusText("a", "hello".codePoints().toArray());
        CorpusText b = new CorpusText("b", "hello".codePoints().toArray());
        CorpusText c = new CorpusText("c", "hellp".codePoints().toArray());
        assertEquals(a.sha256(), b.sha256());
        assertNotEquals(a.sha256(), c.sha256());
        assertEquals(Sha256.of(new byte[]{'h', 0, 0, 0, 'e', 0, 0, 0, 'l', 0, 0, 0, 'l', 0, 0, 0, 'o', 0, 0, 0}), a.sha256());
    }
}
