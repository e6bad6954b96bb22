#!/usr/bin/env python3
"""Writes lambda-proto/tests/data/golden-botocore.json: for a set of requests covering every
HTTP binding pattern of the Lambda model, the request botocore 1.44.5 serializes from the
same input and the SigV4 Authorization botocore computes for it (with the test-suite key at
2015-08-30T12:36:00Z). The Rust golden test compares its own requests with these.

JSON bodies are signed in compact form with sorted keys, the form this crate sends;
botocore itself sends `json.dumps` with spaces (same JSON, other bytes).

Usage: python3 -m pip install botocore==1.44.5 && python3 scripts/golden-from-botocore.py
"""
import base64
import datetime
import json
import os

import botocore
import botocore.auth
import botocore.session
from botocore import serialize
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.credentials import Credentials

assert botocore.__version__ == "1.44.5", botocore.__version__

ENDPOINT = "https://lambda.us-east-1.amazonaws.com"
KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TOKEN = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"
ZIP = b"PK\x05\x06" + b"\x00" * 18  # an empty zip archive

CASES = [
    ("label and query", "GetFunction", {"FunctionName": FN_ARN, "Qualifier": "live"}, None),
    ("session token", "GetFunction", {"FunctionName": "my-fn"}, TOKEN),
    ("query list", "UntagResource", {"Resource": FN_ARN, "TagKeys": ["team", "cost center"]}, None),
    ("headers and raw payload", "Invoke", {
        "FunctionName": "my-fn", "InvocationType": "RequestResponse", "LogType": "Tail",
        "ClientContext": base64.b64encode(b'{"custom":{"a":1}}').decode(), "Qualifier": "1",
        "Payload": '{"hello":"w\u00f6rld"}'.encode()}, None),
    ("raw streaming payload", "InvokeAsync", {"FunctionName": "my-fn", "InvokeArgs": b'{"k":"v"}'}, None),
    ("json body", "CreateAlias", {
        "FunctionName": "my-fn", "Name": "live", "FunctionVersion": "2", "Description": "prod",
        "RoutingConfig": {"AdditionalVersionWeights": {"3": 0.25}}}, None),
    ("json body with blob", "PublishLayerVersion", {
        "LayerName": "my-layer", "Content": {"ZipFile": ZIP},
        "CompatibleRuntimes": ["python3.12", "nodejs22.x"], "LicenseInfo": "MIT"}, None),
    ("empty body delete", "DeleteFunction", {"FunctionName": "my-fn"}, None),
    ("no members", "GetAccountSettings", {}, None),
    ("fixed query merged", "ListProvisionedConcurrencyConfigs",
     {"FunctionName": "my-fn", "MaxItems": 10, "Marker": "a b/c"}, None),
    ("fixed query only", "GetLayerVersionByArn",
     {"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:1"}, None),
    ("json body with timestamp", "CreateEventSourceMapping", {
        "FunctionName": "my-fn", "EventSourceArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        "StartingPosition": "AT_TIMESTAMP",
        "StartingPositionTimestamp": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)}, None),
    ("query timestamps, booleans and enum lists", "ListDurableExecutionsByFunction", {
        "FunctionName": "my-fn", "Qualifier": "live",
        "StartedAfter": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "StartedBefore": datetime.datetime(2024, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
        "ReverseOrder": True, "Statuses": ["RUNNING", "FAILED"], "MaxItems": 5}, None),
    ("json body with a structure payload", "SendDurableExecutionCallbackFailure", {
        "CallbackId": "cb-1", "Error": {"ErrorMessage": "boom", "ErrorType": "E"}}, None),
    ("raw blob payload with limits", "SendDurableExecutionCallbackSuccess", {
        "CallbackId": "cb-2", "Result": b"done"}, None),
]


def jsonable(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def main():
    model = botocore.session.get_session().get_service_model("lambda")
    serializer = serialize.create_serializer("rest-json", include_validation=True)
    fixed = datetime.datetime(2015, 8, 30, 12, 36, 0)
    botocore.auth.get_current_datetime = lambda: fixed
    out = []
    for name, op, params, token in CASES:
        request_dict = serializer.serialize_to_request(params, model.operation_model(op))
        prepare_request_dict(request_dict, endpoint_url=ENDPOINT)
        request = create_request_object(request_dict)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        is_json = request.headers.get("Content-Type") == "application/json"
        sent = body
        if is_json:
            sent = json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True,
                              ensure_ascii=False).encode()
        request.data = sent
        credentials = Credentials(KEY[0], KEY[1], token)
        botocore.auth.SigV4Auth(credentials, "lambda", "us-east-1").add_auth(request)
        headers = {k.lower(): v for k, v in request.headers.items()
                   if k.lower() not in ("user-agent", "authorization", "x-amz-date",
                                        "x-amz-security-token")}
        out.append({
            "name": name,
            "operation": op,
            "input": jsonable(params),
            "session_token": token,
            "method": request.method,
            "url": request.url,
            "headers": headers,
            "body_json": is_json,
            "body_base64": base64.b64encode(body).decode(),
            "authorization": request.headers["Authorization"],
        })
    path = os.path.join(os.path.dirname(__file__), "..", "lambda-proto", "tests", "data",
                        "golden-botocore.json")
    with open(path, "w") as f:
        json.dump({"source": "botocore 1.44.5 rest-json serializer and SigV4Auth",
                   "cases": out}, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
