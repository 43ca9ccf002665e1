package dev.wick.lm.cli;

import dev.wick.lm.checkpoint.CheckpointStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * train's --out: the checks made before the text is read (a folder or nothing yet, writable, not
 * in use by another training, holding a checkpoint only with --resume and an earlier run's files
 * only with --force), none of which creates or changes anything in it; and then the lock that
 * keeps a second training out while this one runs.
 * <p>
 * The lock is an operating-system lock ({@link FileChannel#tryLock}) on {@value #LOCK_FILE} in
 * the folder, which also holds the process id of its holder for the message a second training
 * gets. The system drops the lock when the process ends, however it ends, so a lock file left by
 * a killed run never blocks the next; the file itself stays (deleting it would let two runs lock
 * two different files of the same name).
 */
final class OutputFolder {
    static final String LOCK_FILE = "wick-lm.lock";
    /** What an earlier run leaves beside checkpoint.json: the curve and the checkpoint's files, and temporaries. */
    private static final Pattern RUN_FILE = Pattern.compile("loss\\.csv|loss\\.png|(model|state)-\\d{8,}\\.safetensors|\\.wick-tmp-.*");
    private static final int LISTED = 3;
    /**
     * Lock files this JVM holds. Java's locks belong to the process, and closing any channel on a
     * locked file may drop them, so a folder this JVM trains into is never opened a second time.
     */
    private static final List<Path> HELD = new ArrayList<>();

    private final Path dir;

    private OutputFolder(Path dir) {
        this.dir = dir;
    }

    /**
     * Checks {@code dir} for a run (resuming its checkpoint or not; --force given or not); every
     * refusal a {@link UsageException}, before anything in the folder is created or changed.
     */
    static OutputFolder check(Path dir, boolean resume, boolean force) {
        String name = "--out " + dir;
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UsageException(name + " exists and is not a folder");
        if (Files.isDirectory(dir)) refuseIfLocked(dir);
        boolean has = CheckpointStore.exists(dir);
        if (has && !resume) {
            throw new UsageException(name + " already holds a checkpoint; pass --resume to continue it, or choose another --out");
        }
        if (resume && !has) throw new UsageException("--resume: " + dir + " holds no checkpoint (" + CheckpointStore.INDEX + ")");
        if (!has && !force) {
            List<String> earlier = earlierRunFiles(dir);
            if (!earlier.isEmpty()) {
                throw new UsageException(name + " holds files of an earlier run (" + String.join(", ", earlier)
                        + ") but no " + CheckpointStore.INDEX + " to resume; pass --force to train over them (they are"
                        + " replaced), or choose another --out");
            }
        }
        requireWritable(dir);
        return new OutputFolder(dir);
    }

    /**
     * Creates the folder and takes its lock, held until the returned lock is closed (or the
     * process ends); a {@link UsageException} when another training holds it.
     */
    Lock lock() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UsageException("--out " + dir + ": cannot create the folder: " + reason(e));
        }
        Path file = dir.resolve(LOCK_FILE);
        Path key = key(dir);
        synchronized (HELD) {
            if (HELD.contains(key)) throw inUse(ProcessHandle.current().pid());
            FileChannel channel = null;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock == null) throw inUse(holder(channel));
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                channel.force(false);
                HELD.add(key);
                return new Lock(channel, key);
            } catch (OverlappingFileLockException e) {
                close(channel);
                throw inUse(ProcessHandle.current().pid());
            } catch (IOException e) {
                close(channel);
                throw new UsageException("--out " + dir + ": cannot lock " + LOCK_FILE + ": " + reason(e));
            } catch (RuntimeException e) {
                close(channel);
                throw e;
            }
        }
    }

    /** A held lock on an output folder; closing releases it. */
    static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final Path key;

        private Lock(FileChannel channel, Path key) {
            this.channel = channel;
            this.key = key;
        }

        @Override
        public void close() {
            synchronized (HELD) {
                HELD.remove(key);
                OutputFolder.close(channel);
            }
        }
    }

    /** Refuses a folder whose lock another training holds; an unheld lock file (a finished or killed run) is fine. */
    private static void refuseIfLocked(Path dir) {
        Path file = dir.resolve(LOCK_FILE);
        if (!Files.exists(file)) return;
        synchronized (HELD) {
            if (HELD.contains(key(dir))) throw inUse(dir, ProcessHandle.current().pid());
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock lock = channel.tryLock();
                if (lock == null) throw inUse(dir, holder(channel));
                lock.release();
            } catch (OverlappingFileLockException e) {
                throw inUse(dir, ProcessHandle.current().pid());
            } catch (NoSuchFileException e) {
                // Gone since: nobody holds it.
            } catch (IOException e) {
                throw new UsageException("--out " + dir + ": cannot open " + LOCK_FILE + ": " + reason(e));
            }
        }
    }

    private UsageException inUse(long pid) {
        return inUse(dir, pid);
    }

    private static UsageException inUse(Path dir, long pid) {
        return new UsageException("--out " + dir + " is in use by another wick-lm training (" + (pid > 0 ? "process " + pid
                : "a process that has not written its id yet") + "); wait for it to end, or choose another --out");
    }

    /** The process id the lock file holds, -1 when it holds none yet. */
    private static long holder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        channel.read(buf, 0);
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Up to a few names of an earlier run's files in {@code dir} (none when it does not exist), sorted. */
    private static List<String> earlierRunFiles(Path dir) {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) return found;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (RUN_FILE.matcher(n).matches()) found.add(n);
            }
        } catch (IOException e) {
            throw new UsageException("--out " + dir + ": cannot list it: " + reason(e));
        }
        found.sort(null);
        if (found.size() > LISTED) {
            int more = found.size() - LISTED;
            found.subList(LISTED, found.size()).clear();
            found.add("and " + more + " more");
        }
        return found;
    }

    /**
     * Creates and deletes a probe file in the folder, or where a folder that does not exist yet
     * would be created (its nearest existing parent), so an unwritable --out is found now rather
     * than at the first checkpoint.
     */
    private static void requireWritable(Path dir) {
        Path existing = dir.toAbsolutePath().normalize();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) throw new UsageException("--out " + dir + ": no part of its path exists");
        if (!Files.isDirectory(existing)) {
            throw new UsageException("--out " + dir + ": " + existing + " is not a folder, so the folder cannot be made");
        }
        Path probe = existing.resolve(".wick-lm-probe-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createFile(probe);
            Files.delete(probe);
        } catch (IOException e) {
            throw new UsageException("--out " + dir + ": cannot write into " + existing + ": " + reason(e));
        }
    }

    /** The lock file of an existing folder as this JVM knows it, whatever path named the folder. */
    private static Path key(Path dir) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            real = dir.toAbsolutePath().normalize();
        }
        return real.resolve(LOCK_FILE);
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static void close(FileChannel channel) {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing was written through it that closing could lose.
        }
    }
}
