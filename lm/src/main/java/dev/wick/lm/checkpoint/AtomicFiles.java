package dev.wick.lm.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Writes a file so that a crash at any moment leaves either the old file or the complete new one:
 * the bytes go to a temporary file in the same directory, are forced to the disk, and the
 * temporary file is renamed over the target in one atomic step; the directory is then forced so
 * the rename itself survives a power loss.
 */
public final class AtomicFiles {
    /** Temporary files start with this, so a later save can recognise and remove leftovers of a crash. */
    static final String TEMP_PREFIX = ".wick-tmp-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        // Not Files.createTempFile: it makes owner-only files, and a checkpoint should get the umask's permissions.
        Path tmp = dir.resolve(TEMP_PREFIX + target.getFileName() + "-" + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        forceDirectory(dir);
    }

    /** Makes a directory's entries (new names, renames, deletions) durable, where the platform allows it. */
    public static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory as a channel; the rename is still atomic there.
        }
    }

    static boolean isTemporary(Path file) {
        return file.getFileName().toString().startsWith(TEMP_PREFIX);
    }
}
