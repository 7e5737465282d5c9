#!/usr/bin/env python3
"""Checks that CTest runs every Catch2 test case exactly once, and nothing else unknown.

usage: check_ctest_entries.py CTEST BUILD_DIR MANIFEST_DIR

MANIFEST_DIR/catch_binaries.txt has one `label=binary` line per Catch2 binary, and
plain_tests.txt the names of the tests that are not Catch2 cases. For each CTest entry of a
binary, the test spec it passes must select exactly the case it is named after: a name that CMake
split at a ';', or one whose spec Catch reads as a pattern or a list, would otherwise run nothing
(or something else) and still report "Passed".
"""
import collections
import json
import subprocess
import sys


def catch_names(binary, *spec):
    out = subprocess.run([binary, *spec, "--list-test-names-only"], capture_output=True,
                         text=True, check=False).stdout
    return [line.rstrip("\r") for line in out.splitlines() if line.strip()]


def main():
    ctest, build_dir, manifest_dir = sys.argv[1:4]
    binaries = {}
    with open(f"{manifest_dir}/catch_binaries.txt") as f:
        for line in f:
            if line.strip():
                label, binary = line.strip().split("=", 1)
                binaries[binary] = label
    with open(f"{manifest_dir}/plain_tests.txt") as f:
        plain = {line.strip() for line in f if line.strip()}

    shown = subprocess.run([ctest, "--show-only=json-v1"], cwd=build_dir, capture_output=True,
                           text=True, check=True).stdout
    entries = json.loads(shown)["tests"]
    problems = []

    counts = collections.Counter(e["name"] for e in entries)
    for name, n in counts.items():
        if n > 1:
            problems.append(f"{name!r} is registered {n} times")

    expected = set()
    for binary, label in binaries.items():
        names = catch_names(binary)
        if not names:
            problems.append(f"{binary} lists no test case")
        expected.update(f"{label}:{name}" for name in names)

    for e in entries:
        name, command = e["name"], e.get("command", [])
        if name in plain:
            continue
        if name not in expected:
            problems.append(f"CTest entry {name!r} is no Catch2 test case (a split name?)")
            continue
        if len(command) < 2 or command[0] not in binaries:
            problems.append(f"CTest entry {name!r} does not run a known binary: {command}")
            continue
        selected = catch_names(command[0], command[1])
        case = name.split(":", 1)[1]
        if selected != [case]:
            problems.append(f"CTest entry {name!r} selects {selected}, not exactly its own case")

    registered = set(counts)
    for name in sorted(expected - registered):
        problems.append(f"Catch2 test case {name!r} has no CTest entry")
    for name in sorted(plain - registered):
        problems.append(f"plain test {name!r} is not registered")

    catch_entries = len(entries) - len(plain & registered)
    print(f"{len(expected)} Catch2 test cases in {len(binaries)} binaries, "
          f"{catch_entries} CTest entries for them, {len(plain)} plain tests")
    for p in problems:
        print("error: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
