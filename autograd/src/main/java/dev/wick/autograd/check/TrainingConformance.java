package dev.wick.autograd.check;

import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.CharRnn;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The end-to-end ring of the correctness checks: a small embedding -> RNN -> linear ->
 * cross-entropy model trained for a few Adam steps on two engines from the same seed (the counter
 * based initialisation makes the starting weights identical), comparing the loss of every step and
 * the gradients of the first one.
 */
public final class TrainingConformance {
    /**
     * The outcome: per-step losses on both engines, the worst differences, and the verdict.
     *
     * @param referenceLosses the reference engine's loss at every step
     * @param candidateLosses the candidate engine's loss at every step
     * @param maxLossRelError the largest loss difference relative to the reference's loss
     * @param maxGradRelError the largest first-step gradient difference relative to the gradient's largest
     *     element
     * @param worstGradient the name of the parameter with that gradient difference ("none" if all agree)
     * @param passed whether both errors are within their tolerances
     * @param seed the seed of the weights and the data
     */
    public record Result(double[] referenceLosses, double[] candidateLosses, double maxLossRelError,
                         double maxGradRelError, String worstGradient, boolean passed, long seed) {
        /**
         * One line: the step count, the seed, the worst errors, the final losses and the verdict.
         *
         * @return the line
         */
        public String summary() {
            return String.format("training %d steps (seed %d): max loss rel error %.2e, max gradient rel error %.2e"
                            + " (%s), final loss %.5f vs %.5f: %s", referenceLosses.length, seed, maxLossRelError,
                    maxGradRelError, worstGradient, referenceLosses[referenceLosses.length - 1],
                    candidateLosses[candidateLosses.length - 1], passed ? "PASS" : "FAIL");
        }
    }

    private TrainingConformance() {
    }

    /**
     * Trains on both engines (FLOAT32) and compares. Losses must agree to {@code lossTolerance}
     * relative, first-step gradients to {@code gradTolerance} relative to each gradient's norm.
     *
     * @param reference the engine trusted (the CPU, usually)
     * @param candidate the engine checked
     * @param seed the data's and the weights' seed
     * @param steps how many training steps, at least 1
     * @param lossTolerance the relative difference allowed between the losses
     * @param gradTolerance the difference allowed between first-step gradients, relative to
     *     their norm
     * @return the comparison
     */
    public static Result compare(Engine reference, Engine candidate, long seed, int steps,
                                 double lossTolerance, double gradTolerance) {
        int vocab = 29, embed = 16, hidden = 48, seq = 12, batch = 5;
        int[][] inputs = new int[steps][seq * batch];
        int[][] targets = new int[steps][seq * batch];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < seq * batch; i++) {
                inputs[s][i] = (int) Math.floorMod(CounterRng.bits(seed, (long) s * seq * batch + i), vocab);
                targets[s][i] = (7 * inputs[s][i] + 3) % vocab; // learnable, so the loss curve has a shape
            }
        }
        Run ref = new Run(reference, seed, vocab, embed, hidden);
        Run cand = new Run(candidate, seed, vocab, embed, hidden);
        double[] refLoss = new double[steps], candLoss = new double[steps];
        double maxLoss = 0, maxGrad = 0;
        String worst = "none";
        try (ref; cand) {
            for (int s = 0; s < steps; s++) {
                refLoss[s] = ref.step(inputs[s], targets[s], seq, batch);
                candLoss[s] = cand.step(inputs[s], targets[s], seq, batch);
                maxLoss = Math.max(maxLoss, Math.abs(refLoss[s] - candLoss[s]) / Math.max(1e-12, Math.abs(refLoss[s])));
                if (s == 0) {
                    List<Variable> rp = ref.model.parameters(), cp = cand.model.parameters();
                    List<String> names = new ArrayList<>(ref.model.namedParameters().keySet());
                    for (int i = 0; i < rp.size(); i++) {
                        double err = relativeToNorm(ref.firstGrads.get(i), cand.firstGrads.get(i));
                        if (err > maxGrad) {
                            maxGrad = err;
                            worst = names.get(i);
                        }
                    }
                }
            }
        }
        boolean passed = maxLoss <= lossTolerance && maxGrad <= gradTolerance;
        return new Result(refLoss, candLoss, maxLoss, maxGrad, worst, passed, seed);
    }

    /** max |a - b| / max(||a||_inf, tiny). */
    static double relativeToNorm(double[] a, double[] b) {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            norm = Math.max(norm, Math.abs(a[i]));
        }
        return diff / Math.max(norm, 1e-30);
    }

    /** One engine's model, optimizer and the gradients after its first step. */
    private static final class Run implements AutoCloseable {
        final Engine engine;
        final CharRnn model;
        final Adam adam;
        final List<double[]> firstGrads = new ArrayList<>();

        Run(Engine engine, long seed, int vocab, int embed, int hidden) {
            this.engine = engine;
            this.model = new CharRnn(engine, DType.FLOAT32, vocab, embed, hidden, seed);
            this.adam = new Adam(model.parameters(), 1e-2);
        }

        double step(int[] in, int[] target, int seq, int batch) {
            try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
                adam.zeroGrad();
                Tensor x = engine.fromInts(in, seq, batch);
                Tensor y = engine.fromInts(target, seq * batch);
                Variable loss = model.loss(x, y, null);
                double value = loss.value().item();
                tape.backward(loss);
                if (firstGrads.isEmpty()) {
                    for (Variable p : model.parameters()) firstGrads.add(p.grad().toDoubleArray());
                }
                GradClip.clipGlobalNorm(model.parameters(), 5.0);
                adam.step();
                return value;
            }
        }

        @Override
        public void close() {
            adam.close();
            model.close();
        }
    }
}
