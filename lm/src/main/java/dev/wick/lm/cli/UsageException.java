package dev.wick.lm.cli;

/**
 * Bad input from the person running wick-lm (an option, a file, a checkpoint): reported as one
 * line on stderr with exit code 2, before anything in the output folder is touched.
 */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
