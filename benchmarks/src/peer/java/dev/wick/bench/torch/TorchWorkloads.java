package dev.wick.bench.torch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.EmbeddingProblem;
import dev.wick.bench.Workload;
import dev.wick.bench.Workloads;

import java.util.function.Function;

/**
 * The workloads with libtorch through DJL's NDArray API, as a DJL user writes them. Every run works
 * in a sub-manager that is closed at its end, so libtorch frees what the run made (and, with
 * glibc's default settings, returns large blocks to the kernel, which the malloc settings in
 * DJL-OFFLINE.md avoid). Autograd runs inside a GradientCollector.
 */
final class TorchWorkloads implements Workloads {
    private final Engine engine;
    private final NDManager root;
    private final boolean fusedRnn;

    TorchWorkloads(boolean fusedRnn) {
        TorchSetup.prepare();
        this.engine = Engine.getEngine("PyTorch");
        this.root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        this.fusedRnn = fusedRnn;
    }

    @Override
    public String description() {
        return "PyTorch " + engine.getVersion() + " through DJL " + Engine.getDjlVersion() + ", "
                + JniUtils.getNumThreads() + " intra-op threads" + (fusedRnn ? ", fused rnn_tanh, lstm and gru" : "");
    }

    static long[] asLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i];
        return out;
    }

    /**
     * A leaf that shares {@code value}'s storage and has no gradient yet (PyTorch's grad = None),
     * owned by {@code manager}, so that everything computed from it is freed with the run.
     */
    static NDArray freshLeaf(NDArray value, NDManager manager) {
        NDArray leaf = value.stopGradient();
        leaf.attach(manager);
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /**
     * A workload whose body runs in a sub-manager that is closed after each run; result() copies
     * the body's returned array out before that.
     */
    private Workload inRun(Function<NDManager, NDArray> body, Runnable close) {
        return new Workload() {
            @Override
            public void run() {
                try (NDManager run = root.newSubManager()) {
                    body.apply(run);
                }
            }

            @Override
            public float[] result() {
                try (NDManager run = root.newSubManager()) {
                    return body.apply(run).toFloatArray();
                }
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    @Override
    public Workload gemm(boolean transA, boolean transB, int m, int k, int n, float[] a, float[] b) {
        NDArray ta = root.create(a, transA ? new Shape(k, m) : new Shape(m, k));
        NDArray tb = root.create(b, transB ? new Shape(n, k) : new Shape(k, n));
        return inRun(run -> {
            // transpose() is a strided view in PyTorch: matmul hands BLAS the transposed operand as it is stored.
            NDArray c = (transA ? ta.transpose() : ta).matMul(transB ? tb.transpose() : tb);
            c.attach(run);
            return c;
        }, closing(ta, tb));
    }

    @Override
    public Workload embedding(EmbeddingProblem p, boolean backward) {
        NDArray table = root.create(p.table(), new Shape(p.rows(), p.dim()));
        NDArray indices = root.create(asLongs(p.indices()), new Shape(p.indices().length));
        NDArray upstream = root.create(p.upstream(), new Shape(p.indices().length, p.dim()));
        return inRun(run -> {
            if (!backward) {
                NDArray rows = embedding(indices, table);
                rows.attach(run);
                return rows;
            }
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray weight = freshLeaf(table, run);
                NDArray rows = embedding(indices, weight);
                rows.attach(run);
                JniUtils.backward((PtNDArray) rows, (PtNDArray) upstream, false, false);
                NDArray grad = weight.getGradient();
                grad.attach(run);
                return grad;
            }
        }, closing(table, indices, upstream));
    }

    /** torch.embedding(weight, indices); the result belongs to the indices' manager. */
    static NDArray embedding(NDArray indices, NDArray weight) {
        return indices.getNDArrayInternal().embedding(indices, weight, SparseFormat.DENSE).singletonOrThrow();
    }

    @Override
    public Workload softmaxCrossEntropy(int rows, int cols, float[] logits, int[] targets) {
        NDArray x = root.create(logits, new Shape(rows, cols));
        NDArray t = root.create(asLongs(targets), new Shape(rows, 1));
        return inRun(run -> {
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray leaf = freshLeaf(x, run);
                collector.backward(crossEntropy(leaf, t));
                NDArray grad = leaf.getGradient();
                grad.attach(run);
                return grad;
            }
        }, closing(x, t));
    }

    /**
     * Mean of -log softmax(logits)[target] over the rows: F.cross_entropy's arithmetic in the ops
     * that DJL exposes (logSoftmax, gather); targets are int64 [rows, 1].
     */
    static NDArray crossEntropy(NDArray logits, NDArray targets) {
        return logits.logSoftmax(1).gather(targets, 1).mean().neg();
    }

    @Override
    public Workload charRnnStep(CharRnnProblem problem) {
        return new TorchCharRnn(engine, root, problem, fusedRnn);
    }

    @Override
    public long driverAllocations() {
        return -1;
    }

    private static Runnable closing(NDArray... arrays) {
        return () -> {
            for (NDArray a : arrays) a.close();
        };
    }

    @Override
    public void close() {
        root.close();
    }
}
