#!/usr/bin/env python3
"""Start moto in server mode as the local Lambda API peer of the integration tests.

Usage: moto_server.py [--port PORT] [--exit-on-stdin-eof] [--verbose]

Before the server starts, this launcher
  * switches moto's Lambda backend to its simple (no Docker) mode, so Invoke answers
    without a container engine;
  * fixes the SigV4 check of moto 5.2.5 for requests without a body (GET, DELETE):
    moto hashes its parsed parameter dictionary instead of the empty body when it
    recomputes the signature, so every correctly signed bodyless request is rejected.
The server always binds 127.0.0.1.

With --exit-on-stdin-eof the process exits as soon as its standard input reaches end of
file, so a server started by a test process that dies is not left running.
"""

import argparse
import logging
import os
import threading


def _use_simple_lambda_backend() -> None:
    from moto.core import config

    config.default_user_config["lambda"] = {"use_docker": False}


def _fix_bodyless_signature_check() -> None:
    from botocore.awsrequest import AWSRequest
    from moto.iam import access_control

    base = access_control.IAMRequestBase

    def _create_aws_request(self: "access_control.IAMRequestBase") -> AWSRequest:
        authorization = self._headers["Authorization"]
        signed_headers = self._get_string_between(
            "SignedHeaders=", ",", authorization
        ).split(";")
        headers = base._create_headers_for_aws_request(signed_headers, self._headers)
        # The signed payload is the raw request body: empty when there is none. moto's
        # own version falls back to its parameter dictionary here.
        body = self._body
        content_type = str(self._headers.get("Content-Type", ""))
        if not body and content_type.startswith("application/x-www-form-urlencoded"):
            # A form body (query protocol, e.g. STS) reaches moto parsed into a dictionary;
            # botocore encodes it back into the same form text.
            body = self._data
        elif body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        request = AWSRequest(
            method=self._method, url=self._path, data=body, headers=headers
        )
        timestamp = None
        for name, value in headers.items():
            if name.lower() == "x-amz-date":
                timestamp = value
        if timestamp is None:
            timestamp = self._headers.get("X-Amz-Date")
        request.context["timestamp"] = timestamp
        return request

    base._create_aws_request = _create_aws_request


def _exit_on_stdin_eof() -> None:
    def watch() -> None:
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch, name="stdin-eof", daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", "-p", type=int, default=5000)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    parser.add_argument(
        "--verbose", action="store_true", help="log every request to standard error"
    )
    args = parser.parse_args()

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _use_simple_lambda_backend()
    _fix_bodyless_signature_check()

    from moto import server

    if args.exit_on_stdin_eof:
        _exit_on_stdin_eof()

    server.main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
