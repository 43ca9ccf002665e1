package dev.wick.lm.checkpoint;

/**
 * A checkpoint (or one of its files) cannot be read or does not hold what it must: missing,
 * truncated, corrupted, or written for another model. The message names the file and the fault.
 */
public final class CheckpointException extends Exception {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
