package dev.wick.lm.cli;

import dev.wick.core.Engine;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.TextLoader;
import dev.wick.lm.data.TokenIds;
import dev.wick.lm.data.TokenKind;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.data.WordVocabulary;
import dev.wick.lm.model.ModelChoice;
import dev.wick.lm.model.ModelShape;
import dev.wick.lm.report.EngineLog;
import dev.wick.lm.report.TrainingProgress;
import dev.wick.lm.train.DataSplit;
import dev.wick.lm.train.OptimizerKind;
import dev.wick.lm.train.Sampler;
import dev.wick.lm.train.TrainConfig;
import dev.wick.lm.train.Trainer;
import dev.wick.lm.train.TrainingSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * wick-lm train: everything is checked before the output folder is created or touched, the cheap
 * checks before the text is read (options, the sizes they give, the output folder, the
 * checkpoint, the device, the memory the run needs), the rest after (the text, the memory with
 * its vocabulary); then the folder is locked and a {@link TrainingSession} runs.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a recurrent language model (tanh RNN, LSTM or GRU; layers, dropout, tied weights) over characters or words and writes checkpoints, loss.csv and loss.png into --out.",
                "Without --text it trains on the corpus bundled in the program (the project's own sources and docs)."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--text", paramLabel = "FILE|DIR",
            description = "Training text: a UTF-8 file, or a directory whose regular text files (sorted, hidden ones skipped) are concatenated. Default: the bundled corpus; on --resume: the checkpoint's text.")
    private Path text;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder: checkpoints, loss.csv, loss.png.")
    private Path out;

    @Option(names = "--resume", description = "Continue the checkpoint in --out exactly where it stopped (same losses as an uninterrupted run).")
    private boolean resume;

    @Option(names = "--force", description = "Train into an --out that holds an earlier run's files (loss.csv, loss.png, model or state files) but no checkpoint.json to resume; they are replaced.")
    private boolean force;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Where to train: auto (CUDA when available), cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    private String device;

    @Option(names = "--tokens", defaultValue = "chars", paramLabel = "chars|words",
            description = "What a token is: chars (every character), or words (words and punctuation marks, an <eos> per line, rare words <unk>; the vocabulary comes from the training split). Default: ${DEFAULT-VALUE}.")
    private String tokens;

    @Option(names = "--min-count", paramLabel = "N",
            description = "With --tokens words: words seen fewer than N times in the training split are <unk>. Default: 1.")
    private Integer minCount;

    @Option(names = "--max-vocab", paramLabel = "N",
            description = "With --tokens words: keep at most N tokens (<eos>, <unk> and the N - 2 most frequent words; ties in String order); the rest are <unk>. Default: no limit.")
    private Integer maxVocab;

    @Option(names = "--embed", paramLabel = "E", defaultValue = "128", description = "Embedding size. Default: ${DEFAULT-VALUE}.")
    private int embed;

    @Option(names = "--hidden", paramLabel = "H", defaultValue = "512", description = "RNN hidden size. Default: ${DEFAULT-VALUE}.")
    private int hidden;

    @Option(names = "--cell", defaultValue = "tanh", paramLabel = "tanh|lstm|gru",
            description = "The recurrent cell (PyTorch's nn.RNN, nn.LSTM, nn.GRU). Default: ${DEFAULT-VALUE}.")
    private String cell;

    @Option(names = "--layers", paramLabel = "L", defaultValue = "1", description = "Stacked recurrent layers. Default: ${DEFAULT-VALUE}.")
    private int layers;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0",
            description = "Dropout probability on the embeddings, between layers and before the head, while training (as PyTorch's word_language_model). Default: ${DEFAULT-VALUE}.")
    private double dropout;

    @Option(names = "--tie-weights", description = "One tensor for the embedding and the output layer's weight (needs --embed equal to --hidden).")
    private boolean tieWeights;

    @Option(names = "--sparse-embedding",
            description = "Row-sparse embedding gradients (PyTorch's sparse=True): each step updates only the rows it looked up (with adam: SparseAdam's lazy moments for the embedding). For large word vocabularies; not with --tie-weights.")
    private boolean sparseEmbedding;

    @Option(names = "--seq", paramLabel = "T", defaultValue = "64", description = "Tokens per stream per step (truncated BPTT length). Default: ${DEFAULT-VALUE}.")
    private int seq;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "32", description = "Parallel streams through the text. Default: ${DEFAULT-VALUE}.")
    private int batch;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "2000", description = "Total optimizer steps (a resumed run continues up to it). Default: ${DEFAULT-VALUE}.")
    private int steps;

    @Option(names = "--epochs", paramLabel = "N", description = "Instead of --steps: passes over the training split.")
    private Integer epochs;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "adam|sgd",
            description = "adam, or plain sgd as PyTorch's word_language_model trains (with its lr 20, clip 0.25 and annealing by 4 as defaults). Default: ${DEFAULT-VALUE}.")
    private String optimizer;

    @Option(names = "--lr", paramLabel = "LR", description = "Initial learning rate. Default: 2e-3 with adam, 20 with sgd.")
    private Double lr;

    @Option(names = "--clip", paramLabel = "NORM", description = "Global gradient-norm clipping threshold; 0 turns it off. Default: 5 with adam, 0.25 with sgd.")
    private Double clip;

    @Option(names = "--anneal", paramLabel = "F",
            description = "After a validation whose loss is not below the best so far, divide the learning rate by F (>= 1; 1 never). Default: 1 with adam, 4 with sgd.")
    private Double anneal;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the initial weights and of sampling. Default: ${DEFAULT-VALUE}.")
    private long seed;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1", description = "Fraction of the text, at its end, held out for validation; 0 for none. Default: ${DEFAULT-VALUE}.")
    private double valFraction;

    @Option(names = "--eval-every", defaultValue = "100", paramLabel = "K", description = "Validate every K steps (and at the last). Default: ${DEFAULT-VALUE}.")
    private int evalEvery;

    @Option(names = "--val-chunks", paramLabel = "N", defaultValue = "16", description = "Chunks per stream a periodic validation reads (the final one reads the whole split). Default: ${DEFAULT-VALUE}.")
    private int valChunks;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "500", description = "Save a checkpoint every N steps (and at the end). Default: ${DEFAULT-VALUE}.")
    private int checkpointEvery;

    @Option(names = "--sample-length", paramLabel = "N", defaultValue = "300", description = "Tokens of sample text printed at the end; 0 for none. Default: ${DEFAULT-VALUE}.")
    private int sampleLength;

    @Option(names = "--no-cuda-graphs",
            description = "On CUDA, run every training step eagerly instead of replaying it as a captured CUDA graph (the default where the step allows one: same results, far fewer launches).")
    private boolean noCudaGraphs;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        checkSizes();
        OutputFolder folder = OutputFolder.check(out, resume, force);
        Checkpoint checkpoint = resume ? Inputs.loadCheckpoint(out, true) : null;
        TrainConfig config = resolveConfig(checkpoint);
        Vocabulary saved = checkpoint == null ? null : ModelLoader.vocabulary(checkpoint);
        // Before the text: the sizes the smallest vocabulary the run can have already gives.
        Footprint least = footprint(config, saved != null ? saved.size() : smallestVocabulary(config), 0);
        List<String> engineLines = new ArrayList<>();
        try (Engine engine = Inputs.openEngine(device, engineLines)) {
            least.requireFits(engine);
            Path textPath = resolveTextPath(checkpoint);
            CorpusText corpus = Inputs.loadText(textPath, err);
            String textName = textPath == null ? corpus.source() : "--text " + textPath;
            if (checkpoint != null && !corpus.sha256().equals(checkpoint.document().data().sha256())) {
                throw new UsageException("--resume: the text (" + corpus.source() + ", " + corpus.length()
                        + " characters) is not the one the checkpoint was trained on (" + checkpoint.document().data().source() + ")");
            }
            if (saved == null && config.tokenization().kind() == TokenKind.CHARS) {
                // Characters: the vocabulary and the ids' size are known before the ids are made.
                int vocabulary = corpus.distinctCodePoints().length;
                footprint(config, vocabulary, (long) corpus.length() * TokenIds.bytesPerToken(vocabulary)).requireFits(engine);
            }
            Tokenization.EncodedText encoded = Inputs.reading(textName, () -> saved != null
                    ? new Tokenization.EncodedText(saved, saved.encode(corpus, corpus.source()))
                    : config.tokenization().encodeForTraining(corpus, tokens -> split(tokens, config, corpus).trainTokens()));
            Vocabulary vocabulary = encoded.vocabulary();
            TokenIds ids = encoded.ids();
            footprint(config, vocabulary.size(), (long) ids.length() * TokenIds.bytesPerToken(vocabulary.size()))
                    .requireFits(engine);
            DataSplit split = split(ids.length(), config, corpus);
            int totalSteps = resolveSteps(checkpoint, split, config);
            CheckpointDocument.Settings settings = new CheckpointDocument.Settings(totalSteps,
                    pick("--eval-every", evalEvery, checkpoint, s -> s.evalEvery()),
                    pick("--val-chunks", valChunks, checkpoint, s -> s.valChunks()),
                    pick("--checkpoint-every", checkpointEvery, checkpoint, s -> s.checkpointEvery()),
                    pick("--sample-length", sampleLength, checkpoint, s -> s.sampleLength()));
            if (settings.sampleLength() > Sampler.MAX_LENGTH) {
                throw new UsageException(String.format(Locale.ROOT, "--resume: the checkpoint's --sample-length %,d is more than"
                        + " the %,d allowed now; give a smaller one", settings.sampleLength(), Sampler.MAX_LENGTH));
            }

            try (OutputFolder.Lock lock = folder.lock();
                 Trainer trainer = new Trainer(engine, config, vocabulary, corpus, ids, split)) {
                EngineLog.print(err, engineLines);
                if (checkpoint != null) trainer.restore(checkpoint);
                String stepMode = trainer.useGraphs(!noCudaGraphs);
                describeRun(err, trainer, corpus, totalSteps, engine.description());
                if (engine.capturesGraphs()) err.println(stepMode);
                // The bar shows the short device name ("cpu", "cuda:0"); the line above has the full description.
                TrainingProgress progress = TrainingProgress.create(err, System.console() != null,
                        engine.device().toString(), vocabulary.kind().unit(), trainer.stepCount(), totalSteps);
                new TrainingSession(trainer, settings, out, stdout, err, engine.description()).run(progress);
            }
        }
        return 0;
    }

    /** The vocabulary a new run has at least: one character, or the two word-level specials and a word. */
    private static int smallestVocabulary(TrainConfig config) {
        return config.tokenization().kind() == TokenKind.CHARS ? 1 : WordVocabulary.MIN_SIZE;
    }

    private static Footprint footprint(TrainConfig config, int vocabulary, long textBytes) {
        return Footprint.training(config.shape(vocabulary), config.seq(), config.batch(),
                config.optimizer() == OptimizerKind.ADAM, textBytes);
    }

    private DataSplit split(int tokens, TrainConfig config, CorpusText corpus) {
        try {
            return DataSplit.of(tokens, config);
        } catch (IllegalArgumentException e) {
            throw new UsageException((text != null ? "--text " + text : corpus.source()) + ": " + e.getMessage());
        }
    }

    private ParseResult parsed() {
        return spec.commandLine().getParseResult();
    }

    private boolean given(String option) {
        return parsed().hasMatchedOption(option);
    }

    private void checkSizes() {
        Inputs.requirePositive("--embed", embed);
        Inputs.requirePositive("--hidden", hidden);
        Inputs.requirePositive("--seq", seq);
        Inputs.requirePositive("--batch", batch);
        Inputs.requirePositive("--steps", steps);
        if (epochs != null) Inputs.requirePositive("--epochs", epochs);
        if (epochs != null && given("--steps")) throw new UsageException("give --steps or --epochs, not both");
        Inputs.requirePositive("--eval-every", evalEvery);
        Inputs.requirePositive("--checkpoint-every", checkpointEvery);
        if (valChunks < 0) throw new UsageException("--val-chunks must be >= 0 (0: the whole split), got " + valChunks);
        if (sampleLength < 0) throw new UsageException("--sample-length must be >= 0, got " + sampleLength);
        if (sampleLength > Sampler.MAX_LENGTH) {
            throw new UsageException(String.format(Locale.ROOT, "--sample-length must be at most %,d, got %,d",
                    Sampler.MAX_LENGTH, sampleLength));
        }
        optionsConfig();
    }

    /** The config the options ask for, each option left out taking its default (which may depend on --optimizer). */
    private TrainConfig optionsConfig() {
        try {
            OptimizerKind kind = OptimizerKind.parse(optimizer);
            Tokenization tokenization = new Tokenization(TokenKind.parse(tokens), minCount == null ? 1 : minCount, maxVocab);
            ModelChoice model = ModelChoice.of(ModelChoice.parseCell(cell), layers, dropout, tieWeights, sparseEmbedding);
            return new TrainConfig(embed, hidden, seq, batch, lr != null ? lr : kind.defaultLr(),
                    clip != null ? clip : kind.defaultClip(), seed, valFraction, kind,
                    anneal != null ? anneal : kind.defaultAnneal(), tokenization, model);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * The options, or on --resume the checkpoint's values, refusing options that contradict it, and
     * word-only options for a character-level run.
     */
    private TrainConfig resolveConfig(Checkpoint checkpoint) {
        TrainConfig config = checkpoint == null ? optionsConfig() : checkpointConfig(checkpoint);
        if (config.tokenization().kind() == TokenKind.CHARS) {
            for (String wordsOnly : new String[]{"--min-count", "--max-vocab"}) {
                if (given(wordsOnly)) throw new UsageException(wordsOnly + " applies to --tokens words only");
            }
        }
        return config;
    }

    private TrainConfig checkpointConfig(Checkpoint checkpoint) {
        TrainConfig mine = optionsConfig();
        CheckpointDocument.Model m = checkpoint.document().model();
        CheckpointDocument.Training t = checkpoint.document().training();
        TrainConfig theirs = new TrainConfig(m.embed(), m.hidden(), t.seq(), t.batch(), t.lr(), t.clip(), t.seed(),
                t.valFraction(), OptimizerKind.parse(checkpoint.document().optimizer().type()), t.annealFactor(),
                m.tokenization(), m.choice());
        conflict("--cell", ModelChoice.name(mine.model().cell()), ModelChoice.name(theirs.model().cell()));
        conflict("--layers", mine.model().layers(), theirs.model().layers());
        conflict("--dropout", mine.model().dropout(), theirs.model().dropout());
        conflict("--tie-weights", mine.model().tied(), theirs.model().tied());
        conflict("--sparse-embedding", mine.model().sparseEmbedding(), theirs.model().sparseEmbedding());
        conflict("--tokens", mine.tokenization().kind(), theirs.tokenization().kind());
        conflict("--min-count", mine.tokenization().minCount(), theirs.tokenization().minCount());
        conflict("--max-vocab", mine.tokenization().maxVocab(), theirs.tokenization().maxVocab());
        conflict("--optimizer", mine.optimizer(), theirs.optimizer());
        conflict("--anneal", mine.anneal(), theirs.anneal());
        conflict("--embed", mine.embed(), theirs.embed());
        conflict("--hidden", mine.hidden(), theirs.hidden());
        conflict("--seq", mine.seq(), theirs.seq());
        conflict("--batch", mine.batch(), theirs.batch());
        conflict("--lr", mine.lr(), theirs.lr());
        conflict("--clip", mine.clip(), theirs.clip());
        conflict("--seed", mine.seed(), theirs.seed());
        conflict("--val-fraction", mine.valFraction(), theirs.valFraction());
        return theirs;
    }

    private void conflict(String option, Object mine, Object theirs) {
        if (given(option) && !Objects.equals(mine, theirs)) {
            throw new UsageException("--resume: " + option + " " + mine + " differs from the checkpoint's " + theirs
                    + " (a resumed run keeps the checkpoint's hyperparameters)");
        }
    }

    private Path resolveTextPath(Checkpoint checkpoint) {
        if (text != null || checkpoint == null) return text;
        String source = checkpoint.document().data().source();
        return source.equals(TextLoader.BUNDLED) ? null : Path.of(source);
    }

    private int resolveSteps(Checkpoint checkpoint, DataSplit split, TrainConfig config) {
        long total;
        if (epochs != null) {
            total = (long) epochs * split.stepsPerEpoch(config);
        } else {
            total = pick("--steps", steps, checkpoint, s -> s.steps());
        }
        if (total > Integer.MAX_VALUE) throw new UsageException("--epochs " + epochs + " is too many steps (" + total + ")");
        if (checkpoint != null && total <= checkpoint.document().step()) {
            throw new UsageException("--resume: the checkpoint is at step " + checkpoint.document().step()
                    + " already; ask for more with --steps (the total, now " + total + ")");
        }
        return (int) total;
    }

    private int pick(String option, int value, Checkpoint checkpoint,
                     java.util.function.ToIntFunction<CheckpointDocument.Settings> saved) {
        return checkpoint == null || given(option) ? value : saved.applyAsInt(checkpoint.document().settings());
    }

    private static void describeRun(PrintWriter err, Trainer trainer, CorpusText corpus, int totalSteps, String device) {
        TrainConfig c = trainer.config();
        DataSplit s = trainer.split();
        err.printf(Locale.ROOT, "%s: vocabulary %d %s, embed %d, %s, hidden %d (%,d parameters); %,d training + %,d validation"
                        + " %s of %s; %s lr %s; %d streams x %d steps, %d steps per epoch; %s to step %d on %s%n",
                trainer.stepCount() > 0 ? "resuming" : "training", trainer.vocabulary().size(), c.tokenization().kind(),
                c.embed(), describeModel(trainer.shape()), c.hidden(), trainer.shape().parameterCount(), s.trainTokens(), s.validationTokens(),
                c.tokenization().kind().plural(), corpus.source(), c.optimizer(), trainer.learningRate(),
                c.batch(), c.seq(), trainer.stepsPerEpoch(),
                trainer.stepCount() > 0 ? "from step " + trainer.stepCount() : "from step 0", totalSteps, device);
        err.flush();
    }

    /** "2 lstm layers, dropout 0.2, tied" and the like. */
    private static String describeModel(ModelShape m) {
        String text = m.layers() + " " + ModelChoice.name(m.cell()) + (m.layers() == 1 ? " layer" : " layers");
        if (m.dropout() > 0) text += ", dropout " + m.dropout();
        if (m.tied()) text += ", tied weights";
        if (m.sparseEmbedding()) text += ", sparse embedding";
        return text;
    }
}
