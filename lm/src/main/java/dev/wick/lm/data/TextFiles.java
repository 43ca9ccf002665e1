package dev.wick.lm.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjLongConsumer;

/**
 * The files a text is made of, in order, each decoded as UTF-8 on its own and the results
 * concatenated, read again whenever the text is needed rather than kept in memory. Each file's
 * size and modification time are taken when it is listed; a file that changed since is refused
 * when it is read again (a training run reads its text twice: once to count and fingerprint it,
 * once to turn it into token ids).
 */
final class TextFiles {
    private record Entry(Path path, long size, FileTime modified) {
    }

    private final List<Entry> entries = new ArrayList<>();

    void add(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        entries.add(new Entry(file, a.size(), a.lastModifiedTime()));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The files' code points in order; {@code badUtf8} hears of each file's first undecodable byte, if any. */
    CodePointReader open(ObjLongConsumer<Path> badUtf8) {
        return new CodePointReader(new Concatenation(badUtf8));
    }

    private final class Concatenation implements CodePointReader.Source {
        private final ObjLongConsumer<Path> badUtf8;
        private int next;
        private Entry current;
        private Utf8Source source;

        Concatenation(ObjLongConsumer<Path> badUtf8) {
            this.badUtf8 = badUtf8;
        }

        @Override
        public int read(int[] into, int off, int len) throws IOException {
            while (true) {
                if (source == null) {
                    if (next == entries.size()) return -1;
                    current = entries.get(next++);
                    source = new Utf8Source(openUnchanged(current));
                }
                int n = source.read(into, off, len);
                if (n > 0) return n;
                if (source.firstBadByte() >= 0) badUtf8.accept(current.path(), source.firstBadByte());
                source.close();
                source = null;
            }
        }

        @Override
        public void close() throws IOException {
            if (source != null) source.close();
            source = null;
        }
    }

    private static FileChannel openUnchanged(Entry e) throws IOException {
        FileChannel ch = FileChannel.open(e.path());
        BasicFileAttributes now = Files.readAttributes(e.path(), BasicFileAttributes.class);
        if (now.size() != e.size() || !now.lastModifiedTime().equals(e.modified()) || ch.size() != e.size()) {
            ch.close();
            throw new IOException(e.path() + " changed while it was being read (its size or modification time)");
        }
        return ch;
    }
}
