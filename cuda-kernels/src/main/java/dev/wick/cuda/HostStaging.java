package dev.wick.cuda;

import java.nio.ByteBuffer;

/**
 * The page-locked host buffer every transfer goes through (asynchronous copies need page-locked
 * memory; Java arrays are not). It grows on demand up to {@link #MAX_CHUNK}; larger transfers go in
 * chunks. An upload returns once its copy is queued, so before the buffer is overwritten the next
 * transfer waits for the device to have read it (a fence recorded after the copy).
 */
final class HostStaging {
    static final long MAX_CHUNK = 16L << 20;
    private static final long MIN_SIZE = 64L << 10;

    private final DeviceApi device;
    private HostMemory memory;
    private boolean uploadInFlight;

    HostStaging(DeviceApi device) {
        this.device = device;
    }

    /** The staging memory, at least {@code bytes} (at most MAX_CHUNK) long and free to overwrite. */
    ByteBuffer acquire(long bytes) {
        if (bytes > MAX_CHUNK) throw new IllegalArgumentException("staging chunk of " + bytes + " bytes");
        if (uploadInFlight) {
            device.awaitStagingFence();
            uploadInFlight = false;
        }
        if (memory == null || memory.bytes() < bytes) {
            if (memory != null) device.freeHost(memory);
            memory = null;
            long size = Math.min(MAX_CHUNK, Math.max(MIN_SIZE, Long.highestOneBit(Math.max(1, bytes - 1)) << 1));
            memory = device.allocateHost(size);
        }
        ByteBuffer b = memory.buffer();
        b.clear();
        return b;
    }

    HostMemory memory() {
        return memory;
    }

    /** Called after queuing a copy out of the staging memory. */
    void uploadQueued() {
        device.recordStagingFence();
        uploadInFlight = true;
    }

    /** Called after a synchronisation: nothing queued reads the staging memory any more. */
    void drained() {
        uploadInFlight = false;
    }

    void close() {
        if (memory == null) return;
        if (uploadInFlight) device.awaitStagingFence();
        device.freeHost(memory);
        memory = null;
        uploadInFlight = false;
    }
}
