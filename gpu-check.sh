#!/usr/bin/env bash
# Wick's checks on a GPU machine that has no Maven and no network (run by .gpu/device-run.sh, which
# /work/shared/gpu/pack.sh prepares). Environment:
#   JAVA    the java binary
#   JARS    the folder holding the project's runnable jars (wick-cuda-selfcheck.jar, wick-lm.jar, ...)
#   OUT     the folder for result files
#   CORPUS  a text file to train on (tiny Shakespeare)
# Steps, each under its own timeout (70 + 60 + 50 + 40 + 100 + 50 s; 40 s more for the diagnostic rerun
# that follows only a failed first selfcheck; up to 20 s before them looking for libcublas.so.13
# where the loader does not know it; device-run.sh allows 330 s in all, less than these ceilings
# add up to, so the most telling steps come first and the last is the one cut short):
#   1. selfcheck, GEMM through cuBLAS (CUDA 13's through the FFM binding on Java 22+, else CUDA 12's
#      through JCublas2; the "device:" line says which): the conformance suite, CUDA against the
#      CPU, float32 and float64, plus the CUDA backend checks (allocator steady state, two
#      backends, misuse); if it fails, once more in float32 with CUDA_LAUNCH_BLOCKING=1 and the same seed
#   2. wick-lm train on the GPU for 300 steps on CORPUS (tokens per second, losses), if wick-lm.jar is there
#      (these training runs use the deterministic embedding backward, so that their losses can be compared)
#   3. wick-lm selfcheck: the suite again plus a few training steps compared on CUDA and the CPU
#   3b. the training run of step 2 again with the tanh recurrence step by step
#      (-Dwick.cuda.persistent=false): tokens per second with and without the persistent kernel
#   3c. and with eager steps (--no-cuda-graphs; step 2 replays a captured CUDA graph): tokens per
#      second with and without graphs, and the two loss.csv files compared byte for byte
#   4. the GPU benchmarks (benchmarks/gpu-subset.sh), if benchmarks.jar is there, the recurrent steps
#      replayed from CUDA graphs with and without the persistent kernels, and eagerly without either
#   5. selfcheck, GEMM through Wick's PTX kernel (-Dwick.gemm=ptx): the fallback for machines without
#      a cuBLAS Wick can load
# Both selfchecks write their tables to $OUT/selfcheck.txt. A summary table ends the output, with
# each selfcheck's "device:" line (its GEMM). The exit code is 0 when every step that ran passed.
# The runnable jars ask for native access in their manifests (Enable-Native-Access), which the FFM
# binding needs on Java 22+; where the loader does not know libcublas.so.13 (a CUDA installed by
# pip, say), its folder goes on LD_LIBRARY_PATH first, so every step can open it.
set -u

: "${JAVA:?set JAVA to a java binary}"
: "${JARS:?set JARS to the folder with the runnable jars}"
: "${OUT:?set OUT to a folder for the results}"
CORPUS=${CORPUS:-}
mkdir -p "$OUT"
started=$(date +%s)

names=() statuses=() codes=() seconds=() notes=()

# record NAME STATUS CODE SECONDS NOTE
record() {
  names+=("$1") statuses+=("$2") codes+=("$3") seconds+=("$4") notes+=("$5")
}

# run_step NAME TIMEOUT_SECONDS LOGFILE COMMAND... : runs the command with a timeout, appending its
# output to LOGFILE and echoing it here, and records the outcome.
run_step() {
  local name=$1 limit=$2 log=$3
  shift 3
  echo
  echo "== $name (timeout ${limit}s)"
  echo "\$ $*"
  local t0 code status note=""
  t0=$(date +%s)
  { echo "== $name"; echo "\$ $*"; } >> "$log"
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$log"
  code=${PIPESTATUS[0]}
  case $code in
    0) status=PASS ;;
    124 | 137) status=TIMEOUT; note="killed after ${limit}s" ;;
    3) status=FAIL; note="no usable CUDA device (see the log)" ;;
    *) status=FAIL ;;
  esac
  echo "" >> "$log"
  record "$name" "$status" "$code" "$(( $(date +%s) - t0 ))" "$note"
}

# ---- cuBLAS 13 for the FFM binding ------------------------------------------------------------------
if ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.13 '; then
  echo "libcublas.so.13: known to the loader"
else
  cublas13=$(timeout 20 find / -xdev -name 'libcublas.so.13' 2>/dev/null | head -1)
  if [[ -n "$cublas13" ]]; then
    export LD_LIBRARY_PATH="$(dirname "$cublas13")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "libcublas.so.13: $cublas13 (its folder is now on LD_LIBRARY_PATH)"
  else
    echo "libcublas.so.13: not found (GEMM goes to JCublas2 or Wick's PTX kernel; the device line says which)"
  fi
fi

selfcheck_jar="$JARS/wick-cuda-selfcheck.jar"
: > "$OUT/selfcheck.txt"

# The most telling steps come first: device-run.sh stops this script at 330 s.
# ---- 1: the conformance suite on CUDA, GEMM through cuBLAS -----------------------------------------
if [[ -f "$selfcheck_jar" ]]; then
  run_step "selfcheck, GEMM: cuBLAS" 70 "$OUT/selfcheck.txt" \
    "$JAVA" -jar "$selfcheck_jar"
  case ${codes[-1]} in
    0 | 3 | 124 | 137) ;;
    *) # a failure: once more with every launch synchronous, so a faulting kernel is named where it
       # faults, with the same seed (printed on the last line of the failed run)
       seed=$(grep -oE 'SELFCHECK FAIL \(seed -?[0-9]+\)' "$OUT/selfcheck.txt" | grep -oE -- '-?[0-9]+' | tail -1)
       run_step "selfcheck again, CUDA_LAUNCH_BLOCKING=1, float32" 40 "$OUT/selfcheck.txt" \
         env CUDA_LAUNCH_BLOCKING=1 "$JAVA" -jar "$selfcheck_jar" --dtype float32 ${seed:+--seed "$seed"} ;;
  esac
else
  echo "no $selfcheck_jar: the cuda-kernels module was not built (mvn package) or not packed"
  record "selfcheck" "MISSING" "-" 0 "wick-cuda-selfcheck.jar not in \$JARS"
fi

# ---- 2 and 3: wick-lm on the GPU: a short training run, then selfcheck (suite + training steps) -------
lm_jar="$JARS/wick-lm.jar"
if [[ -f "$lm_jar" ]]; then
  if [[ -n "$CORPUS" && -f "$CORPUS" ]]; then
    run_step "wick-lm train (cuda, 300 steps)" 60 "$OUT/lm-train.txt" \
      "$JAVA" -Dwick.deterministic=true -Djava.awt.headless=true -jar "$lm_jar" train --device cuda \
      --text "$CORPUS" --steps 300 --eval-every 100 --out "$OUT/lm-run"
  else
    record "wick-lm train (cuda)" "SKIP" "-" 0 "no CORPUS file"
  fi
  run_step "wick-lm selfcheck (suite + 5 training steps)" 50 "$OUT/lm-selfcheck.txt" \
    "$JAVA" -jar "$lm_jar" selfcheck
  if [[ -n "$CORPUS" && -f "$CORPUS" ]]; then
    run_step "wick-lm train, recurrence step by step" 40 "$OUT/lm-train.txt" \
      "$JAVA" -Dwick.deterministic=true -Dwick.cuda.persistent=false -Djava.awt.headless=true -jar "$lm_jar" train --device cuda \
      --text "$CORPUS" --steps 300 --eval-every 100 --out "$OUT/lm-run-stepwise"
    run_step "wick-lm train, eager steps (--no-cuda-graphs)" 40 "$OUT/lm-train.txt" \
      "$JAVA" -Dwick.deterministic=true -Djava.awt.headless=true -jar "$lm_jar" train --device cuda --no-cuda-graphs \
      --text "$CORPUS" --steps 300 --eval-every 100 --out "$OUT/lm-run-eager"
    # Replayed graphs must compute the eager steps' bits: the two runs' loss curves are identical.
    run_step "graph-replayed losses == eager losses (loss.csv)" 5 "$OUT/lm-train.txt" \
      cmp "$OUT/lm-run/loss.csv" "$OUT/lm-run-eager/loss.csv"
  fi
else
  record "wick-lm (cuda)" "SKIP" "-" 0 "no wick-lm.jar in \$JARS"
fi

# ---- 4: the GPU benchmarks (benchmarks/gpu-subset.sh: Wick on CUDA at torch_ref.py's sizes) ------------
bench_jar="$JARS/benchmarks.jar"
here=$(cd "$(dirname "$0")" && pwd)
subset=""
for candidate in "$here/benchmarks/gpu-subset.sh" "$here/../benchmarks/gpu-subset.sh"; do
  [[ -f "$candidate" ]] && subset=$candidate && break
done
if [[ -f "$bench_jar" && -n "$subset" ]]; then
  run_step "benchmarks (wick-cuda)" 120 "$OUT/benchmarks.txt" \
    env JAVA="$JAVA" JARS="$JARS" OUT="$OUT" bash "$subset"
else
  record "benchmarks (wick-cuda)" "SKIP" "-" 0 "no benchmarks.jar in \$JARS or no benchmarks/gpu-subset.sh"
fi

# ---- 5: the conformance suite again, GEMM through Wick's PTX kernel (the no-cuBLAS fallback) ------------
if [[ -f "$selfcheck_jar" ]]; then
  run_step "selfcheck, GEMM: Wick PTX (-Dwick.gemm=ptx)" 50 "$OUT/selfcheck.txt" \
    "$JAVA" -Dwick.gemm=ptx -jar "$selfcheck_jar"
fi

# ---- summary --------------------------------------------------------------------------------------
echo
echo "== gpu-check.sh summary ($(( $(date +%s) - started )) s in all; tables in $OUT/selfcheck.txt)"
printf '%-50s %-8s %-5s %7s  %s\n' "step" "result" "exit" "seconds" "note"
failed=0
for i in "${!names[@]}"; do
  printf '%-50s %-8s %-5s %7s  %s\n' "${names[$i]}" "${statuses[$i]}" "${codes[$i]}" "${seconds[$i]}" "${notes[$i]}"
  case ${statuses[$i]} in PASS | SKIP) ;; *) failed=1 ;; esac
done
grep -E '^(device:|candidate|SELFCHECK|[0-9]+ checks:)' "$OUT/selfcheck.txt" 2>/dev/null | sed 's/^/  /'
exit $failed
