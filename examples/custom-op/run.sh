#!/usr/bin/env bash
# Builds this example against the installed Wick library and runs it on the class path and on the
# module path, each with and without the Vector API module. Run from anywhere; CI runs it after
# installing the library (mvn -B -q install -DskipTests -pl core,autograd -am).
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
