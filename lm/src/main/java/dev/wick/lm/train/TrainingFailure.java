package dev.wick.lm.train;

/** Training could not go on (the loss diverged, a checkpoint could not be written): exit code 1, one line. */
public final class TrainingFailure extends RuntimeException {
    public TrainingFailure(String message, Throwable cause) {
        super(message, cause);
    }

    public TrainingFailure(String message) {
        super(message);
    }
}
