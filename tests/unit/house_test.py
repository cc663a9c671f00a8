#!/usr/bin/env python3
"""The house's rules, checked over the whole tree (ctest label unit).

docs/internals.md ("Source map") says who may include what and how folders
are cut; this keeps it so. No folder of a layer holds more than 24 sources
directly (past that it is two concerns). Every path a comment or a
document names exists: code links docs/ and other files instead of
restating them, and a move that forgets one leaves a reader at a dead end
(a word with an extension after one of our top folders is checked, from the
repository root or, as CMake spells them, from the naming file's folder).
And every include line stays in its layer. A quoted include is one of:

- "ochopod/x.h": a public header, which must exist in some
  <layer>/include/ochopod/ of the includer's layer or one below it;
- "<layer>/<folder>/x.h": an internal header, spelled from the repository
  root; a layer reaches its own and those below it, never one above;
- "harness/x.h": the test kit, for tests only;
- anything else: a file beside the includer (an example's own header), or
  one the build generates.

Tests are held to the same rule and one more: a unit test reaches the
internal headers of its own layer only (through the harness for the rest),
and examples and the test pods see public headers only, as a pod author
does. `--self-test` shows the check failing on a tree with an upward include.
"""

import os
import re
import subprocess
import sys
import tempfile

LAYERS = ["runtime", "models", "bindings", "cli"]
# Written by the build, not in the tree (cli/CMakeLists.txt).
GENERATED = {"build_info.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
SOURCE = (".h", ".hpp", ".cpp", ".cc")


def role(path):
    """(kind, layer rank) of a file: what it may include."""
    parts = path.split("/")
    if parts[0] in LAYERS:
        return "layer", LAYERS.index(parts[0])
    if parts[:2] == ["tests", "unit"] and len(parts) > 3 and parts[2] in LAYERS:
        return "unit", LAYERS.index(parts[2])
    if parts[0] == "examples" or parts[:2] == ["tests", "pods"]:
        return "public", len(LAYERS) - 1
    if parts[:2] == ["tests", "harness"]:
        return "harness", 0
    # Integration, fuzz, example tests and benchmarks drive the whole program.
    return "whole", len(LAYERS) - 1


def public_headers(root):
    found = {}
    for rank, layer in enumerate(LAYERS):
        folder = os.path.join(root, layer, "include", "ochopod")
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                found["ochopod/" + name] = rank
    return found


def problems(root, files):
    public = public_headers(root)
    out = []
    for path in files:
        kind, rank = role(path)
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for number, line in enumerate(text.splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            name = match.group(1)
            first = name.split("/")[0]
            where = f"{path}:{number}: \"{name}\""
            if first == "ochopod":
                if name not in public:
                    out.append(f"{where} is spelled like a public header but is not one")
                elif public[name] > rank:
                    out.append(f"{where} is the public API of {LAYERS[public[name]]}, "
                               f"above {LAYERS[rank]}")
            elif first in LAYERS:
                target = LAYERS.index(first)
                if not os.path.isfile(os.path.join(root, name)):
                    out.append(f"{where} names no file")
                elif kind == "public":
                    out.append(f"{where} is internal; this file may use public headers only")
                elif kind == "unit" and target != rank:
                    out.append(f"{where} is internal to {first}; a unit test of "
                               f"{LAYERS[rank]} reaches its own layer's headers only")
                elif target > rank:
                    out.append(f"{where} reaches up from {LAYERS[rank]} to {first}")
            elif first == "harness":
                if not path.startswith("tests/"):
                    out.append(f"{where}: the test kit is for tests only")
            elif name in GENERATED:
                continue
            elif path.startswith("tests/examples/") and os.path.isfile(
                    os.path.join(root, "examples", name)):
                continue  # an example's own piece, tested in-process (tests/CMakeLists.txt)
            elif not os.path.isfile(os.path.join(root, os.path.dirname(path), name)):
                out.append(f"{where} is neither a header of ours nor a file beside it")
    return out


MAX_SOURCES = 24


def crowded(files):
    """Folders of a layer holding more than MAX_SOURCES .h/.cpp files directly."""
    count = {}
    for path in files:
        if path.split("/")[0] in LAYERS:
            folder = os.path.dirname(path)
            count[folder] = count.get(folder, 0) + 1
    return [f"{folder}/ holds {n} sources directly, more than {MAX_SOURCES}: split it by concern"
            for folder, n in sorted(count.items()) if n > MAX_SOURCES]


TOP = ("runtime", "models", "bindings", "cli", "tests", "docs", "bench", "scripts", "examples",
       "docker", "packaging", "cmake", ".ci")
NAMED = re.compile(r"(?<![\w./-])((?:%s)/[\w./-]*\w)" % "|".join(re.escape(t) for t in TOP))
TEXT = (".h", ".cpp", ".py", ".sh", ".md", ".txt", ".cmake", ".yaml", ".cfg", ".in")


def dead_paths(root, listing):
    """Paths named in sources, scripts and documents that do not exist."""
    out = []
    for name in listing:
        if not (name.endswith(TEXT) or os.path.basename(name) == "Dockerfile" or
                name.startswith(("scripts/", ".ci/"))):
            continue
        try:
            with open(os.path.join(root, name), encoding="utf-8") as f:
                text = f.read()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        if name == "tests/unit/house_test.py":
            continue  # its self-test plants a tree of its own
        for number, line in enumerate(text.splitlines(), 1):
            for match in NAMED.finditer(line):
                path = match.group(1).rstrip(".")
                # A word without an extension is as often a name
                # ("models/Reactive") as a folder.
                if "*" in path or "." not in os.path.basename(path):
                    continue
                beside = os.path.join(root, os.path.dirname(name), path)
                if not os.path.exists(os.path.join(root, path)) and not os.path.exists(beside):
                    out.append(f"{name}:{number}: names {path}, which does not exist")
    return out


def tracked(root):
    # What git tracks and the working tree still has (a file deleted but not
    # yet committed is gone).
    listing = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split()
    return [f for f in listing if os.path.isfile(os.path.join(root, f))]


def self_test():
    with tempfile.TemporaryDirectory() as root:
        files = {"runtime/include/ochopod/api.h": "",
                 "models/piped/controller.h": "",
                 "runtime/zk/session.cpp": '#include "models/piped/controller.h"\n'}
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
        found = problems(root, list(files))
        expected = "runtime/zk/session.cpp:1: \"models/piped/controller.h\" reaches up from runtime to models"
        if found != [expected]:
            print("self-test: the upward include was not reported as expected; got:", found)
            return 1
        print("self-test: an upward include is reported:", found[0])
        return 0


def main():
    if "--self-test" in sys.argv:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../..")
    root = os.path.abspath(root)
    listing = tracked(root)
    files = [f for f in listing if f.endswith(SOURCE) and not f.startswith("build")]
    found = problems(root, files) + crowded(files) + dead_paths(root, listing)
    for line in found:
        print(line)
    print(f"{len(listing)} files, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
