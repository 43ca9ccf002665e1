package dev.wick.bench.wick;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.EmbeddingProblem;
import dev.wick.bench.Workload;
import dev.wick.bench.Workloads;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;

/**
 * The workloads written with Wick's public API, as a user would: checked Tensor operations, and
 * for the loss and the training step the autograd tape. Inputs are uploaded once; every run ends
 * with {@code synchronize()} so that a GPU's queued work is inside the timing.
 */
public final class WickWorkloads implements Workloads {
    private final Engine engine;

    /** Takes ownership of the engine: {@link #close()} closes it. */
    public WickWorkloads(Engine engine) {
        this.engine = engine;
    }

    @Override
    public String description() {
        return "Wick " + engine.description();
    }

    private void sync() {
        engine.backend().synchronize();
    }

    @Override
    public Workload gemm(boolean transA, boolean transB, int m, int k, int n, float[] a, float[] b) {
        Tensor ta = transA ? engine.fromFloats(a, k, m) : engine.fromFloats(a, m, k);
        Tensor tb = transB ? engine.fromFloats(b, n, k) : engine.fromFloats(b, k, n);
        Tensor tc = engine.empty(DType.FLOAT32, m, n);
        return new Workload() {
            @Override
            public void run() {
                Tensor.gemm(transA, transB, 1.0, ta, tb, 0.0, tc);
                sync();
            }

            @Override
            public float[] result() {
                run();
                return tc.toFloatArray();
            }

            @Override
            public void close() {
                closeAll(ta, tb, tc);
            }
        };
    }

    @Override
    public Workload embedding(EmbeddingProblem p, boolean backward) {
        Tensor table = engine.fromFloats(p.table(), p.rows(), p.dim());
        Tensor indices = engine.fromInts(p.indices(), p.indices().length);
        Tensor upstream = engine.fromFloats(p.upstream(), p.indices().length, p.dim());
        Tensor grad = engine.zeros(DType.FLOAT32, p.rows(), p.dim());
        return new Workload() {
            @Override
            public void run() {
                try (Tensor rows = table.gather(indices)) {
                    if (backward) {
                        grad.zeroInPlace();
                        grad.scatterAdd(indices, upstream);
                    }
                    sync();
                }
            }

            @Override
            public float[] result() {
                if (backward) {
                    run();
                    return grad.toFloatArray();
                }
                try (Tensor rows = table.gather(indices)) {
                    return rows.toFloatArray();
                }
            }

            @Override
            public void close() {
                closeAll(table, indices, upstream, grad);
            }
        };
    }

    @Override
    public Workload softmaxCrossEntropy(int rows, int cols, float[] logits, int[] targets) {
        Tensor x = engine.fromFloats(logits, rows, cols);
        Tensor t = engine.fromInts(targets, rows);
        return new Workload() {
            @Override
            public void run() {
                step(false);
            }

            @Override
            public float[] result() {
                return step(true);
            }

            private float[] step(boolean readGradient) {
                // As on PyTorch's side: a fresh leaf that takes a gradient and has none yet, so the
                // fused kernel's saved gradient becomes the leaf's (as it does for the logits of a
                // model, which are an intermediate). The gradient goes with the step's scope.
                try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
                    Variable leaf = Variable.requiringGrad(x);
                    tape.backward(F.crossEntropy(leaf, t));
                    sync();
                    return readGradient ? leaf.grad().toFloatArray() : null;
                }
            }

            @Override
            public void close() {
                x.close();
                t.close();
            }
        };
    }

    @Override
    public Workload charRnnStep(CharRnnProblem problem) {
        return new WickCharRnn(engine, problem);
    }

    @Override
    public long driverAllocations() {
        return engine.memoryStats().driverAllocations();
    }

    private static void closeAll(Tensor... tensors) {
        for (Tensor t : tensors) t.close();
    }

    @Override
    public void close() {
        engine.close();
    }
}
