package dev.wick.cuda;

/** One allocation of device memory made by a {@link DeviceApi}; only that API can use it. */
interface DeviceMemory {
    long bytes();
}
