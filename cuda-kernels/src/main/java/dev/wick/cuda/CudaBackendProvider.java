package dev.wick.cuda;

import dev.wick.core.backend.Availability;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.BackendProvider;

/**
 * Makes the CUDA backend known to {@link dev.wick.core.Wick} through java.util.ServiceLoader
 * (META-INF/services). Touches nothing native until {@link #probe()} or {@link #open}.
 */
public final class CudaBackendProvider implements BackendProvider {

    /** The provider ServiceLoader instantiates; it loads no native library. */
    public CudaBackendProvider() {
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Availability probe() {
        return CudaProbe.probe();
    }

    @Override
    public Backend open(int index) {
        Availability a = probe();
        if (!a.available()) throw new IllegalStateException("CUDA is not available: " + a.reason());
        try {
            return CudaBackend.open(index);
        } catch (CudaException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot open cuda:" + index + ": " + e.getMessage(), e);
        }
    }
}
