#!/usr/bin/env bash
# Regenerates the committed PTX from the CUDA C sources: one .ptx per .cu, under
# src/main/resources/dev/wick/cuda/ptx/. Run it after changing anything in src/main/cuda or the op
# table (core's dev.wick.core.ops), then commit both (PtxResourcesTest fails when a source changed and
# its PTX did not, or when op_table.cuh is not what the table renders).
#
#  - First renders src/main/cuda/op_table.cuh from the op table: core's sources are compiled with
#    javac into a temporary directory and OpTableSource (src/test/java) runs on them through java's
#    source launcher, so only a JDK 17 is needed for that step, not Maven.
#  - Compiled for the virtual architecture compute_75, so drivers JIT it for sm_75 (Turing) and
#    everything newer (Ampere sm_80/86, Ada sm_89, Hopper sm_90).
#  - nvcc 13 stamps `.version 9.0`, which only 580+ drivers accept. The kernels need nothing newer
#    than PTX ISA $PTX_ISA (checked here: every file must assemble with ptxas after the rewrite), and
#    drivers from CUDA 12.0 on (PTX ISA 8.0) load that.
#  - The first line records the SHA-256 of the .cu followed by every .cuh in src/main/cuda (sorted by
#    name, C locale): a header change marks every PTX stale.
#
# Needs javac and java (17+), nvcc and ptxas (CUDA 12 or 13): on PATH, or under $CUDA_HOME (default
# /usr/local/cuda).
set -euo pipefail
export LC_ALL=C

PTX_ISA=${PTX_ISA:-7.0}
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
module_dir=$(cd "$(dirname "$0")/.." && pwd)
core_sources="$module_dir/../core/src/main/java"
src="$module_dir/src/main/cuda"
out="$module_dir/src/main/resources/dev/wick/cuda/ptx"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

find "$core_sources" -name '*.java' | sort > "$tmp/core-sources.txt"
# the Vector API classes need the incubator module to compile (it only warns that it is incubating)
javac -nowarn -encoding UTF-8 --add-modules jdk.incubator.vector -d "$tmp/core-classes" @"$tmp/core-sources.txt" \
  2> >(grep -v 'incubating module' >&2)
java -cp "$tmp/core-classes" "$module_dir/src/test/java/dev/wick/cuda/OpTableSource.java" "$src/op_table.cuh"
echo "wrote $src/op_table.cuh"

find_tool() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"
  elif [[ -x "$CUDA_HOME/bin/$1" ]]; then echo "$CUDA_HOME/bin/$1"
  else echo "build-ptx.sh: $1 not found on PATH nor in $CUDA_HOME/bin" >&2; exit 1
  fi
}
nvcc=$(find_tool nvcc)
ptxas=$(find_tool ptxas)
echo "nvcc:  $("$nvcc" --version | tail -2 | head -1)"

mkdir -p "$out"

mapfile -t headers < <(find "$src" -maxdepth 1 -name '*.cuh' | sort)
status=0
for cu in $(find "$src" -maxdepth 1 -name '*.cu' | sort); do
  name=$(basename "$cu" .cu)
  hash=$(cat "$cu" "${headers[@]}" | sha256sum | cut -d' ' -f1)
  "$nvcc" -ptx -arch=compute_75 -O3 -std=c++17 -I "$src" -o "$tmp/$name.raw.ptx" "$cu"
  {
    echo "// wick-source-sha256: $hash $name.cu (regenerate with cuda-kernels/scripts/build-ptx.sh)"
    sed -E "s/^\.version [0-9]+\.[0-9]+\$/.version $PTX_ISA/" "$tmp/$name.raw.ptx"
  } > "$tmp/$name.ptx"
  grep -qx ".version $PTX_ISA" "$tmp/$name.ptx" || { echo "$name.ptx: no .version line rewritten" >&2; exit 1; }
  for sm in sm_75 sm_80 sm_90; do
    if ! "$ptxas" -arch="$sm" -o /dev/null "$tmp/$name.ptx"; then
      echo "build-ptx.sh: $name.ptx does not assemble for $sm with .version $PTX_ISA" >&2
      status=1
    fi
  done
  cp "$tmp/$name.ptx" "$out/$name.ptx"
  echo "wrote $out/$name.ptx ($(grep -c '^\.visible \.entry' "$out/$name.ptx") kernels)"
done

# PTX whose source is gone would still be loaded: remove it.
for ptx in "$out"/*.ptx; do
  [[ -e "$ptx" ]] || continue
  [[ -f "$src/$(basename "$ptx" .ptx).cu" ]] || { echo "removing stale $ptx"; rm -f "$ptx"; }
done
exit $status
