#!/usr/bin/env bash
# The main job, end to end on this machine: start a local Lambda API server (moto, installed
# by scripts/install-test-deps.sh), then drive it with the `lambda` CLI: create a role's
# function from an in-memory zip, list, invoke, read the configuration, delete. The server
# is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh >/dev/null
cargo build -q -p lambda-blocking --features cli --bin lambda
LAMBDA=target/debug/lambda
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.venv-moto/bin/python scripts/moto_server.py --port "$PORT" </dev/null >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "$URL/moto-api/config" 2>/dev/null && break
  sleep 0.1
done
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo-secret
# moto needs the execution role in its IAM first (IAM speaks the query protocol).
python3 - "$URL/" <<'PY'
import sys, urllib.parse, urllib.request
form = {"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "demo-role",
        "AssumeRolePolicyDocument": "{}"}
auth = ("AWS4-HMAC-SHA256 Credential=demo/20240101/us-east-1/iam/aws4_request, "
        "SignedHeaders=host, Signature=0")
request = urllib.request.Request(sys.argv[1], urllib.parse.urlencode(form).encode(),
                                 {"Authorization": auth})
urllib.request.urlopen(request, timeout=10).read()
PY
ZIP=$(python3 -c 'import base64,io,zipfile; b=io.BytesIO(); z=zipfile.ZipFile(b,"w"); z.writestr("index.py","def handler(e, c):\n    return e\n"); z.close(); print(base64.b64encode(b.getvalue()).decode())')
set -x
$LAMBDA --endpoint-url "$URL" create-function --cli-input-json "{\"FunctionName\":\"demo\",\"Runtime\":\"python3.12\",\"Role\":\"arn:aws:iam::123456789012:role/demo-role\",\"Handler\":\"index.handler\",\"Code\":{\"ZipFile\":\"$ZIP\"}}"
$LAMBDA --endpoint-url "$URL" list-functions
$LAMBDA --endpoint-url "$URL" invoke --cli-input-json '{"FunctionName":"demo","Payload":"eyJoZWxsbyI6IndvcmxkIn0="}'
$LAMBDA --endpoint-url "$URL" get-function-configuration --cli-input-json '{"FunctionName":"demo"}'
$LAMBDA --endpoint-url "$URL" delete-function --cli-input-json '{"FunctionName":"demo"}'
