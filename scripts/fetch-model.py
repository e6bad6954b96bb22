#!/usr/bin/env python3
"""Refresh lambda-proto/model/ from the botocore wheel on PyPI.

Keeps the facts the generator needs (shapes, members, traits, constraints, HTTP
bindings, errors, paginators, waiters, endpoint rules, partitions) and drops
the documentation prose. Usage: python3 scripts/fetch-model.py [VERSION]
"""
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

VERSION = sys.argv[1] if len(sys.argv) > 1 else "1.44.5"
BASE = "botocore/data/lambda/2015-03-31/"
OUT = os.path.join(os.path.dirname(__file__), "..", "lambda-proto", "model")
PROSE = {"documentation", "documentationUrl", "description", "deprecatedMessage", "comments", "title"}


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in PROSE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
             f"botocore=={VERSION}"],
            check=True,
        )
        wheel = [f for f in os.listdir(tmp) if f.endswith(".whl")][0]
        with zipfile.ZipFile(os.path.join(tmp, wheel)) as z:
            def load(name):
                data = z.read(name)
                if name.endswith(".gz"):
                    data = gzip.decompress(data)
                return json.loads(data)

            files = {
                "service-2.json": load(BASE + "service-2.json.gz"),
                "paginators-1.json": load(BASE + "paginators-1.json"),
                "waiters-2.json": load(BASE + "waiters-2.json"),
                "endpoint-rule-set-1.json": load(BASE + "endpoint-rule-set-1.json.gz"),
                "examples-1.json": load(BASE + "examples-1.json"),
                "partitions.json": load("botocore/data/partitions.json"),
            }
    os.makedirs(OUT, exist_ok=True)
    for name, doc in files.items():
        doc = strip(doc)
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
    with open(os.path.join(OUT, "SOURCE"), "w") as f:
        f.write(f"botocore=={VERSION} (PyPI), lambda 2015-03-31; documentation prose removed\n")


if __name__ == "__main__":
    main()
