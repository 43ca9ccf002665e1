package dev.wick.lm.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
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
 * undecodable bytes become U+FFFD with one warning for the whole load. Files are streamed, never
 * held in memory whole: loading counts and fingerprints the text, and its code points are read
 * again from the files when they are turned into token ids.
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
     * IllegalArgumentException for a directory without text files or a text too large. Never
     * refuses an empty text: callers decide what length they need.
     */
    public static CorpusText load(Path path, Consumer<String> warn) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "no such file or directory");
        // The absolute path is what a checkpoint records, so --resume finds the text from any working directory.
        String source = path.toAbsolutePath().normalize().toString();
        if (Files.isDirectory(path)) return scan(source, listTree(path, source), true, warn);
        if (!Files.isRegularFile(path)) throw new IOException(path + " is not a regular file or a directory");
        if (!Files.isReadable(path)) throw new AccessDeniedException(path.toString(), null, "permission denied");
        TextFiles files = new TextFiles();
        files.add(path);
        return scan(source, files, false, warn);
    }

    /** The corpus bundled in this program: its own Java sources and Markdown docs, copied in at build time. */
    public static CorpusText loadBundled(Consumer<String> warn) throws IOException {
        Path location;
        try {
            location = Path.of(TextLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            throw new IOException("cannot locate the bundled corpus: " + e.getMessage(), e);
        }
        if (Files.isDirectory(location)) return inMemory(location.resolve(BUNDLED_FOLDER), warn);
        // The jar's file system closes after loading, so the (small) corpus is kept in memory.
        try (FileSystem jar = FileSystems.newFileSystem(location, Map.of())) {
            return inMemory(jar.getPath("/" + BUNDLED_FOLDER), warn);
        }
    }

    private static CorpusText inMemory(Path root, Consumer<String> warn) throws IOException {
        CorpusText streamed = scan(BUNDLED, listTree(root, BUNDLED), true, warn);
        return new CorpusText(BUNDLED, streamed.codePoints());
    }

    /** The first pass: counts and fingerprints the text, with one warning for all its undecodable bytes. */
    private static CorpusText scan(String source, TextFiles files, boolean tree, Consumer<String> warn) throws IOException {
        BadUtf8 bad = new BadUtf8();
        CorpusText text;
        try {
            text = new CorpusText(source, () -> files.open(bad::add));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (bad.files == 0) return text;
        String replaced = "; undecodable bytes were replaced by U+FFFD";
        String where = "(first bad byte at offset " + bad.firstOffset + ")";
        warn.accept(tree
                ? "warning: " + bad.files + " file(s) under " + source + " are not valid UTF-8, first " + bad.first + " " + where + replaced
                : "warning: " + bad.first + " is not valid UTF-8 " + where + replaced);
        return text;
    }

    /** The files with undecodable bytes, and the first of them. */
    private static final class BadUtf8 {
        int files;
        Path first;
        long firstOffset;

        void add(Path file, long offset) {
            if (files++ == 0) {
                first = file;
                firstOffset = offset;
            }
        }
    }

    private static TextFiles listTree(Path root, String source) throws IOException {
        if (!Files.isDirectory(root)) throw new NoSuchFileException(source, null, "the corpus folder is missing");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root) && !isHidden(root.relativize(p)) && Files.isRegularFile(p))
                    .forEach(files::add);
        }
        files.sort(Comparator.comparing(p -> relativeName(root, p)));
        TextFiles text = new TextFiles();
        for (Path f : files) {
            if (!Files.isReadable(f)) throw new AccessDeniedException(f.toString(), null, "permission denied");
            if (!looksBinary(f)) text.add(f);
        }
        if (text.isEmpty()) throw new IllegalArgumentException(source + " holds no text files");
        return text;
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
    private static boolean looksBinary(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(SNIFF_BYTES);
        }
        for (byte b : head) {
            if (b == 0) return true;
        }
        return false;
    }
}
