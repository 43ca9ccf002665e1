#!/usr/bin/env bash
# The GPU subset of the benchmarks, for the project's gpu-check.sh: Wick on CUDA alone (PyTorch's
# GPU figures come from shared/gpu/torch_ref.py in the same device run), at the benchmark sizes
# plus torch_ref.py's (GEMM 1024 and 4096; embedding 100,000 x 256 with 262,144 indices). Needs
# only the shaded jar, no Maven:
#   JAVA  a java binary (default: java)
#   JARS  the folder holding benchmarks.jar (required)
#   OUT   where results go (default: /tmp/out): bench-gpu.md (medians) and bench-gpu.json (JMH)
# Exits 0 and says why when wick-cuda cannot run here (no GPU, no driver, no CUDA backend in the jar).
# About 2 minutes on an H100.
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
exec "$JAVA" -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/bench-gpu.md" \
  'GemmBench|EmbeddingBench.forwardBackward|SoftmaxCrossEntropyBench|CharRnnStepBench' \
  -p backend=wick-cuda \
  -p mkn=1024x1024x1024,4096x4096x4096,32x512x512,2048x512x65 \
  -p lookup=50000x256/2048/all,50000x256/2048/100,100000x256/262144/all,100000x256/262144/100 \
  -p logits=2048x65,2048x50000 \
  -f 1 -wi 2 -i 3 -w 1 -r 1 -rf json -rff "$OUT/bench-gpu.json" "$@"
