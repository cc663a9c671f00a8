#!/usr/bin/env bash
# Installs the build into a temp prefix and builds an example the way a user
# would: its own project, find_package(ochopod), ochopod::ochopod.
#   install_tree_test.sh <build dir> <source dir> [sanitizer flags]
set -euo pipefail
build="$1"
source="$2"
sanitize="${3:-}"   # a sanitized build installs instrumented libraries
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/ochopod/ochopod.h"
test -f "$work/prefix/lib/cmake/ochopod/ochopodConfig.cmake"
test -x "$work/prefix/bin/ochopod"

# Only the public API is installed, and each public header stands alone: a
# header that included an internal one would not compile from the prefix.
public="archive.h boot.h cluster.h lifecycle.h model.h ochopod.h piped.h reactive.h secret.h shell_command.h template.h tool.h upload_signature.h"
installed="$(cd "$work/prefix/include/ochopod" && ls | sort | tr '\n' ' ')"
expected="$(echo $public | tr ' ' '\n' | sort | tr '\n' ' ')"
if [ "$installed" != "$expected" ]; then
  echo "installed headers: $installed" >&2
  echo "public API:        $expected" >&2
  exit 1
fi
includes="$(pkg-config --cflags nlohmann_json 2>/dev/null || true)"
for h in $public; do
  echo "#include <ochopod/$h>" | ${CXX:-c++} -std=c++20 -fsyntax-only -x c++ \
      -I"$work/prefix/include" $includes - \
    || { echo "ochopod/$h does not compile from the install tree alone" >&2; exit 1; }
done
cmake -S "$source/examples/tool" -B "$work/example" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="$sanitize" \
      -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
cmake --build "$work/example" -j 2 >/dev/null
test -x "$work/example/tool_pod"
echo "install tree: find_package(ochopod) built examples/tool against $work/prefix"
