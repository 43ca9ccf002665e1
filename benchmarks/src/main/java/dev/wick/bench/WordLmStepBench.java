package dev.wick.bench;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.Embedding;
import dev.wick.autograd.nn.RnnLanguageModel;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.autograd.optim.Optimizer;
import dev.wick.autograd.optim.Sgd;
import dev.wick.autograd.optim.SparseAdam;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A word-level training step on Wick's CPU backend, with the embedding's gradient dense or
 * row-sparse (PyTorch's sparse=True), at two vocabulary sizes: {@link WordLmProblem} (2-layer LSTM,
 * E = H = 200, batch 20 x 35 steps, untied, dropout 0.2, Zipf-distributed token ids, clipping at
 * 0.25). {@code trainStep} is the whole step (forward, backward, clipping, update);
 * {@code embeddingStep} is the embedding's own share of it: the lookup, its backward from a fixed
 * upstream gradient, and the table's update, nothing else. The optimizer is {@code sgd} (one Sgd
 * for everything) or {@code adam} (Adam; with the sparse table, SparseAdam for the table and Adam
 * for the rest). Average time per call. Each fork prints, once set up, the bytes the engine holds between
 * steps (the model's and the table's parameters, gradients and optimizer state) and the mean
 * number of distinct rows a batch looks up. Heap allocation per call: -prof gc. libtorch's dense
 * SGD step of the same model is TorchWordLmStepBench (peer build).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WordLmStepBench extends BenchmarkDefaults {
    @Param({"10000", "100000"})
    public int vocab;

    @Param({"dense", "sparse"})
    public String embedding;

    @Param({"sgd", "adam"})
    public String optimizer;

    private Engine engine;
    private WordLmProblem problem;
    private RnnLanguageModel model;
    private List<Variable> params;
    private List<Optimizer> modelOptimizers;
    private Embedding table;
    private Variable upstream;
    private List<Optimizer> tableOptimizers;
    private int batch;

    @Setup(Level.Trial)
    public void setUp() {
        boolean sparse = switch (embedding) {
            case "dense" -> false;
            case "sparse" -> true;
            default -> throw new IllegalArgumentException("embedding must be dense or sparse, got " + embedding);
        };
        engine = Wick.cpu(Backends.threads());
        problem = WordLmProblem.standard(vocab, 43);
        long start = engine.memoryStats().bytesInUse();
        model = new RnnLanguageModel(engine, DType.FLOAT32, problem.config(sparse), 7);
        params = model.parameters();
        modelOptimizers = optimizers(model.namedParameters(), sparse);
        for (int i = 0; i < 3; i++) trainStep(); // gradients and optimizer state exist from here on
        long afterModel = engine.memoryStats().bytesInUse();
        table = new Embedding(engine, DType.FLOAT32, vocab, problem.embed(), 11, -1, sparse);
        tableOptimizers = optimizers(Map.of("embedding.weight", table.weight()), sparse);
        upstream = Variable.constant(engine.fromFloats(HostData.normal(13, problem.tokens() * problem.embed()),
                problem.steps(), problem.batches(), problem.embed()));
        embeddingStep();
        long modelBytes = afterModel - start, tableBytes = engine.memoryStats().bytesInUse() - afterModel;
        System.out.printf(Locale.ROOT, "%nWordLmStepBench vocab %d, %s embedding, %s: bytes held between steps: model %d"
                + " (parameters, gradients, optimizer state), table alone %d (with its upstream gradient); distinct rows per batch: %.1f%n",
                vocab, embedding, optimizer, modelBytes, tableBytes, problem.meanDistinctInputs());
    }

    /** One Sgd, or Adam with SparseAdam for a sparse table (README, "Sparse embeddings"). */
    private List<Optimizer> optimizers(Map<String, Variable> named, boolean sparse) {
        List<Variable> all = new ArrayList<>(named.values());
        if (optimizer.equals("sgd")) return List.of(new Sgd(all, problem.learningRate()));
        if (!optimizer.equals("adam")) throw new IllegalArgumentException("optimizer must be sgd or adam, got " + optimizer);
        if (!sparse) return List.of(new Adam(all, problem.adamLearningRate()));
        Variable weight = named.get("embedding.weight");
        all.remove(weight);
        List<Optimizer> out = new ArrayList<>();
        out.add(new SparseAdam(List.of(weight), problem.adamLearningRate()));
        if (!all.isEmpty()) out.add(new Adam(all, problem.adamLearningRate()));
        return out;
    }

    private int[][] nextBatch() {
        int[][] b = problem.batch(batch);
        batch = (batch + 1) % problem.batchCount();
        return b;
    }

    @Benchmark
    public void trainStep() {
        int[][] b = nextBatch();
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            for (Optimizer o : modelOptimizers) o.zeroGrad();
            Tensor inputs = engine.fromInts(b[0], problem.steps(), problem.batches());
            Tensor targets = engine.fromInts(b[1], problem.tokens());
            Variable loss = model.loss(inputs, targets, null, batch);
            tape.backward(loss);
            GradClip.clipGlobalNorm(params, problem.clip());
            for (Optimizer o : modelOptimizers) o.step();
            engine.backend().synchronize();
        }
    }

    @Benchmark
    public void embeddingStep() {
        int[][] b = nextBatch();
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            for (Optimizer o : tableOptimizers) o.zeroGrad();
            Tensor inputs = engine.fromInts(b[0], problem.steps(), problem.batches());
            Variable rows = F.embedding(table.weight(), inputs, -1, embedding.equals("sparse"));
            tape.backward(F.sum(F.mul(rows, upstream)));
            for (Optimizer o : tableOptimizers) o.step();
            engine.backend().synchronize();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Optimizer o : modelOptimizers) o.close();
        for (Optimizer o : tableOptimizers) o.close();
        upstream.value().close();
        table.close();
        model.close();
        engine.close();
    }
}
