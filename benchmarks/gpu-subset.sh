#!/usr/bin/env bash
# The GPU subset of the benchmarks, for the project's gpu-check.sh: Wick on CUDA alone, at the sizes
# of shared/gpu/torch_ref.py, which gives PyTorch's figures on the same GPU in the same device run:
#   GEMM 4096^3 (torch_ref: sgemm_fp32_4096) and the char-RNN head 2048x512x65;
#   embedding forward + backward, 100,000 x 256, 262,144 indices, all rows or 100 distinct
#     (torch_ref: embedding_backward_distinct100000 / distinct100, atomic);
#   softmax cross-entropy forward + backward 2048 x 50,000;
#   the char-RNN training step (torch_ref: char_rnn_small_eager / _fused), with the
#     driverAllocations counter, which must stay 0 in a steady state;
#   the same step with an LSTM or a GRU layer (torch_ref: char_lstm_small_fused, char_gru_small_fused);
#   the training steps replay a CUDA graph captured after one eager step (as wick-lm trains);
#   then the three steps again with each recurrence step by step (-Dwick.cuda.persistent=false,
#   bench-gpu-stepwise.md), for what the persistent kernels gain on this card, and a third time
#   eagerly as well (-Dwick.bench.graphs=false, bench-gpu-eager.md), for what the graphs gain (the
#   command line's -jvmArgsAppend replaces BenchmarkDefaults', so it repeats them).
# One fork each, 1 warm-up and 3 measurement iterations of 1 s: fourteen forks of about 6 s (not yet
# timed on a GPU; give the step a 120 s timeout). Needs only the shaded jar, no Maven:
#   JAVA  a java binary (default: java)
#   JARS  the folder holding benchmarks.jar (required)
#   OUT   where results go (default: /tmp/out): bench-gpu.md (medians), bench-gpu.json (JMH) and
#         bench-gpu-stepwise.md (the steps without the persistent kernels) and bench-gpu-eager.md
#         (without graphs either)
# Exits 0 and says why when wick-cuda cannot run here (no GPU, no driver, no CUDA backend in the jar).
# Extra arguments go to JMH (e.g. -p mkn=1024x1024x1024 to change a size).
set -uo pipefail
JAVA=${JAVA:-java}
JARS=${JARS:?set JARS to the folder holding benchmarks.jar}
OUT=${OUT:-/tmp/out}
jar=$JARS/benchmarks.jar
[[ -f $jar ]] || { echo "gpu-subset.sh: no $jar" >&2; exit 2; }
mkdir -p "$OUT"
if ! "$JAVA" -cp "$jar" dev.wick.bench.Backends --available wick-cuda >/dev/null; then
  echo "gpu-subset.sh: skipped: $("$JAVA" -cp "$jar" dev.wick.bench.Backends wick-cuda)"
  exit 0
fi
# --enable-native-access: Java 22+ lets the FFM cuBLAS binding (cuBLAS 13) run, and JMH's forks inherit it.
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/bench-gpu.md" \
  'GemmBench|EmbeddingBench.forwardBackward|SoftmaxCrossEntropyBench|CharRnnStepBench|LstmGruStepBench' \
  -p backend=wick-cuda \
  -p mkn=4096x4096x4096,2048x512x65 \
  -p lookup=100000x256/262144/all,100000x256/262144/100 \
  -p logits=2048x50000 \
  -f 1 -wi 1 -i 3 -w 1 -r 1 -rf json -rff "$OUT/bench-gpu.json" "$@"
status=$?
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/bench-gpu-stepwise.md" \
  'CharRnnStepBench|LstmGruStepBench' -p backend=wick-cuda -f 1 -wi 1 -i 3 -w 1 -r 1 \
  -jvmArgsAppend "-Xms2g -Xmx8g --add-modules=jdk.incubator.vector -Dwick.cuda.persistent=false" "$@"
stepwise=$?
# And eagerly: no graph replay (-Dwick.bench.graphs=false), no persistent kernel: the path without
# either, for what each gains.
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/bench-gpu-eager.md" \
  'CharRnnStepBench|LstmGruStepBench' -p backend=wick-cuda -f 1 -wi 1 -i 3 -w 1 -r 1 \
  -jvmArgsAppend "-Xms2g -Xmx8g --add-modules=jdk.incubator.vector -Dwick.cuda.persistent=false -Dwick.bench.graphs=false" "$@"
eager=$?
exit $(( status != 0 ? status : stepwise != 0 ? stepwise : eager ))
