#!/usr/bin/env bash
# Builds this example against the installed Wick library and runs it on the class path and on the
# module path, each with and without the Vector API module, then once with Wick on the module path
# and its CUDA side on the class path (how the GPU works for a modular program: see the README).
# Run from anywhere; CI runs it after installing the library
# (mvn -B -q install -DskipTests -pl bom,core,cuda-kernels,autograd -am).
set -euo pipefail
cd "$(dirname "$0")"
JAVA=${JAVA:-java}
mvn -B -q package
lib=target/lib
jars=$(printf '%s:' "$lib"/*.jar)
main=dev.wick.examples.customop.Main
for vector in "" "--add-modules jdk.incubator.vector"; do
  echo "== class path ${vector:+($vector)}"
  # shellcheck disable=SC2086
  "$JAVA" $vector -cp "target/custom-op.jar:$jars" "$main"
  echo "== module path ${vector:+($vector)}"
  # shellcheck disable=SC2086
  "$JAVA" $vector -p "target/custom-op.jar:$lib" -m "dev.wick.examples.customop/$main"
done
echo "== module path, the CUDA backend and JCuda on the class path"
modules=$(printf '%s:' target/custom-op.jar "$lib"/wick-core-*.jar "$lib"/wick-autograd-*.jar)
cuda=$(printf '%s:' "$lib"/wick-cuda-kernels-*.jar "$lib"/jcuda*.jar "$lib"/jcublas*.jar)
"$JAVA" -p "$modules" -cp "$cuda" -m "dev.wick.examples.customop/$main"
