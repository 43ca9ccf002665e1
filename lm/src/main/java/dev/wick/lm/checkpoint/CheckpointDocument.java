package dev.wick.lm.checkpoint;

import dev.wick.lm.data.CharVocabulary;
import dev.wick.lm.data.TokenKind;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.data.WordVocabulary;
import dev.wick.lm.model.ModelChoice;
import dev.wick.lm.model.ModelShape;

/**
 * checkpoint.json: everything about a training run that is not a tensor, the names and SHA-256
 * digests of the two safetensors files that hold the tensors, and last the SHA-256 of the document
 * itself. Serialised with Gson (record components are the JSON keys, every one of them written,
 * null where a field does not apply); read back strictly (see {@link DocumentSchema}).
 *
 * <p>Version {@link #LEGACY_VERSION} is the format before the document's own digest: fields that did
 * not exist yet may be absent (a missing field means what the program did before it existed), and
 * {@code sha256} must be absent. The program still reads it, but only a checkpoint that is entirely
 * of that version (its tensor files without the {@link #VERSION} mark, too); it writes {@link #VERSION}.
 *
 * @param format   always {@link #FORMAT}
 * @param version  always {@link #VERSION}
 * @param step     optimizer steps taken
 * @param model    what the weights file must hold
 * @param training the hyperparameters that decide the trajectory
 * @param settings how the run reports and saves (may change on resume)
 * @param optimizer the optimizer, its constants and its state that is not a tensor (the annealed learning rate)
 * @param weights  the parameters: embedding.weight, rnn.weight_ih, rnn.weight_hh, rnn.bias, head.weight, head.bias
 * @param state    Adam's moments ("adam.m.NAME", "adam.v.NAME" per parameter; SGD has none) and the carried hidden state
 * @param data     the text and where every stream has got to
 * @param random   the sampling random state
 * @param history  losses so far, [[step, loss], ...]
 * @param sha256   the SHA-256 of every byte of checkpoint.json before these 64 hex digits (see
 *                 {@link DocumentDigest}); null in a version 1 document
 */
public record CheckpointDocument(String format, int version, int step, Model model, Training training, Settings settings,
                                 Optimizer optimizer, FileRef weights, FileRef state, Data data, RandomState random,
                                 History history, String sha256) {
    public static final String FORMAT = "wick-lm checkpoint";
    /** The version this program writes: every field present, the document's own digest last. */
    public static final int VERSION = 2;
    /** The version before the document's digest, still read (see above). */
    public static final int LEGACY_VERSION = 1;

    /** This document with other file references and digest (the store fills them in when it saves). */
    CheckpointDocument withFiles(FileRef weights, FileRef state, String sha256) {
        return new CheckpointDocument(format, version, step, model, training, settings, optimizer, weights, state, data,
                random, history, sha256);
    }

    /**
     * The model: its architecture and sizes, and its vocabulary. {@code architecture} is
     * {@link ModelShape#RNN_LM} (with {@code cell} "tanh", "lstm" or "gru", {@code layers},
     * {@code dropout}, {@code tied} and {@code sparseEmbedding}, all required) or {@link ModelShape#CHAR_RNN} (checkpoints
     * from before the cells, which lack those four). {@code tokens} is "chars" (absent in checkpoints
     * older than word-level models) or "words". Characters: {@code vocabulary} holds the Unicode code
     * points, sorted (a character's id is its index). Words: {@code words} holds the tokens in id
     * order ("&lt;eos&gt;", "&lt;unk&gt;", then the words), and {@code minCount} and {@code maxVocab}
     * (absent: no limit) the rules that chose them.
     */
    public record Model(String architecture, String dtype, String tokens, int vocabSize, int embed, int hidden,
                        String cell, Integer layers, Double dropout, Boolean tied, Boolean sparseEmbedding,
                        Integer minCount, Integer maxVocab, int[] vocabulary, String[] words) {

        /** The description of a model of this shape over this vocabulary, built by these rules. */
        public static Model of(ModelShape shape, Vocabulary vocabulary, Tokenization tokenization) {
            boolean chars = vocabulary instanceof CharVocabulary;
            boolean legacy = ModelShape.CHAR_RNN.equals(shape.architecture());
            return new Model(shape.architecture(), "F32", vocabulary.kind().toString(), shape.vocab(), shape.embed(),
                    shape.hidden(), legacy ? null : ModelChoice.name(shape.cell()), legacy ? null : shape.layers(),
                    legacy ? null : shape.dropout(), legacy ? null : shape.tied(), legacy ? null : shape.sparseEmbedding(),
                    chars ? null : tokenization.minCount(), chars ? null : tokenization.maxVocab(),
                    chars ? ((CharVocabulary) vocabulary).codePoints() : null,
                    chars ? null : ((WordVocabulary) vocabulary).words());
        }

        /** The model's options apart from its sizes; IllegalArgumentException where they are missing or wrong. */
        public ModelChoice choice() {
            if (ModelShape.CHAR_RNN.equals(architecture)) {
                if (cell != null || layers != null || dropout != null || tied != null || sparseEmbedding != null) {
                    throw new IllegalArgumentException("'model' of architecture " + architecture
                            + " has cell, layers, dropout, tied or sparseEmbedding");
                }
                return ModelChoice.CHAR_RNN;
            }
            if (!ModelShape.RNN_LM.equals(architecture)) {
                throw new IllegalArgumentException("'model.architecture' is unknown: " + architecture);
            }
            return ModelChoice.of(ModelChoice.parseCell(require(cell, "model.cell")), require(layers, "model.layers"),
                    require(dropout, "model.dropout"), require(tied, "model.tied"),
                    require(sparseEmbedding, "model.sparseEmbedding"));
        }

        /** The sizes the weights file holds, and what builds the model (see {@link ModelShape#create}). */
        public ModelShape shape() {
            return choice().shape(vocabSize, embed, hidden);
        }

        public TokenKind tokenKind() {
            return tokens == null ? TokenKind.CHARS : TokenKind.parse(tokens);
        }

        public Tokenization tokenization() {
            TokenKind kind = tokenKind();
            return kind == TokenKind.CHARS ? Tokenization.CHARACTERS
                    : new Tokenization(kind, minCount == null ? 1 : minCount, maxVocab);
        }

        /** The vocabulary saved here; IllegalArgumentException when it is missing or malformed. */
        public Vocabulary restoreVocabulary() {
            return switch (tokenKind()) {
                case CHARS -> CharVocabulary.fromCodePoints(require(vocabulary, "model.vocabulary"));
                case WORDS -> WordVocabulary.fromWords(require(words, "model.words"));
            };
        }

        private static <T> T require(T value, String field) {
            if (value == null) throw new IllegalArgumentException("'" + field + "' is missing");
            return value;
        }
    }

    /**
     * {@code lr} is the initial learning rate (--lr); {@code anneal} the factor it is divided by after a
     * validation that does not improve on the best (absent in older checkpoints: 1, never).
     */
    public record Training(int seq, int batch, double lr, double clip, long seed, double valFraction, Double anneal) {
        public double annealFactor() {
            return anneal == null ? 1 : anneal;
        }
    }

    public record Settings(int steps, int evalEvery, int valChunks, int checkpointEvery, int sampleLength) {
    }

    /**
     * {@code type} is "adam" or "sgd"; Adam's constants are absent for SGD. {@code step} counts
     * updates. {@code lr} is the learning rate now, after any annealing (absent in older checkpoints:
     * the initial one); {@code bestValidation} the lowest validation loss so far, which the next
     * validation must beat to keep it (absent: none yet).
     */
    public record Optimizer(String type, Double beta1, Double beta2, Double eps, Double weightDecay, int step, Double lr,
                            Double bestValidation) {
    }

    /** A file next to checkpoint.json, by plain name, with the SHA-256 of its bytes. */
    public record FileRef(String file, String sha256) {
    }

    /**
     * The text (its source, length in tokens and SHA-256 over its code points), the split (also in
     * tokens: the "characters" of the names are tokens of whatever kind the model reads), and the training
     * streams: stream b starts at streamOffsets[b] of the training split; every stream has read
     * up to {@code position}; {@code epoch} is the pass (from 0) the streams are in. The carried hidden state
     * [batch, hidden] is the tensor {@code hiddenTensor} of the state file.
     */
    public record Data(String source, int characters, String sha256, int trainCharacters, int validationCharacters,
                       int streams, int streamLength, int[] streamOffsets, int position, int epoch, String hiddenTensor) {
    }

    /** Sampling draws CounterRng.uniform(samplingSeed, i) for i = samplingCounter, samplingCounter + 1, ... */
    public record RandomState(long samplingSeed, long samplingCounter) {
    }

    public record History(double[][] training, double[][] validation) {
    }
}
