package dev.wick.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * FP32 GEMM C = op(A) op(B), [m, k] x [k, n], C allocated once by Wick (beta = 0) and per call by
 * PyTorch (a.matMul(b), as torch.mm does). Square sizes and the char-RNN's two shapes: the
 * recurrence (batch 32 times W_hh) and the output head (2048 tokens times the vocabulary).
 * {@code layout} says which operand is read transposed: "nn" neither, "tn" A (a weight gradient,
 * activations^T times upstream gradients), "nt" B (a linear layer's forward, x W^T); the LSTM's
 * backward shapes are 2048x2048x512 and 2048x2048x128 in "tn". Throughput mode; the auxiliary
 * counter {@code gflop} counts 2mnk / 1e9 per call, so JMH reports it in GFLOP/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GemmBench extends BenchmarkDefaults {
    @Param({Backends.WICK_CPU, Backends.PYTORCH_CPU})
    public String backend;

    /** m x k x n. */
    @Param({"256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048", "32x512x512", "2048x512x65"})
    public String mkn;

    /** Which operands are transposed: "nn", "tn" or "nt". */
    @Param({"nn"})
    public String layout;

    private Workloads library;
    private Workload gemm;
    private double gflopPerCall;

    /** Billions of floating-point operations done, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] d = Dims.parse(mkn, 3);
        int m = d[0], k = d[1], n = d[2];
        library = Backends.open(backend);
        if (!layout.matches("[nt]{2}")) throw new IllegalArgumentException("layout '" + layout + "': nn, nt, tn or tt");
        gemm = library.gemm(layout.charAt(0) == 't', layout.charAt(1) == 't', m, k, n, HostData.uniform(11, m * k, -1, 1), HostData.uniform(12, k * n, -1, 1));
        gflopPerCall = 2.0 * m * n * k / 1e9;
    }

    @Benchmark
    public void gemm(Flops flops) {
        gemm.run();
        flops.gflop += gflopPerCall;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gemm.close();
        library.close();
    }
}
