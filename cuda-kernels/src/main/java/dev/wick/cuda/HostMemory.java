package dev.wick.cuda;

import java.nio.ByteBuffer;

/** Page-locked host memory made by a {@link DeviceApi}: the only host memory async copies use. */
interface HostMemory {
    long bytes();

    /** A native-order view of the whole allocation (position 0, limit = bytes). */
    ByteBuffer buffer();
}
