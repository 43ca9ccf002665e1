package dev.wick.core.backend;

/**
 * Whether a backend can run here, and if not, one line that says why.
 *
 * @param available whether the backend can run
 * @param reason what was found when it can; why not, in one line, when it cannot
 */
public record Availability(boolean available, String reason) {
    /**
     * The backend can run.
     *
     * @param detail what was found (the device, the driver)
     * @return an available result
     */
    public static Availability yes(String detail) {
        return new Availability(true, detail);
    }

    /**
     * The backend cannot run.
     *
     * @param reason why, in one line
     * @return an unavailable result
     */
    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
