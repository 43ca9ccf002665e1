package dev.wick.lm.cli;

import dev.wick.autograd.nn.LanguageModel;
import dev.wick.core.Engine;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.model.Weights;

/** The trained model of a checkpoint on an engine, for eval and sample. */
final class ModelLoader {
    private ModelLoader() {
    }

    /** The vocabulary the model was trained with (the checkpoint was checked when it loaded). */
    static Vocabulary vocabulary(Checkpoint checkpoint) {
        return checkpoint.document().model().restoreVocabulary();
    }

    static LanguageModel model(Engine engine, Checkpoint checkpoint) {
        LanguageModel model = checkpoint.document().model().shape().create(engine, 0);
        Weights.upload(model, checkpoint.weights());
        return model;
    }
}
