package dev.wick.bench.wick;

import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.bench.Backends;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.Compare;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;

import java.util.List;

/**
 * A rough profile of Wick's LSTM and GRU training step ({@link CharRnnProblem#standard(CharRnnProblem.Cell, long)}):
 * median times of its forward, backward and clipping with Adam, and of the layer's parts on their
 * own (the whole recurrence forward and backward, one backend call each, the input projection, the
 * weight gradient dW_hh). Not a JMH
 * benchmark: for finding where the time goes, not for quoting against another library.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.wick.bench.wick.StepParts [passes]</pre>
 */
public final class StepParts {
    private static final int RUNS = 30;

    private StepParts() {
    }

    public static void main(String[] args) {
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        try (Engine e = Wick.cpu(Backends.threads())) {
            for (int pass = 0; pass < passes; pass++) {
                for (CharRnnProblem.Cell cell : new CharRnnProblem.Cell[]{CharRnnProblem.Cell.LSTM, CharRnnProblem.Cell.GRU}) {
                    phases(e, CharRnnProblem.standard(cell, 41));
                    layerParts(e, CharRnnProblem.standard(cell, 41));
                }
            }
        }
    }

    private static void phases(Engine e, CharRnnProblem p) {
        int t = p.steps(), b = p.batch();
        WickCharRnn.Model model = WickCharRnn.gatedModel(e, p);
        List<Variable> params = model.parameters();
        double[] forward = new double[RUNS], backward = new double[RUNS], update = new double[RUNS];
        try (Adam adam = new Adam(params, p.learningRate())) {
            for (int i = 0; i < RUNS; i++) {
                try (Scope scope = e.scope(); Tape tape = Tape.record()) {
                    Tensor x = e.fromInts(p.inputs(), t, b), y = e.fromInts(p.targets(), p.tokens());
                    adam.zeroGrad();
                    long t0 = System.nanoTime();
                    Variable loss = model.loss(x, y);
                    long t1 = System.nanoTime();
                    tape.backward(loss);
                    long t2 = System.nanoTime();
                    GradClip.clipGlobalNorm(params, p.clipNorm());
                    adam.step();
                    long t3 = System.nanoTime();
                    forward[i] = t1 - t0;
                    backward[i] = t2 - t1;
                    update[i] = t3 - t2;
                }
            }
        } finally {
            model.close();
        }
        System.out.printf("%s step: forward %.1f ms, backward %.1f ms, clipping and Adam %.1f ms (medians of %d)%n",
                p.cell(), ms(forward), ms(backward), ms(update), RUNS);
    }

    private static void layerParts(Engine e, CharRnnProblem p) {
        int t = p.steps(), b = p.batch(), h = p.hidden(), in = p.embed(), gh = p.cell().gates() * h, rows = t * b;
        boolean lstm = p.cell() == CharRnnProblem.Cell.LSTM;
        try (Scope scope = e.scope()) {
            Tensor state = e.zeros(DType.FLOAT32, b, h), dState = e.zeros(DType.FLOAT32, b, h);
            Tensor weightHH = e.zeros(DType.FLOAT32, gh, h);
            Tensor gates = e.zeros(DType.FLOAT32, t, b, gh), hiddenProj = e.zeros(DType.FLOAT32, t, b, gh);
            Tensor dGates = e.zeros(DType.FLOAT32, t, b, gh), dHiddenProj = e.zeros(DType.FLOAT32, t, b, gh);
            Tensor cells = e.zeros(DType.FLOAT32, t, b, h), states = e.zeros(DType.FLOAT32, t, b, h);
            Tensor dStates = e.zeros(DType.FLOAT32, t, b, h);
            Tensor x = e.zeros(DType.FLOAT32, rows, in), weightIH = e.zeros(DType.FLOAT32, gh, in);
            Tensor dWeightHH = e.zeros(DType.FLOAT32, gh, h);
            Runnable forward = lstm
                    ? () -> Tensor.lstmSequenceForward(gates, weightHH, state, true, state, cells, states)
                    : () -> Tensor.gruSequenceForward(gates, hiddenProj, weightHH, state, true, states);
            Runnable backward = lstm
                    ? () -> Tensor.lstmSequenceBackward(gates, weightHH, state, cells, dStates, dState, dGates)
                    : () -> Tensor.gruSequenceBackward(gates, hiddenProj, weightHH, state, states, dStates, dGates, dHiddenProj,
                    dState);
            System.out.printf("  recurrence over %d steps (%d x %d x %d products and the cells): forward %.1f ms, backward %.1f ms%n",
                    t, b, h, gh, time(forward), time(backward));
            System.out.printf("  input projection x W_ih^T (%d x %d x %d): %.1f ms; dW_hh = dGates^T H (%d x %d x %d): %.1f ms%n",
                    rows, in, gh, time(() -> Tensor.gemm(false, true, 1, x, weightIH, 0, gates.reshape(rows, gh))),
                    gh, rows, h, time(() -> Tensor.gemm(true, false, 1, dGates.reshape(rows, gh), states.reshape(rows, h), 0,
                            dWeightHH)));
        }
    }

    /** Median milliseconds of RUNS calls. */
    private static double time(Runnable r) {
        double[] t = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            r.run();
            t[i] = System.nanoTime() - start;
        }
        return ms(t);
    }

    private static double ms(double[] nanos) {
        return Compare.median(nanos) / 1e6;
    }
}
