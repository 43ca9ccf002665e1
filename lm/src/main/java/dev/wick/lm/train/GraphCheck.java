package dev.wick.lm.train;

import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.core.Engine;
import dev.wick.core.backend.ScatterMode;
import dev.wick.lm.data.CharVocabulary;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.model.ModelChoice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The selfcheck of CUDA graphs on this device: a small model (two LSTM layers with dropout, Adam,
 * clipping) trained a few steps eagerly, then again from the same start with its steps replayed
 * from a captured graph; the losses and the parameters must agree bit for bit. Both runs use the
 * deterministic embedding backward (the atomic one adds in any order).
 */
public final class GraphCheck {
    /** Steps of each run: the first eager, the second captured, the rest replays. */
    static final int STEPS = 5;

    /**
     * The outcome.
     *
     * @param eagerLosses the eager run's loss per step
     * @param replayedLosses the graph run's loss per step
     * @param replayedSteps steps the graph run replayed
     * @param differingParameter the first parameter whose values differ, or null
     * @param mode the graph run's line on how its steps ran
     */
    public record Result(double[] eagerLosses, double[] replayedLosses, int replayedSteps, String differingParameter,
                         String mode) {
        /**
         * Whether the runs agree bit for bit and the graph run replayed its steps.
         *
         * @return true when they do
         */
        public boolean passed() {
            return replayedSteps == STEPS - 1 && differingParameter == null
                    && Arrays.equals(eagerLosses, replayedLosses);
        }

        /**
         * One line for people.
         *
         * @return the line
         */
        public String summary() {
            String verdict = passed() ? "PASS"
                    : replayedSteps != STEPS - 1 ? "FAIL (" + replayedSteps + " steps replayed; " + mode + ")"
                    : differingParameter != null ? "FAIL (" + differingParameter + " differs)"
                    : "FAIL (the losses differ)";
            return String.format(Locale.ROOT, "CUDA graph replay against eager steps (%d steps, bit for bit): final loss"
                    + " %.9f vs %.9f: %s", STEPS, eagerLosses[STEPS - 1], replayedLosses[STEPS - 1], verdict);
        }
    }

    private GraphCheck() {
    }

    /**
     * Trains the check's model twice on {@code engine}, eagerly and with graphs.
     *
     * @param engine an engine with device graphs (see Engine#capturesGraphs)
     * @param seed the seed of the text, the weights and the dropout masks
     * @return the outcome
     * @throws IllegalArgumentException where the engine has no graphs
     */
    public static Result run(Engine engine, long seed) {
        if (!engine.capturesGraphs()) throw new IllegalArgumentException(engine.device() + " has no device graphs");
        ScatterMode before = engine.scatterMode();
        engine.setScatterMode(ScatterMode.DETERMINISTIC);
        try {
            String text = text(seed);
            TrainConfig config = new TrainConfig(8, 12, 6, 3, 1e-2, 1.0, seed, 0.2, OptimizerKind.ADAM, 1,
                    Tokenization.CHARACTERS, ModelChoice.of(Cell.LSTM, 2, 0.2, false, false));
            Run eager = train(engine, text, config, false);
            Run replayed = train(engine, text, config, true);
            String differing = null;
            for (int i = 0; i < eager.parameters.size() && differing == null; i++) {
                if (!Arrays.equals(eager.parameters.get(i), replayed.parameters.get(i))) differing = eager.names.get(i);
            }
            return new Result(eager.losses, replayed.losses, replayed.replayedSteps, differing, replayed.mode);
        } finally {
            engine.setScatterMode(before);
        }
    }

    private record Run(double[] losses, List<String> names, List<float[]> parameters, int replayedSteps, String mode) {
    }

    private static Run train(Engine engine, String s, TrainConfig config, boolean graphs) {
        CorpusText text = new CorpusText("graph check", s.codePoints().toArray());
        CharVocabulary v = CharVocabulary.of(text.codePoints());
        try (Trainer t = new Trainer(engine, config, v, text, v.encode(text.codePoints(), "graph check"),
                DataSplit.of(text.length(), config))) {
            String mode = t.useGraphs(graphs);
            double[] losses = new double[STEPS];
            for (int i = 0; i < STEPS; i++) losses[i] = t.step();
            List<String> names = new ArrayList<>(t.model().namedParameters().keySet());
            List<float[]> values = new ArrayList<>();
            for (Variable p : t.model().namedParameters().values()) values.add(p.value().toFloatArray());
            return new Run(losses, names, values, t.replayedSteps(), mode);
        }
    }

    /** Random words over a few letters: enough to train on, made here from the seed. */
    private static String text(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 600) {
            int letters = 1 + r.nextInt(6);
            for (int i = 0; i < letters; i++) sb.append((char) ('a' + r.nextInt(7)));
            sb.append(r.nextInt(8) == 0 ? '\n' : ' ');
        }
        return sb.toString();
    }
}
