#!/usr/bin/env bash
# The measurement behind BENCHMARKS.md (about 18 minutes on 2 cores), Wick against PyTorch
# through DJL, in three JMH runs:
#   1. stock-malloc: every benchmark at every size, -prof gc, glibc's default malloc;
#   2. tuned-malloc: the same with the settings of shared/DJL-OFFLINE.md that keep freed blocks
#      in the process: MALLOC_ARENA_MAX=1 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184;
#   3. headline: the cases the targets name (GEMM 512 and 1024, embedding, softmax CE, the
#      training steps: tanh RNN, LSTM and GRU) again with the tuned settings and two forks, since
#      Wick's figures move by up to a third from one JVM fork to the next (JIT decisions); its
#      medians pool both forks.
# The headline ratios come from run 3: PyTorch at its best here. Iteration counts are the
# benchmarks' own (@Warmup, @Measurement: 3 + 5 per fork); figures are medians over iterations.
#
#   benchmarks/measure.sh [more JMH options]
#
# Needs benchmarks/target/peer/benchmarks-peer.jar (mvn -B -q -Ppeer -pl benchmarks -am -DskipTests package).
# Writes $OUT/{stock,tuned}-malloc.{md,json} (OUT: benchmarks/target/results). Run it on a quiet
# machine: libtorch's OpenMP threads lose most of their speed when another process takes a core.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA:-java}
OUT=${OUT:-$here/target/results}
jar=$here/target/peer/benchmarks-peer.jar
[[ -f $jar ]] || { echo "measure.sh: $jar is missing: mvn -B -q -Ppeer -pl benchmarks -am -DskipTests package" >&2; exit 2; }
mkdir -p "$OUT"
unset MALLOC_ARENA_MAX MALLOC_MMAP_MAX_ MALLOC_TRIM_THRESHOLD_
compare() { # NAME [JMH options]
  local name=$1
  shift
  "$JAVA" -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/$name.md" -rf json -rff "$OUT/$name.json" "$@"
}
compare stock-malloc -prof gc "$@"
(
  export MALLOC_ARENA_MAX=1 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184
  compare tuned-malloc -prof gc "$@"
  compare headline -f 2 'GemmBench|EmbeddingBench|SoftmaxCrossEntropyBench|CharRnnStepBench|LstmGruStepBench' \
    -p mkn=512x512x512,1024x1024x1024 "$@"
)
