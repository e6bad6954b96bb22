#!/usr/bin/env python3
"""A long-running botocore 1.44.5 oracle for the differential test of lambda-proto
(`lambda-proto/tests/differential.rs`).

Reads one JSON request per line on standard input and writes one JSON line per request on
standard output, in order (each answer echoes the request's `id`). On start it writes one
line `{"ready": true, "botocore": "<version>"}` (or `{"ready": false, "error": "..."}`).

Requests:

  {"id": 1, "kind": "request", "operation": "GetFunction", "input": {...}}
      The request botocore builds from the input, as its client does: idempotency tokens
      filled (the `before-parameter-build` handler `generate_idempotent_uuid`), then
      `ParamValidator`, then the rest-json serializer, `prepare_request_dict` for
      https://lambda.us-east-1.amazonaws.com and `create_request_object(...).prepare()`.
      The input uses base64 for blobs and RFC 3339 for timestamps (converted to bytes and
      datetime by walking the model's shapes).
      Answer: {"id", "valid": false, "errors": [member paths], "report": text}
          or {"id", "valid": true, "method", "path" (raw, as sent), "query": [[k, v], ...]
          (raw, percent-encoded, in order), "headers": {lowercase name: value} (without
          User-Agent and Content-Length), "content_type", "content_length" (the value or
          null), "body_json" (parsed JSON, or null), "body_b64" (raw bytes, base64),
          "filled": [members botocore filled in itself]}

  {"id": 2, "kind": "response", "operation": "GetFunction", "status": 200,
   "headers": {...}, "body_b64": "..."}
      botocore's parse of the response, as its client does (streaming blob payloads read
      from a StreamingBody; modelled error members added by error code).
      Answer: {"id", "output": {...}} with blobs base64 and timestamps as integer epoch
          microseconds, ResponseMetadata removed;
          or {"id", "error": {"code", "message", "modeled": {...}}};
          or {"id", "skipped": reason} for event-stream outputs.

Any exception is answered as {"id", "oracle_error": text} so that one bad case does not
stop the run.
"""
import base64
import datetime
import io
import json
import sys
import traceback
import uuid  # noqa: F401  (generate_idempotent_uuid uses it)
from urllib.parse import urlsplit

ENDPOINT = "https://lambda.us-east-1.amazonaws.com"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


try:
    import botocore
    import botocore.session
    from botocore import handlers, parsers, serialize, validate
    from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
    from botocore.response import StreamingBody
except Exception as e:  # botocore missing: say so and stop
    emit({"ready": False, "error": f"cannot import botocore: {e}"})
    sys.exit(0)


def to_python(value, shape):
    """Input JSON (base64 blobs, RFC 3339 timestamps) to botocore's Python values."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: to_python(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [to_python(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: to_python(v, shape.value) for k, v in value.items()}
    if kind == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    if kind == "timestamp" and isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    if kind == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    return value


def render(value):
    """botocore's parsed values as JSON: blobs base64, timestamps epoch microseconds."""
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, StreamingBody):
        return base64.b64encode(value.read()).decode()
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return (value - EPOCH) // datetime.timedelta(microseconds=1)
    return value


def error_names(report):
    names = []
    for reason, name, extra in report._errors:
        name = name[1:] if name.startswith(".") else name
        if reason == "missing required field":
            req = extra["required_name"]
            name = f"{name}.{req}" if name else req
        elif reason == "unknown field":
            unknown = extra["unknown_param"]
            name = f"{name}.{unknown}" if name else unknown
        names.append({"reason": reason, "name": name})
    return names


class Oracle:
    def __init__(self):
        session = botocore.session.get_session()
        self.model = session.get_service_model("lambda")
        self.serializer = serialize.create_serializer("rest-json", include_validation=False)
        self.parser = parsers.create_parser("rest-json")
        self.validator = validate.ParamValidator()

    def request(self, req):
        op = self.model.operation_model(req["operation"])
        params = to_python(req.get("input") or {}, op.input_shape)
        before = set(params)
        # The client's order: before-parameter-build handlers, then validation inside the
        # serializer.
        handlers.generate_idempotent_uuid(params=params, model=op)
        filled = sorted(set(params) - before)
        report = self.validator.validate(params, op.input_shape)
        if report.has_errors():
            return {"valid": False, "errors": error_names(report),
                    "report": report.generate_report()}
        request_dict = self.serializer.serialize_to_request(params, op)
        prepare_request_dict(request_dict, endpoint_url=ENDPOINT)
        prepared = create_request_object(request_dict).prepare()
        url = urlsplit(prepared.url)
        query = []
        if url.query:
            for pair in url.query.split("&"):
                k, _, v = pair.partition("=")
                query.append([k, v])
        headers = {}
        content_length = None
        for k, v in prepared.headers.items():
            if isinstance(v, bytes):
                v = v.decode("latin-1")
            lk = k.lower()
            if lk == "content-length":
                content_length = v
            elif lk != "user-agent":
                headers[lk] = v
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        if hasattr(body, "read"):
            body = body.read()
        body_json = None
        if headers.get("content-type") == "application/json" and body:
            body_json = json.loads(body)
        return {
            "valid": True,
            "method": prepared.method,
            "path": url.path,
            "query": query,
            "headers": headers,
            "content_type": headers.get("content-type"),
            "content_length": content_length,
            "body_json": body_json,
            "body_b64": base64.b64encode(body).decode(),
            "filled": filled,
        }

    def response(self, req):
        op = self.model.operation_model(req["operation"])
        status = int(req["status"])
        body = base64.b64decode(req.get("body_b64") or "")
        headers = HeadersDict()
        for k, v in (req.get("headers") or {}).items():
            headers[k] = v
        response_dict = {"headers": headers, "status_code": status,
                         "context": {"operation_name": op.name}}
        # botocore.endpoint.convert_to_response_dict
        if status >= 300:
            response_dict["body"] = body
        elif op.has_event_stream_output:
            return {"skipped": "event-stream output"}
        elif op.has_streaming_output:
            response_dict["body"] = StreamingBody(io.BytesIO(body), len(body))
        else:
            response_dict["body"] = body
        parsed = self.parser.parse(response_dict, op.output_shape)
        if status >= 300:
            # botocore.endpoint.Endpoint._add_modeled_error_fields
            code = parsed.get("Error", {}).get("Code")
            if code is not None:
                shape = self.model.shape_for_error_code(code)
                if shape is not None:
                    parsed.update(self.parser.parse(response_dict, shape))
            error = parsed.get("Error", {})
            modeled = {k: v for k, v in parsed.items()
                       if k not in ("Error", "ResponseMetadata")}
            return {"error": {"code": error.get("Code"), "message": error.get("Message"),
                              "modeled": render(modeled)}}
        parsed.pop("ResponseMetadata", None)
        return {"output": render(parsed)}


def main():
    oracle = Oracle()
    emit({"ready": True, "botocore": botocore.__version__})
    sys.stdout.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            if req["kind"] == "request":
                out = oracle.request(req)
            elif req["kind"] == "response":
                out = oracle.response(req)
            else:
                out = {"oracle_error": f"unknown kind {req['kind']!r}"}
        except Exception as e:  # one bad case must not stop the run
            out = {"oracle_error": f"{type(e).__name__}: {e}",
                   "traceback": traceback.format_exc(limit=3)}
        out["id"] = req_id
        emit(out)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
