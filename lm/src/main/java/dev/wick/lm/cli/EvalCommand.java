package dev.wick.lm.cli;

import dev.wick.autograd.nn.LanguageModel;
import dev.wick.core.Engine;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Streams;
import dev.wick.lm.data.TokenIds;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.model.ModelShape;
import dev.wick.lm.report.EngineLog;
import dev.wick.lm.train.Evaluation;
import dev.wick.lm.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * wick-lm eval: the perplexity of a checkpoint's model on a text, per token (a character or a word,
 * as the model was trained), and the loss in nats per token (and bits, for characters).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a checkpoint on a text: perplexity per token and loss in nats per token (and bits per character).",
                "Read with the model's vocabulary: a word-level model reads words it lacks as <unk>; a character-level one refuses characters it lacks."})
public final class EvalCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A training output folder (holding checkpoint.json).")
    private Path checkpointDir;

    @Option(names = "--text", required = true, paramLabel = "FILE|DIR", description = "The text to evaluate (UTF-8; a directory's text files are concatenated).")
    private Path text;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda", description = "Default: ${DEFAULT-VALUE}.")
    private String device;

    @Option(names = "--batch", paramLabel = "B", description = "Parallel streams (default: the checkpoint's batch).")
    private Integer batch;

    @Option(names = "--seq", paramLabel = "T", description = "Tokens per chunk (default: the checkpoint's seq).")
    private Integer seq;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (batch != null) Inputs.requirePositive("--batch", batch);
        if (seq != null) Inputs.requirePositive("--seq", seq);
        Checkpoint checkpoint = Inputs.loadCheckpoint(checkpointDir, false);
        int streams = batch != null ? batch : checkpoint.document().training().batch();
        int chunk = seq != null ? seq : checkpoint.document().training().seq();
        ModelShape shape = checkpoint.document().model().shape();
        Footprint.requireSequence(chunk, streams);
        // Chunks are as long as --seq at most, shorter where the text is: the model and a one-step chunk for now.
        Footprint least = Footprint.evaluation(shape, 1, streams, 0);
        List<String> engineLines = new ArrayList<>();
        try (Engine engine = Inputs.openEngine(device, engineLines)) {
            least.requireFits(engine);
            CorpusText corpus = Inputs.loadText(text, err);
            Vocabulary vocabulary = ModelLoader.vocabulary(checkpoint);
            TokenIds ids;
            try {
                ids = Inputs.reading("--text " + text, () -> vocabulary.encode(corpus, "--text " + text));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            if (ids.length() < 2) {
                throw new UsageException("--text " + text + ": at least 2 " + vocabulary.kind().plural() + " are needed, it has "
                        + ids.length());
            }
            Streams layout = new Streams(ids, 0, ids.length(), Math.min(streams, ids.length() / 2));
            // A chunk never reaches past the streams: a --seq longer than the text reads it in one chunk.
            int steps = Math.min(chunk, layout.streamLength() - 1);
            Footprint.evaluation(shape, steps, layout.count(), (long) ids.length() * TokenIds.bytesPerToken(vocabulary.size()))
                    .requireFits(engine);
            try (LanguageModel model = ModelLoader.model(engine, checkpoint)) {
                EngineLog.print(err, engineLines);
                Evaluation e = Evaluator.evaluate(model, layout, chunk, 0);
                spec.commandLine().getOut().println(e.describe(vocabulary.kind()));
            }
        }
        return 0;
    }
}
