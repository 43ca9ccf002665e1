#!/usr/bin/env bash
# Wick's checks on a GPU machine that has no Maven and no network (run by .gpu/device-run.sh, which
# /work/shared/gpu/pack.sh prepares). Environment:
#   JAVA    the java binary
#   JARS    the folder holding the project's runnable jars (wick-cuda-selfcheck.jar, wick-lm.jar, ...)
#   OUT     the folder for result files
#   CORPUS  a text file to train on (tiny Shakespeare)
# Steps, each under its own timeout (80 + 80 + 45 + 45 s, plus 10 s grace each, and 50 s more for
# the diagnostic rerun that follows only a failed first selfcheck: within the 330 s device-run.sh
# allows; in practice a selfcheck takes well under a minute):
#   1. selfcheck, GEMM through cuBLAS: the conformance suite, CUDA against the CPU, float32 and
#      float64, plus the CUDA backend checks (allocator steady state, two backends, misuse);
#      if it fails, once more in float32 with CUDA_LAUNCH_BLOCKING=1 and the same seed
#   2. selfcheck, GEMM through Wick's PTX kernel (-Dwick.gemm=ptx): the fallback for machines without
#      libcublas.so.12
#   3. [lead] a short training run of wick-lm on the GPU, if wick-lm.jar is there
#   4. [lead] the GPU benchmarks, if wick-benchmarks.jar is there
# Both selfchecks write their tables to $OUT/selfcheck.txt. A summary table ends the output. The
# exit code is 0 when every step that ran passed.
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

selfcheck_jar="$JARS/wick-cuda-selfcheck.jar"
: > "$OUT/selfcheck.txt"

# ---- 1 and 2: the conformance suite on CUDA ------------------------------------------------------
if [[ -f "$selfcheck_jar" ]]; then
  run_step "selfcheck, GEMM: cuBLAS" 80 "$OUT/selfcheck.txt" \
    "$JAVA" -jar "$selfcheck_jar"
  case ${codes[-1]} in
    0 | 3 | 124 | 137) ;;
    *) # a failure: once more with every launch synchronous, so a faulting kernel is named where it
       # faults, with the same seed (printed on the last line of the failed run)
       seed=$(grep -oE 'SELFCHECK FAIL \(seed -?[0-9]+\)' "$OUT/selfcheck.txt" | grep -oE -- '-?[0-9]+' | tail -1)
       run_step "selfcheck again, CUDA_LAUNCH_BLOCKING=1, float32" 50 "$OUT/selfcheck.txt" \
         env CUDA_LAUNCH_BLOCKING=1 "$JAVA" -jar "$selfcheck_jar" --dtype float32 ${seed:+--seed "$seed"} ;;
  esac
  run_step "selfcheck, GEMM: Wick PTX (-Dwick.gemm=ptx)" 80 "$OUT/selfcheck.txt" \
    "$JAVA" -Dwick.gemm=ptx -jar "$selfcheck_jar"
else
  echo "no $selfcheck_jar: the cuda-kernels module was not built (mvn package) or not packed"
  record "selfcheck" "MISSING" "-" 0 "wick-cuda-selfcheck.jar not in \$JARS"
fi

# ---- 3: [lead] language-model training on the GPU --------------------------------------------------
# TODO(lead): set the arguments wick-lm's train command takes; this step runs only if the jar exists.
lm_jar="$JARS/wick-lm.jar"
if [[ -f "$lm_jar" ]]; then
  run_step "wick-lm train (cuda)" 45 "$OUT/lm-train.txt" \
    "$JAVA" -jar "$lm_jar" train --device cuda --corpus "$CORPUS" --steps 200 --out "$OUT/lm-run"
else
  record "wick-lm train (cuda)" "SKIP" "-" 0 "no wick-lm.jar in \$JARS"
fi

# ---- 4: [lead] GPU benchmarks ---------------------------------------------------------------------
# TODO(lead): choose the benchmarks and JMH options (keep them inside the timeout); runs only if the jar exists.
bench_jar="$JARS/wick-benchmarks.jar"
if [[ -f "$bench_jar" ]]; then
  run_step "benchmarks (cuda)" 45 "$OUT/benchmarks.txt" \
    "$JAVA" -jar "$bench_jar" -p device=cuda -f 1 -wi 1 -i 2 -w 2s -r 2s -rf json -rff "$OUT/benchmarks.json"
else
  record "benchmarks (cuda)" "SKIP" "-" 0 "no wick-benchmarks.jar in \$JARS"
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
grep -E '^(candidate|SELFCHECK|[0-9]+ checks:)' "$OUT/selfcheck.txt" 2>/dev/null | sed 's/^/  /'
exit $failed
