package dev.wick.bench.torch;

import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.bench.BenchmarkDefaults;
import dev.wick.bench.WordLmProblem;
import dev.wick.lm.data.Streams;
import dev.wick.lm.data.TokenKind;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.model.ModelChoice;
import dev.wick.lm.train.OptimizerKind;
import dev.wick.lm.train.TrainConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * libtorch's side of {@link dev.wick.bench.WordLmStepBench}'s {@code trainStep} with a dense
 * embedding gradient and SGD (peer build only): the same untied model ({@link TorchWordLm}, fused
 * LSTM), the same Zipf batches, clipping and learning rate; the hidden state carried from step to
 * step (Wick's benchmark starts each step from zeros). Average time per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TorchWordLmStepBench extends BenchmarkDefaults {
    @Param({"10000", "100000"})
    public int vocab;

    private WordLmProblem problem;
    private TorchWordLm model;
    private int batch;

    @Setup(Level.Trial)
    public void setUp() {
        problem = WordLmProblem.standard(vocab, 43);
        TrainConfig config = new TrainConfig(problem.embed(), problem.hidden(), problem.steps(), problem.batches(),
                problem.learningRate(), problem.clip(), 7, 0.1, OptimizerKind.SGD, 1, new Tokenization(TokenKind.WORDS, 1, null),
                ModelChoice.of(Cell.LSTM, problem.layers(), problem.config(false).dropout(), false, false));
        model = new TorchWordLm(config, vocab, 7);
        model.resetState();
    }

    @Benchmark
    public double trainStep() {
        int[][] b = problem.batch(batch);
        batch = (batch + 1) % problem.batchCount();
        return model.step(new Streams.Chunk(b[0], b[1], problem.steps(), problem.batches()));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
    }
}
