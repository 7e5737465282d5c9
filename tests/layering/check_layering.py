#!/usr/bin/env python3
"""Builds the layering probes: one a policy may compile, one it must not.

usage: check_layering.py CMAKE BUILD_DIR
"""
import subprocess
import sys


def build(cmake, build_dir, target):
    r = subprocess.run([cmake, "--build", build_dir, "--target", target],
                       capture_output=True, text=True, check=False)
    return r.returncode, r.stdout + r.stderr


def main():
    cmake, build_dir = sys.argv[1:3]
    rc, out = build(cmake, build_dir, "layering_probe_allowed")
    if rc != 0:
        print("error: the allowed include did not compile:\n" + out)
        return 1
    rc, out = build(cmake, build_dir, "layering_probe_forbidden")
    wanted = "adapters/transport/http_client.hpp: No such file or directory"
    if rc == 0 or wanted not in out:
        print("error: a policy including an adapter compiled, or failed for another reason:\n" + out)
        return 1
    line = next(l for l in out.splitlines() if wanted in l)
    print("as it must, a policy including an adapter does not compile:\n  " + line.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
