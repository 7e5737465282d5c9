#!/usr/bin/env python3
"""Hand-written functions over 80 lines and files over 600 lines in the product's folders.

Reads function extents from Universal Ctags. Generated tables are listed in GENERATED and not
counted. Exit status 1 when anything is over, so it can serve as a check.
Usage: tools/code_sizes.py [folder ...]   (default: daemon policies adapters web)
"""
import json
import os
import subprocess
import sys

MAX_FUNCTION_LINES = 80
MAX_FILE_LINES = 600
# Generated from data, not written by hand (tools/gen_sunspec_models.py).
GENERATED = {"adapters/sensors/sunspec/model_tables.cpp"}


def sources(roots):
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in sorted(names):
                path = os.path.join(folder, name)
                if name.endswith((".cpp", ".hpp")) and path not in GENERATED:
                    yield path


def main():
    roots = sys.argv[1:] or ["daemon", "policies", "adapters", "web"]
    files = list(sources(roots))
    tags = subprocess.run(["ctags", "--output-format=json", "--fields=+ne", "--kinds-c++=f",
                           "-o", "-"] + files, capture_output=True, text=True, check=True).stdout
    over = []
    for line in tags.splitlines():
        tag = json.loads(line)
        if tag.get("kind") != "function" or "end" not in tag:
            continue
        lines = tag["end"] - tag["line"] + 1
        if lines > MAX_FUNCTION_LINES:
            name = (tag.get("scope", "") + "::" + tag["name"]).lstrip(":")
            over.append(f"{tag['path']}:{tag['line']}: function {name}: {lines} lines")
    for path in files:
        with open(path, encoding="utf-8") as f:
            lines = sum(1 for _ in f)
        if lines > MAX_FILE_LINES:
            over.append(f"{path}: file: {lines} lines")
    for row in sorted(over):
        print(row)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
