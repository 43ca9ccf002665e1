package dev.wick.lm.cli;

import dev.wick.autograd.nn.CharRnn;
import dev.wick.core.Engine;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.data.Vocabulary;
import dev.wick.lm.model.ModelShape;
import dev.wick.lm.model.Weights;

/** The trained model of a checkpoint on an engine, for eval and sample. */
final class ModelLoader {
    private ModelLoader() {
    }

    static Vocabulary vocabulary(Checkpoint checkpoint) {
        return Vocabulary.fromCodePoints(checkpoint.document().model().vocabulary());
    }

    static CharRnn model(Engine engine, Checkpoint checkpoint) {
        CheckpointDocument.Model m = checkpoint.document().model();
        CharRnn model = new ModelShape(m.vocabSize(), m.embed(), m.hidden()).create(engine, 0);
        Weights.upload(model, checkpoint.weights());
        return model;
    }
}
