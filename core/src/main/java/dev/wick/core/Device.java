package dev.wick.core;

/** Where a tensor's memory lives: the host (CPU) or one CUDA device, by ordinal. */
public record Device(Type type, int index) {

    public enum Type { CPU, CUDA }

    public static final Device CPU = new Device(Type.CPU, 0);

    public Device {
        if (type == null) throw new IllegalArgumentException("device type must not be null");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
