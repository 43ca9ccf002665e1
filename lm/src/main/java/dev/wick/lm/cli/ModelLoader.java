package dev.wick.lm.cli;

import dev.wick.core.Engine;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.model.CharRnn;
import dev.wick.lm.model.ModelShape;

/** The trained model of a checkpoint on an engine, for eval and sample. */
final class ModelLoader {
    private ModelLoader() {
    }

    static Vocabulary vocabulary(Checkpoint checkpoint) {
        return Vocabulary.fromCodePoints(checkpoint.document().model().vocabulary());
    }

    static CharRnn model(Engine engine, Checkpoint checkpoint) {
        CheckpointDocument.Model m = checkpoint.document().model();
        CharRnn model = new CharRnn(engine, new ModelShape(m.vocabSize(), m.embed(), m.hidden()), 0);
        model.load(checkpoint.weights());
        return model;
    }
}
