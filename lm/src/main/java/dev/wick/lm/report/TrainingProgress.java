package dev.wick.lm.report;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * What a person sees while a model trains: on a terminal, a progress bar on stderr with the ETA,
 * the current loss and the last validation loss (in nats per token, with the validation perplexity),
 * tokens per second and the device; elsewhere (a log
 * file, a pipe, a test) one plain line now and then instead of a bar redrawn with carriage returns.
 */
public interface TrainingProgress extends AutoCloseable {

    /** After {@code step}: the step's training loss, the last validation loss (NaN when none yet), the throughput. */
    void update(int step, double trainLoss, double validationLoss, boolean validatedNow, double tokensPerSecond);

    @Override
    void close();

    /**
     * A bar when stderr is an interactive console, plain lines otherwise; {@code unit} names a token
     * ("char", "token") and {@code device} the engine.
     */
    static TrainingProgress create(PrintWriter err, boolean terminal, String device, String unit, int startStep,
                                   int totalSteps) {
        Labels labels = new Labels(device, unit);
        return terminal ? new Bar(labels, startStep, totalSteps) : new Lines(err, labels, startStep, totalSteps);
    }

    /** What the figures are of: the engine, and what a token is. */
    record Labels(String device, String unit) {
    }

    /** "loss 1.234 val 1.300 nats/char (val ppl 3.67) | 37,000 tok/s | cpu". */
    private static String status(double trainLoss, double validationLoss, double tokensPerSecond, Labels labels) {
        String val = Double.isNaN(validationLoss) ? ""
                : String.format(Locale.ROOT, " val %.3f", validationLoss);
        String ppl = Double.isNaN(validationLoss) ? ""
                : String.format(Locale.ROOT, " (val ppl %.2f)", Math.exp(validationLoss));
        return String.format(Locale.ROOT, "loss %.3f%s nats/%s%s | %,.0f tok/s | %s", trainLoss, val, labels.unit(), ppl,
                tokensPerSecond, labels.device());
    }

    /** The progress bar (me.tongfei.progressbar); it writes to System.err from its own refresh thread. */
    final class Bar implements TrainingProgress {
        private final ProgressBar bar;
        private final Labels labels;

        Bar(Labels labels, int startStep, int totalSteps) {
            this.labels = labels;
            this.bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps)
                    .startsFrom(startStep, Duration.ZERO).setUpdateIntervalMillis(250).build();
        }

        @Override
        public void update(int step, double trainLoss, double validationLoss, boolean validatedNow, double tokensPerSecond) {
            bar.setExtraMessage(status(trainLoss, validationLoss, tokensPerSecond, labels));
            bar.stepTo(step);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** A line at the first step, at every validation, every 5% of the run and at the end. */
    final class Lines implements TrainingProgress {
        private final PrintWriter err;
        private final Labels labels;
        private final int startStep;
        private final int totalSteps;
        private final int interval;
        private final long startNanos = System.nanoTime();

        Lines(PrintWriter err, Labels labels, int startStep, int totalSteps) {
            this.err = err;
            this.labels = labels;
            this.startStep = startStep;
            this.totalSteps = totalSteps;
            this.interval = Math.max(1, totalSteps / 20);
        }

        @Override
        public void update(int step, double trainLoss, double validationLoss, boolean validatedNow, double tokensPerSecond) {
            if (!(step == startStep + 1 || validatedNow || step % interval == 0 || step == totalSteps)) return;
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            double eta = elapsed / (step - startStep) * (totalSteps - step);
            err.printf(Locale.ROOT, "step %d/%d (%d%%) %s | elapsed %s, eta %s%n", step, totalSteps,
                    (int) (100L * step / totalSteps), status(trainLoss, validationLoss, tokensPerSecond, labels),
                    clock(elapsed), clock(eta));
            err.flush();
        }

        @Override
        public void close() {
            err.flush();
        }

        private static String clock(double seconds) {
            long s = Math.round(seconds);
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
    }
}
