package dev.wick.bench.torch;

import dev.wick.bench.Backends;

/**
 * What must hold before DJL's PyTorch engine loads, so that it uses the bundled libtorch 2.7.1 and
 * never the network (see shared/DJL-OFFLINE.md), with the same thread count as Wick.
 */
final class TorchSetup {
    static final String LIBTORCH = "2.7.1";

    private TorchSetup() {
    }

    static void prepare() {
        String version = System.getenv("PYTORCH_VERSION");
        if (version != null && !version.isEmpty() && !version.equals(LIBTORCH)) {
            throw new IllegalStateException("PYTORCH_VERSION=" + version + " would make DJL download another libtorch;"
                    + " unset it or set it to " + LIBTORCH);
        }
        if (System.getenv("PYTORCH_LIBRARY_PATH") != null) {
            throw new IllegalStateException("PYTORCH_LIBRARY_PATH is set; unset it so that DJL loads the bundled libtorch "
                    + LIBTORCH);
        }
        System.setProperty("ai.djl.offline", "true");
        // Read once, when the engine starts.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(Backends.threads()));
    }
}
