#!/usr/bin/env python3
"""Record real moto answers as seeds of the `parse_response` fuzz target.

Usage (from the repository root, with the Python that has moto and boto3):

    .venv-moto/bin/python scripts/capture-moto-seeds.py

Starts moto with scripts/moto_server.py on a free 127.0.0.1 port, creates a role, a
function, an alias, a permission and a tag through boto3, and writes the raw answers to
fuzz/corpus/parse_response/moto-<name> in the target's layout: the operation index, the
status minus 100 (big-endian u16), then `name: value` header lines, an empty line and the
body. The operation index is the position of the operation among the sorted operation
names of lambda-proto/model/service-2.json, which is the order of
`lambda_proto::dynamic::operations()`. The Date and Server headers are left out.

Running it again rewrites the files (request ids, revision ids and times change);
`cargo test -p lambda-proto --test fuzz_corpus moto_seeds` checks what they hold.
"""

import io
import json
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus" / "parse_response"
REGION = "us-east-1"
FUNCTION = "seed-function"
LEFT_OUT = {"date", "server"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "moto_server.py"), "--port", str(port),
         "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/config", timeout=2)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("moto did not answer within 30 s")


def handler_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return event\n")
    return out.getvalue()


def main() -> None:
    model = json.loads((ROOT / "lambda-proto" / "model" / "service-2.json").read_text())
    index = {name: i for i, name in enumerate(sorted(model["operations"]))}
    port = free_port()
    server = start_moto(port)
    try:
        session = boto3.Session(
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            region_name=REGION,
        )
        endpoint = f"http://127.0.0.1:{port}"
        iam = session.client("iam", endpoint_url=endpoint)
        lam = session.client("lambda", endpoint_url=endpoint)

        captured = {}
        label = {"name": None}

        def record(http_response, model, **_):
            if label["name"]:
                captured[label["name"]] = (model.name, http_response)

        lam.meta.events.register("after-call.lambda", record)

        def call(name, method, **kwargs):
            label["name"] = name
            try:
                getattr(lam, method)(**kwargs)
            except lam.exceptions.ResourceNotFoundException:
                pass
            label["name"] = None

        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Action": "sts:AssumeRole"}],
        }
        role = iam.create_role(RoleName="seed-role", AssumeRolePolicyDocument=json.dumps(trust))
        lam.create_function(
            FunctionName=FUNCTION, Runtime="python3.12", Role=role["Role"]["Arn"],
            Handler="index.handler", Code={"ZipFile": handler_zip()},
            Tags={"team": "fuzz"},
        )
        version = lam.publish_version(FunctionName=FUNCTION)["Version"]
        lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
        lam.add_permission(
            FunctionName=FUNCTION, StatementId="seed-permission",
            Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
        )
        arn = lam.get_function(FunctionName=FUNCTION)["Configuration"]["FunctionArn"]

        call("GetFunction", "get_function", FunctionName=FUNCTION)
        call("ListFunctions", "list_functions")
        call("GetAlias", "get_alias", FunctionName=FUNCTION, Name="live")
        call("GetPolicy", "get_policy", FunctionName=FUNCTION)
        call("ListTags", "list_tags", Resource=arn)
        call("Invoke", "invoke", FunctionName=FUNCTION, Payload=b'{"hello":"world"}')
        call("GetFunction-not-found", "get_function", FunctionName="no-such-function")

        for name, (operation, response) in sorted(captured.items()):
            head = "".join(
                f"{k}: {v}\n" for k, v in response.headers.items() if k.lower() not in LEFT_OUT
            )
            data = bytes([index[operation]]) + struct.pack(">H", response.status_code - 100)
            data += head.encode() + b"\n" + response.content
            path = CORPUS / f"moto-{name}"
            path.write_bytes(data)
            print(f"{path.relative_to(ROOT)}: HTTP {response.status_code}, {len(data)} bytes")
    finally:
        server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
