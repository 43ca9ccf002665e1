package dev.wick.core;

/**
 * Where a tensor's memory lives: the host (CPU) or one CUDA device, by ordinal.
 *
 * @param type CPU or CUDA
 * @param index the device's ordinal (0 for the CPU)
 */
public record Device(Type type, int index) {

    /** The kinds of device. */
    public enum Type {
        /** The host's memory. */
        CPU,
        /** An NVIDIA GPU's memory. */
        CUDA
    }

    /** The host. */
    public static final Device CPU = new Device(Type.CPU, 0);

    /**
     * A device; the index is at least 0.
     *
     * @param type CPU or CUDA
     * @param index the device's ordinal (0 for the CPU)
     */
    public Device {
        if (type == null) throw new IllegalArgumentException("device type must not be null");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    /**
     * A CUDA device.
     *
     * @param index its ordinal, as the driver counts them
     * @return the device
     */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /**
     *
     * @return "cpu" or "cuda:N"
     */
    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
