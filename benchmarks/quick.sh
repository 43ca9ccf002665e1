#!/usr/bin/env bash
# Quick profile of every benchmark, under five minutes on 2 cores: one fork, 2 warm-up and 3
# measurement iterations of 1 s, and a subset of the sizes. For a first look, not for quoting.
#
#   benchmarks/quick.sh [more JMH options, e.g. a benchmark regex]
#   benchmarks/quick.sh 'CharRnnStepBench|LstmGruStepBench'      # the training steps only
#
# Uses benchmarks/target/peer/benchmarks-peer.jar when it exists (Wick against PyTorch), else
# benchmarks/target/benchmarks.jar with -p backend=wick-cpu (Wick alone). Build them with
#   mvn -B -q -DskipTests package                                     (benchmarks.jar)
#   mvn -B -q -Ppeer -pl benchmarks -am -DskipTests package           (benchmarks-peer.jar)
# Writes the Markdown comparison to stdout and to $OUT/quick.md (OUT: benchmarks/target/results).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA:-java}
OUT=${OUT:-$here/target/results}
mkdir -p "$OUT"
backends=()
if [[ -f $here/target/peer/benchmarks-peer.jar ]]; then
  jar=$here/target/peer/benchmarks-peer.jar
else
  jar=$here/target/benchmarks.jar
  backends=(-p backend=wick-cpu)
  echo "quick.sh: no peer jar (build with -Ppeer for PyTorch's figures): Wick alone" >&2
fi
[[ -f $jar ]] || { echo "quick.sh: $jar is missing: build it first (see the top of this script)" >&2; exit 2; }
exec "$JAVA" -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/quick.md" \
  -f 1 -wi 2 -i 3 -w 1 -r 1 \
  -p mkn=512x512x512,1024x1024x1024,32x512x512,2048x512x65 \
  -p lookup=50000x256/2048/all,50000x256/2048/100,65x128/2048/all \
  -p logits=2048x65,2048x50000 \
  "${backends[@]}" "$@"
