package dev.wick.bench.torch;

import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Streams;
import dev.wick.lm.data.TextLoader;
import dev.wick.lm.data.TokenKind;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.model.ModelChoice;
import dev.wick.lm.train.DataSplit;
import dev.wick.lm.train.OptimizerKind;
import dev.wick.lm.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The word-level data of a {@code wick-lm train --tokens words} run, made by wick-lm's own code: the
 * text loaded as wick-lm loads it, the word vocabulary of the training split, the split, and the
 * training and validation streams (batchified as PyTorch's word_language_model does), so that a
 * peer trains on exactly the ids and chunks Wick trains on.
 */
record WordLmData(CorpusText text, int vocabularySize, DataSplit split, Streams training, Streams validation) {

    /** The configuration of PyTorch's examples/word_language_model as wick-lm spells it (seed only names the run). */
    static TrainConfig referenceConfig(long seed) {
        return new TrainConfig(200, 200, 35, 20, OptimizerKind.SGD.defaultLr(), OptimizerKind.SGD.defaultClip(), seed, 0.1,
                OptimizerKind.SGD, OptimizerKind.SGD.defaultAnneal(), new Tokenization(TokenKind.WORDS, 1, null),
                ModelChoice.of(Cell.LSTM, 2, 0.2, true, false));
    }

    static WordLmData load(Path path, TrainConfig config) throws IOException {
        CorpusText text = TextLoader.load(path, System.err::println);
        Tokenization.EncodedText encoded = config.tokenization().encodeForTraining(text.codePoints(),
                tokens -> DataSplit.of(tokens, config).trainTokens());
        int[] ids = encoded.ids().toIntArray();
        DataSplit split = DataSplit.of(ids.length, config);
        Streams training = new Streams(ids, 0, split.trainTokens(), config.batch());
        Streams validation = new Streams(ids, split.trainTokens(), ids.length, split.validationStreams(config.batch()));
        return new WordLmData(text, encoded.vocabulary().size(), split, training, validation);
    }
}
