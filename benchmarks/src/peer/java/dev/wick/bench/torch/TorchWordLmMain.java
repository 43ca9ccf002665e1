package dev.wick.bench.torch;

import dev.wick.lm.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Trains {@link TorchWordLm} for whole epochs on a text and prints the validation loss and
 * perplexity after each, as main.py does, annealing the learning rate on a validation loss that
 * does not improve. Usage: {@code --text FILE [--epochs N] [--seed S]}; the sizes and optimizer
 * are the reference configuration of {@link WordLmData#referenceConfig}. A missing text is
 * reported and the program exits with 2.
 */
public final class TorchWordLmMain {
    private TorchWordLmMain() {
    }

    public static void main(String[] args) throws IOException {
        Path text = null;
        int epochs = 2;
        long seed = 42;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--text" -> text = Path.of(args[i + 1]);
                case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (text == null || !Files.isReadable(text)) {
            System.err.println("skipped: the text " + text + " is absent or unreadable (give --text FILE)");
            System.exit(2);
        }
        TrainConfig config = WordLmData.referenceConfig(seed);
        WordLmData data = WordLmData.load(text, config);
        int stepsPerEpoch = data.split().stepsPerEpoch(config);
        try (TorchWordLm model = new TorchWordLm(config, data.vocabularySize(), seed)) {
            System.out.printf(Locale.ROOT, "torch: vocabulary %d, %d training + %d validation tokens, %d steps per epoch, seed %d; %s%n",
                    data.vocabularySize(), data.split().trainTokens(), data.split().validationTokens(), stepsPerEpoch, seed,
                    model.description());
            double best = Double.NaN;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                model.resetState();
                double lr = model.learningRate(), lossSum = 0;
                long t0 = System.nanoTime();
                for (int s = 0; s < stepsPerEpoch; s++) {
                    double loss = model.step(data.training().chunk(s * config.seq(), config.seq()));
                    if (!Double.isFinite(loss)) throw new IllegalStateException("diverged at epoch " + epoch + " step " + s);
                    lossSum += loss;
                }
                double trainSeconds = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                double val = model.evaluate(data.validation());
                double evalSeconds = (System.nanoTime() - t1) / 1e9;
                System.out.printf(Locale.ROOT,
                        "epoch %d: lr %s, mean training loss %.4f, validation loss %.4f, perplexity %.2f; train %.1f s (%.0f tokens/s), eval %.1f s%n",
                        epoch, lr, lossSum / stepsPerEpoch, val, Math.exp(val), trainSeconds,
                        (double) stepsPerEpoch * config.seq() * config.batch() / trainSeconds, evalSeconds);
                if (Double.isNaN(best) || val < best) {
                    best = val;
                } else {
                    model.anneal();
                }
            }
        }
    }
}
