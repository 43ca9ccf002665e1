package dev.wick.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The embedding layer: {@code forward} gathers the rows; {@code forwardBackward} also computes the
 * table's gradient (a scatter-add) into a gradient that starts from zero each time, as in a
 * training step. The backward alone is the difference of the two. Wick: Tensor.gather, then
 * zeroInPlace and scatterAdd on a gradient allocated once. PyTorch: torch.embedding, and for the
 * backward autograd from the given upstream gradient into a fresh leaf (grad = None each time,
 * PyTorch's default zero_grad), so libtorch allocates and zeroes the [rows, dim] gradient itself.
 *
 * <p>{@code lookup} is ROWSxDIM/COUNT/DISTINCT: COUNT indices drawn from DISTINCT random rows
 * ("all": every row), so "50000x256/2048/100" is duplicate-heavy.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EmbeddingBench extends BenchmarkDefaults {
    @Param({Backends.WICK_CPU, Backends.PYTORCH_CPU})
    public String backend;

    @Param({"50000x256/2048/all", "50000x256/2048/100", "65x128/2048/all"})
    public String lookup;

    private Workloads library;
    private Workload forward;
    private Workload forwardBackward;

    @Setup(Level.Trial)
    public void setUp() {
        EmbeddingProblem problem = EmbeddingProblem.parse(lookup, 21);
        library = Backends.open(backend);
        forward = library.embedding(problem, false);
        forwardBackward = library.embedding(problem, true);
    }

    @Benchmark
    public void forward() {
        forward.run();
    }

    @Benchmark
    public void forwardBackward() {
        forwardBackward.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        forward.close();
        forwardBackward.close();
        library.close();
    }
}
