#!/usr/bin/env bash
# Tests on, examples off: the tree configures and generates (a test target
# depending on an example that is not there fails the generate step), the
# example tests are left out and the others are still there. Configure only.
#   examples_off_test.sh <cmake> <source dir> <scratch build dir>
set -euo pipefail
cmake="$1"
source="$2"
build="$3"
rm -rf "$build"
trap 'rm -rf "$build"' EXIT
if ! "$cmake" -S "$source" -B "$build" -DOCHOPOD_BUILD_EXAMPLES=OFF -DOCHOPOD_BUILD_TESTS=ON \
     -DOCHOPOD_BUILD_BENCH=OFF >"$build.log" 2>&1; then
  cat "$build.log" >&2
  echo "FAIL: the tree does not configure with OCHOPOD_BUILD_EXAMPLES=OFF" >&2
  exit 1
fi
rm -f "$build.log"
targets="$("$cmake" --build "$build" --target help)"
for wanted in integration_tests harness_tests unit_runtime_tests unit_cli_tests; do
  grep -qw "$wanted" <<<"$targets" || { echo "FAIL: no $wanted target with examples off" >&2; exit 1; }
done
for unwanted in examples_tests zookeeper_pod shell_pod; do
  if grep -qw "$unwanted" <<<"$targets"; then
    echo "FAIL: $unwanted is still a target with examples off" >&2
    exit 1
  fi
done
echo "configures with examples off; example targets and their tests left out"
