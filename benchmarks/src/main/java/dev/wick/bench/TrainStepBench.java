package dev.wick.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * A whole training step of a {@link CharRnnProblem} (forward, backward, clipping, Adam), timed in
 * throughput mode; subclasses choose the backend and the problem. The counter {@code tokens} (batch
 * x sequence per step) gives tokens per second. The counter {@code driverAllocations} sums the
 * growth of Wick's Engine.memoryStats().driverAllocations() over each iteration: in a steady state
 * it is 0 (it stays 0 for PyTorch, which exposes no such count). Allocation of the JVM heap per
 * step: run with {@code -prof gc} (gc.alloc.rate.norm).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class TrainStepBench extends BenchmarkDefaults {
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

    /** The backend parameter's value. */
    protected abstract String backend();

    /** The problem to train on, made once per trial. */
    protected abstract CharRnnProblem problem();

    @Setup(Level.Trial)
    public void setUp() {
        CharRnnProblem problem = problem();
        library = Backends.open(backend());
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
