package dev.wick.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One whole char-RNN training step ({@link CharRnnProblem#standard}: embed 128, hidden 512, batch
 * 32, sequence 64, vocabulary 65, Adam, clipping at 5). Wick runs F.rnnTanh (one composite tape
 * node); {@code pytorch-cpu} runs the same model as a per-timestep loop of torch ops through DJL;
 * {@code pytorch-cpu-fused} runs libtorch's fused RNN op (rnn_tanh). Throughput mode; the counter
 * {@code tokens} (batch x sequence per step) gives tokens per second. The counter
 * {@code driverAllocations} sums the growth of Wick's Engine.memoryStats().driverAllocations() over
 * each iteration: in a steady state it is 0 (it stays 0 for PyTorch, which exposes no such count).
 * Allocation of the JVM heap per step: run with {@code -prof gc} (gc.alloc.rate.norm).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CharRnnStepBench extends BenchmarkDefaults {
    @Param({Backends.WICK_CPU, Backends.PYTORCH_CPU, Backends.PYTORCH_CPU_FUSED})
    public String backend;

    private Workloads library;
    private Workload step;
    private int tokensPerStep;

    /** Tokens trained on, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public double tokens;
    }

    /** Real allocations by Wick's backend during the iteration (0 in a steady state). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class DriverAllocations {
        public long driverAllocations;
    }

    @Setup(Level.Trial)
    public void setUp() {
        CharRnnProblem problem = CharRnnProblem.standard(41);
        library = Backends.open(backend);
        step = library.charRnnStep(problem);
        tokensPerStep = problem.tokens();
    }

    @Benchmark
    public void trainStep(Tokens tokens, DriverAllocations allocations) {
        long before = library.driverAllocations();
        step.run();
        if (before >= 0) allocations.driverAllocations += library.driverAllocations() - before;
        tokens.tokens += tokensPerStep;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
        library.close();
    }
}
