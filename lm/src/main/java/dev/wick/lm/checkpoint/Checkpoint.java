package dev.wick.lm.checkpoint;

import dev.wick.core.io.StoredTensor;

import java.util.List;
import java.util.Map;

/**
 * A checkpoint in memory: the document and the tensors of its two files, on the host as the files
 * hold them (float32). {@code weights} is the model's state dict ({@code Module.stateDict()}
 * names); {@code state} is null when it was loaded for inference only (eval, sample), which needs
 * no optimizer state.
 */
public record Checkpoint(CheckpointDocument document, Map<String, StoredTensor> weights, Map<String, StoredTensor> state) {
    /**
     * Name of the state tensor holding the carried hidden state: [layers, batch, hidden], or
     * [batch, hidden] for the CharRnn of checkpoints from before the cells.
     */
    public static final String HIDDEN_TENSOR = "train.hidden";
    /** Name of the state tensor holding an LSTM's carried cell state [layers, batch, hidden]. */
    public static final String CELL_TENSOR = "train.cell";

    /** The state tensors an optimizer of {@code type} keeps for a parameter: Adam's two moments, none for SGD. */
    public static List<String> optimizerStateNames(String type, String parameter) {
        return "adam".equals(type) ? List.of(firstMomentName(parameter), secondMomentName(parameter)) : List.of();
    }

    public static String firstMomentName(String parameter) {
        return "adam.m." + parameter;
    }

    public static String secondMomentName(String parameter) {
        return "adam.v." + parameter;
    }
}
