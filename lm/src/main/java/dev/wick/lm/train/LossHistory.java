package dev.wick.lm.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Training loss at every step and validation loss where it was measured, as the curve and the checkpoint keep them. */
public final class LossHistory {
    /** One measurement: the loss (nats per token) after {@code step} optimizer steps. */
    public record Point(int step, double loss) {
    }

    private final List<Point> training = new ArrayList<>();
    private final List<Point> validation = new ArrayList<>();

    public void addTraining(int step, double loss) {
        training.add(new Point(step, loss));
    }

    public void addValidation(int step, double loss) {
        validation.add(new Point(step, loss));
    }

    public List<Point> training() {
        return Collections.unmodifiableList(training);
    }

    public List<Point> validation() {
        return Collections.unmodifiableList(validation);
    }

    /** The last validation loss, NaN when none was measured. */
    public double lastValidation() {
        return validation.isEmpty() ? Double.NaN : validation.get(validation.size() - 1).loss();
    }

    /** [[step, loss], ...] for the JSON checkpoint. */
    public static double[][] toArray(List<Point> points) {
        double[][] a = new double[points.size()][];
        for (int i = 0; i < a.length; i++) a[i] = new double[]{points.get(i).step(), points.get(i).loss()};
        return a;
    }

    /** The inverse of {@link #toArray}, checking the shape of each entry. */
    public static LossHistory fromArrays(double[][] training, double[][] validation) {
        LossHistory h = new LossHistory();
        for (double[] p : training) h.addTraining(stepOf(p), p[1]);
        for (double[] p : validation) h.addValidation(stepOf(p), p[1]);
        return h;
    }

    private static int stepOf(double[] p) {
        if (p == null || p.length != 2 || p[0] != Math.rint(p[0]) || p[0] < 0 || p[0] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a history entry must be [step, loss]");
        }
        return (int) p[0];
    }
}
