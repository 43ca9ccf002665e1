package dev.wick.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * One whole char-RNN training step ({@link CharRnnProblem#standard(long)}: embed 128, hidden 512,
 * batch 32, sequence 64, vocabulary 65, Adam, clipping at 5) with a tanh RNN. Wick runs F.rnnTanh
 * (one composite tape node); {@code pytorch-cpu} runs the same model as a per-timestep loop of torch
 * ops through DJL; {@code pytorch-cpu-fused} runs libtorch's fused RNN op (rnn_tanh). Counters as
 * in {@link TrainStepBench}.
 */
public class CharRnnStepBench extends TrainStepBench {
    @Param({Backends.WICK_CPU, Backends.PYTORCH_CPU, Backends.PYTORCH_CPU_FUSED})
    public String backend;

    @Override
    protected String backend() {
        return backend;
    }

    @Override
    protected CharRnnProblem problem() {
        return CharRnnProblem.standard(41);
    }
}
