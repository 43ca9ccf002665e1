package dev.wick.bench.torch;

import dev.wick.bench.Backends;
import dev.wick.bench.PeerProvider;
import dev.wick.bench.Workloads;

/** Registers libtorch through DJL as the backends pytorch-cpu and pytorch-cpu-fused (peer build only). */
public final class TorchProvider implements PeerProvider {
    @Override
    public boolean provides(String backend) {
        return backend.equals(Backends.PYTORCH_CPU) || backend.equals(Backends.PYTORCH_CPU_FUSED);
    }

    @Override
    public Workloads open(String backend) {
        if (!provides(backend)) throw new IllegalArgumentException("not a PyTorch backend: " + backend);
        return new TorchWorkloads(backend.equals(Backends.PYTORCH_CPU_FUSED));
    }
}
