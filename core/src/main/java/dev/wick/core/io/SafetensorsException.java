package dev.wick.core.io;

import java.io.IOException;

/** A safetensors file that cannot be what it claims: the message names the file and the fault, in one line. */
public final class SafetensorsException extends IOException {
    /**
     * An exception with the given one-line message.
     *
     * @param message the file and the fault
     */
    public SafetensorsException(String message) {
        super(message);
    }
}
