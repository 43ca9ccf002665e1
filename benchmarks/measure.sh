#!/usr/bin/env bash
# The measurement behind BENCHMARKS.md (about 12-15 minutes on 2 cores): every benchmark at every
# size, Wick against PyTorch through DJL, with -prof gc, twice: once with glibc's default malloc
# and once with the settings of shared/DJL-OFFLINE.md that keep freed blocks in the process
#   MALLOC_ARENA_MAX=1 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184
# (the headline ratios use the second: PyTorch at its best here). The iteration counts are the
# benchmarks' own (@Warmup, @Measurement: 3 + 5 iterations, one fork); figures are medians.
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
"$JAVA" -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/stock-malloc.md" \
  -prof gc -rf json -rff "$OUT/stock-malloc.json" "$@"
MALLOC_ARENA_MAX=1 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 \
  "$JAVA" -cp "$jar" dev.wick.bench.Compare --markdown "$OUT/tuned-malloc.md" \
  -prof gc -rf json -rff "$OUT/tuned-malloc.json" "$@"
