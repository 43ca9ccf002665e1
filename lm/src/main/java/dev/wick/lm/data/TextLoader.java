package dev.wick.lm.data;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads the text a model trains on or is evaluated on: one file, or every regular text file under a
 * directory (sorted by relative path, hidden entries and binary files skipped, concatenated), or
 * the corpus bundled in the program (the project's own sources and docs). Text is decoded as UTF-8;
 * undecodable bytes become U+FFFD with one warning for the whole load.
 */
public final class TextLoader {
    /** How the bundled corpus is named in messages and checkpoints. */
    public static final String BUNDLED = "bundled:project-sources";
    private static final String BUNDLED_FOLDER = "corpus";
    private static final int SNIFF_BYTES = 8192;

    private TextLoader() {
    }

    /**
     * Loads {@code path} (a file or a directory). IOException for a missing or unreadable path;
     * IllegalArgumentException for a directory without text files. Never returns an empty text
     * silently: callers decide what length they need.
     */
    public static CorpusText load(Path path, Consumer<String> warn) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "no such file or directory");
        // The absolute path is what a checkpoint records, so --resume finds the text from any working directory.
        String source = path.toAbsolutePath().normalize().toString();
        if (Files.isDirectory(path)) return loadTree(path, source, warn);
        if (!Files.isRegularFile(path)) throw new IOException(path + " is not a regular file or a directory");
        if (!Files.isReadable(path)) throw new AccessDeniedException(path.toString(), null, "permission denied");
        Decoded d = decode(Files.readAllBytes(path));
        if (d.firstBadByte >= 0) {
            warn.accept("warning: " + path + " is not valid UTF-8 (first bad byte at offset " + d.firstBadByte
                    + "); undecodable bytes were replaced by U+FFFD");
        }
        return new CorpusText(source, d.codePoints);
    }

    /** The corpus bundled in this program: its own Java sources and Markdown docs, copied in at build time. */
    public static CorpusText loadBundled(Consumer<String> warn) throws IOException {
        Path location;
        try {
            location = Path.of(TextLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            throw new IOException("cannot locate the bundled corpus: " + e.getMessage(), e);
        }
        if (Files.isDirectory(location)) {
            return loadTree(location.resolve(BUNDLED_FOLDER), BUNDLED, warn);
        }
        try (FileSystem jar = FileSystems.newFileSystem(location, Map.of())) {
            return loadTree(jar.getPath("/" + BUNDLED_FOLDER), BUNDLED, warn);
        }
    }

    private static CorpusText loadTree(Path root, String source, Consumer<String> warn) throws IOException {
        if (!Files.isDirectory(root)) throw new NoSuchFileException(source, null, "the corpus folder is missing");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root) && !isHidden(root.relativize(p)) && Files.isRegularFile(p))
                    .forEach(files::add);
        }
        files.sort(Comparator.comparing(p -> relativeName(root, p)));
        StringBuilder text = new StringBuilder();
        String firstBad = null;
        int badFiles = 0, textFiles = 0;
        for (Path f : files) {
            if (!Files.isReadable(f)) throw new AccessDeniedException(f.toString(), null, "permission denied");
            byte[] bytes = Files.readAllBytes(f);
            if (looksBinary(bytes)) continue;
            textFiles++;
            Decoded d = decode(bytes);
            if (d.firstBadByte >= 0) {
                badFiles++;
                if (firstBad == null) firstBad = f + " (first bad byte at offset " + d.firstBadByte + ")";
            }
            for (int cp : d.codePoints) text.appendCodePoint(cp);
            if ((long) text.length() > Integer.MAX_VALUE / 2) throw new IOException(source + " is too large (over 1 G characters)");
        }
        if (textFiles == 0) throw new IllegalArgumentException(source + " holds no text files");
        if (firstBad != null) {
            warn.accept("warning: " + badFiles + " file(s) under " + source + " are not valid UTF-8, first " + firstBad
                    + "; undecodable bytes were replaced by U+FFFD");
        }
        return new CorpusText(source, text.codePoints().toArray());
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) return true;
        }
        return false;
    }

    private static String relativeName(Path root, Path p) {
        StringBuilder sb = new StringBuilder();
        for (Path part : root.relativize(p)) {
            if (sb.length() > 0) sb.append('/');
            sb.append(part);
        }
        return sb.toString();
    }

    /** A NUL byte in the first few KB marks a binary file (UTF-8 text never needs one). */
    private static boolean looksBinary(byte[] bytes) {
        int n = Math.min(bytes.length, SNIFF_BYTES);
        for (int i = 0; i < n; i++) {
            if (bytes[i] == 0) return true;
        }
        return false;
    }

    private record Decoded(int[] codePoints, long firstBadByte) {
    }

    private static Decoded decode(byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return new Decoded(strict.decode(ByteBuffer.wrap(bytes)).codePoints().toArray(), -1);
        } catch (CharacterCodingException e) {
            return new Decoded(decodeReplacing(bytes).codePoints().toArray(), firstBadByte(bytes));
        }
    }

    private static CharBuffer decodeReplacing(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder cannot fail", e);
        }
    }

    /** The offset where strict decoding stops: decoding stops at the first malformed sequence. */
    private static long firstBadByte(byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        strict.decode(in, out, true);
        return in.position();
    }
}
