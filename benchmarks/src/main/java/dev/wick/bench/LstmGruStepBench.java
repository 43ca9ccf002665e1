package dev.wick.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * The char-RNN training step of {@link CharRnnStepBench} at the same sizes (embed 128, hidden 512,
 * batch 32, sequence 64, vocabulary 65, Adam, clipping at 5) with an LSTM or a GRU layer
 * ({@code cell}). Wick runs nn.LSTM or nn.GRU (F.lstm, F.gru: one tape node each);
 * {@code pytorch-cpu-fused} runs libtorch's fused lstm or gru op, the op of torch.nn.LSTM and
 * torch.nn.GRU, from the same initial weights. There is no per-timestep PyTorch loop for these
 * cells. Counters as in {@link TrainStepBench}.
 */
public class LstmGruStepBench extends TrainStepBench {
    @Param({Backends.WICK_CPU, Backends.PYTORCH_CPU_FUSED})
    public String backend;

    @Param({"lstm", "gru"})
    public String cell;

    @Override
    protected String backend() {
        return backend;
    }

    @Override
    protected CharRnnProblem problem() {
        return CharRnnProblem.standard(CharRnnProblem.Cell.parse(cell), 41);
    }
}
