#!/usr/bin/env bash
# The main job, end to end on this machine: start a local Lambda API server (moto, installed
# by scripts/install-test-deps.sh), then drive it with the `lambda` CLI: create a role's
# function from a zip, wait for it, list, invoke, read the configuration, delete. The server
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
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 -c 'import sys, zipfile; z=zipfile.ZipFile(sys.argv[1],"w"); z.writestr("index.py","def handler(e, c):\n    return e\n"); z.close()' "$WORK/fn.zip"
set -x
$LAMBDA --endpoint-url "$URL" create-function --function-name demo --runtime python3.12 \
  --role arn:aws:iam::123456789012:role/demo-role --handler index.handler \
  --zip-file "fileb://$WORK/fn.zip" --environment 'Variables={STAGE=demo}' --tags team=demo
$LAMBDA --endpoint-url "$URL" wait function-active-v2 --function-name demo
$LAMBDA --endpoint-url "$URL" list-functions --query 'Functions[].FunctionName'
$LAMBDA --endpoint-url "$URL" invoke --function-name demo --cli-binary-format raw-in-base64-out \
  --payload '{"hello":"world"}' "$WORK/out.json"
cat "$WORK/out.json"; echo
$LAMBDA --endpoint-url "$URL" get-function-configuration --function-name demo --output table \
  --query '{Name: FunctionName, Runtime: Runtime, Memory: MemorySize, State: State}'
$LAMBDA --endpoint-url "$URL" delete-function --function-name demo
