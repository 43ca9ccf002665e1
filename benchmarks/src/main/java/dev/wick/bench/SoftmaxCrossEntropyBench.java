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
 * Mean softmax cross-entropy forward and backward, through each library's autograd, ending with
 * the logits' gradient. Both take the logits as a fresh leaf that requires a gradient and has
 * none yet. Wick: F.crossEntropy (one fused kernel that also yields the gradient) and Tape.backward,
 * which hands that gradient to the leaf. PyTorch through DJL (which exposes no fused
 * cross_entropy): logSoftmax, gather of the targets, mean, neg, and autograd's backward, whose
 * result becomes the leaf's gradient. {@code logits} is ROWSxCOLS: 2048 tokens over the char
 * vocabulary or a 50,000-word one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SoftmaxCrossEntropyBench extends BenchmarkDefaults {
    @Param({Backends.WICK_CPU, Backends.PYTORCH_CPU})
    public String backend;

    @Param({"2048x65", "2048x50000"})
    public String logits;

    private Workloads library;
    private Workload loss;

    @Setup(Level.Trial)
    public void setUp() {
        int[] d = Dims.parse(logits, 2);
        library = Backends.open(backend);
        loss = library.softmaxCrossEntropy(d[0], d[1], HostData.uniform(31, d[0] * d[1], -4, 4),
                HostData.indices(32, d[0], d[1], d[1]));
    }

    @Benchmark
    public void forwardBackward() {
        loss.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loss.close();
        library.close();
    }
}
