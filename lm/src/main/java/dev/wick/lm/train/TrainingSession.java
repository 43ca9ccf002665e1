package dev.wick.lm.train;

import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.checkpoint.CheckpointStore;
import dev.wick.lm.checkpoint.NonFinite;
import dev.wick.lm.report.LossCurve;
import dev.wick.lm.report.TrainingProgress;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The training loop around a {@link Trainer}: validation every evalEvery steps, checkpoints every
 * checkpointEvery steps and at the end (with the loss curve beside them), progress on stderr, and
 * at the end the whole-split validation figures and a sample on stdout.
 *
 * <p>Divergence never costs a good checkpoint: a loss, gradient norm or validation loss that is NaN
 * or infinite stops the run at once, and every checkpoint's tensors (parameters after the update,
 * Adam's moments, the carried state) are checked on the host before anything is written, so
 * nothing is saved after the last finite checkpoint, and the {@link TrainingFailure} names its
 * step. (The parameters are not checked after every step: on a GPU that would read them back each
 * time; a non-finite one shows in the next step's loss or at the next checkpoint, whichever comes
 * first.) A loss that stays finite but explodes is a warning ({@link ExplosionWatch}).
 */
public final class TrainingSession {
    private final Trainer trainer;
    private final CheckpointDocument.Settings settings;
    private final Path outDir;
    private final PrintWriter out;
    private final PrintWriter err;
    private final String device;
    private boolean pngFailed;
    /** The step of the checkpoint in outDir, -1 while there is none. */
    private int savedStep = -1;

    public TrainingSession(Trainer trainer, CheckpointDocument.Settings settings, Path outDir, PrintWriter out,
                           PrintWriter err, String device) {
        this.trainer = trainer;
        this.settings = settings;
        this.outDir = outDir;
        this.out = out;
        this.err = err;
        this.device = device;
    }

    /** Trains from the trainer's current step to settings.steps(). */
    public void run(TrainingProgress progress) {
        TrainConfig c = trainer.config();
        long tokensPerStep = (long) c.batch() * c.seq();
        int start = trainer.stepCount();
        long trainingNanos = 0;
        double lastValidation = trainer.history().lastValidation();
        // A resumed run starts from the checkpoint in outDir.
        if (start > 0) savedStep = start;
        ExplosionWatch watch = new ExplosionWatch(trainer.vocabulary().size());
        try (progress) {
            for (int s = start + 1; s <= settings.steps(); s++) {
                long t0 = System.nanoTime();
                double loss;
                try {
                    loss = trainer.step();
                } catch (Divergence d) {
                    throw diverged(d.step(), d.getMessage());
                }
                trainingNanos += System.nanoTime() - t0;
                String notice = trainer.takeNotice();
                if (notice != null) {
                    err.println(notice);
                    err.flush();
                }
                boolean validate = trainer.split().hasValidation() && (s % settings.evalEvery() == 0 || s == settings.steps());
                if (validate) {
                    Evaluation e = trainer.validate(settings.valChunks());
                    if (!Double.isFinite(e.lossNats())) throw diverged(s, "the validation loss is " + e.lossNats());
                    double lr = trainer.learningRate(), best = trainer.bestValidation();
                    if (trainer.recordValidation(e)) {
                        err.printf(Locale.ROOT, "step %d: validation loss %.4f did not improve on the best, %.4f: lr %s -> %s%n",
                                s, e.lossNats(), best, lr, trainer.learningRate());
                        err.flush();
                    }
                    lastValidation = e.lossNats();
                }
                if (validate || (!trainer.split().hasValidation() && s % settings.evalEvery() == 0)) {
                    warnIfExploding(watch, s, validate ? lastValidation : loss, validate ? "validation" : "training");
                }
                progress.update(s, loss, lastValidation, validate, (s - start) * tokensPerStep / (trainingNanos / 1e9));
                if (s % settings.checkpointEvery() == 0 && s != settings.steps()) save();
            }
        }
        save();
        double seconds = trainingNanos / 1e9;
        out.printf(Locale.ROOT, "trained steps %d to %d (%.2f epochs in all) in %.1f s: %,.0f tokens/s on %s%n", start + 1,
                settings.steps(), settings.steps() / (double) trainer.stepsPerEpoch(), seconds,
                (settings.steps() - start) * tokensPerStep / seconds, device);
        out.println("wrote " + outDir.resolve(CheckpointStore.INDEX) + (pngFailed
                ? " and the loss curve's numbers in " + outDir.resolve(LossCurve.CSV) + " (no picture: see the warning above)"
                : " and the loss curve " + outDir.resolve(LossCurve.PNG) + " (numbers in " + LossCurve.CSV + ")"));
        Evaluation finalValidation = trainer.validate(0);
        out.println(finalValidation == null ? "no validation split (--val-fraction 0)"
                : "validation (whole split): " + finalValidation.describe(trainer.vocabulary().kind()));
        if (settings.sampleLength() > 0) {
            int[] prime = trainer.vocabulary().defaultPrime();
            int[] ids = Sampler.generate(trainer.model(), prime, settings.sampleLength(), Sampler.DEFAULT_TEMPERATURE,
                    trainer.rng());
            out.println("sample (temperature " + Sampler.DEFAULT_TEMPERATURE + "):");
            out.println(Sampler.text(trainer.vocabulary(), prime, ids));
        }
        out.flush();
    }

    private void warnIfExploding(ExplosionWatch watch, int step, double loss, String which) {
        if (!watch.exploded(loss)) return;
        err.printf(Locale.ROOT, "warning: step %d: the %s loss, %.4g, has been above %.4g (twice the loss of a uniform"
                        + " guess over the vocabulary) %d times in a row: the run is probably diverging; try a lower --lr or"
                        + " --clip%n", step, which, loss, watch.threshold(), ExplosionWatch.PATIENCE);
        err.flush();
    }

    /** The failure that ends a diverged run, saying which checkpoint in outDir is left (the last finite one). */
    private TrainingFailure diverged(int step, String what) {
        String kept = savedStep < 0
                ? "no checkpoint had been saved yet, so " + outDir + " holds none"
                : "nothing was saved after step " + savedStep + ", whose checkpoint in " + outDir + " is kept";
        return new TrainingFailure(String.format(Locale.ROOT, "training diverged at step %d: %s; %s; try a lower --lr"
                + " or --clip", step, what, kept));
    }

    /**
     * The checkpoint, then the curve: a crash between them leaves a complete checkpoint and an older
     * curve. Nothing is written when a tensor to save is not finite.
     */
    private void save() {
        Checkpoint cp = trainer.snapshot(settings);
        String nonFinite = NonFinite.describeFirst(cp.weights());
        if (nonFinite == null) nonFinite = NonFinite.describeFirst(cp.state());
        if (nonFinite != null) throw diverged(trainer.stepCount(), "after its update, " + nonFinite);
        try {
            CheckpointStore.save(outDir, cp.document(), cp.weights(), cp.state());
            savedStep = trainer.stepCount();
            LossCurve.writeCsv(outDir.resolve(LossCurve.CSV), trainer.history());
        } catch (IOException e) {
            throw new TrainingFailure("cannot write the checkpoint into " + outDir + ": " + e, e);
        }
        if (pngFailed) return;
        try {
            LossCurve.writePng(outDir.resolve(LossCurve.PNG), trainer.history(),
                    trainer.vocabulary().kind().unit());
        } catch (IOException | RuntimeException | LinkageError | java.awt.AWTError e) {
            // A runtime without fonts or image libraries must not stop training: the CSV holds the same numbers.
            pngFailed = true;
            err.println("warning: cannot render " + LossCurve.PNG + " (" + e + "); " + LossCurve.CSV + " holds the numbers");
            err.flush();
        }
    }
}
