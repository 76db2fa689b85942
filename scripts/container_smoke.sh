#!/usr/bin/env bash
# Builds the container image (Dockerfile) and checks it as a user would run it: healthy by its
# own HEALTHCHECK, boto3 against the published port, an item that survives `docker kill` and a
# new container on the same volume. Needs a Docker engine; scripts/test runs it when one is there.
#   scripts/container_smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tag=dynolab:smoke
name=dynolab-smoke-$$
volume=dynolab-smoke-$$
port=${SMOKE_PORT:-18000}
docker build -t "$tag" .
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; docker volume rm "$volume" >/dev/null 2>&1 || true; }
trap cleanup EXIT
run() { docker run -d --name "$name" -p "127.0.0.1:$port:8000" -v "$volume:/data" "$tag" >/dev/null; }
wait_healthy() {
  for _ in $(seq 1 60); do
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$name")" = healthy ] && return 0
    sleep 1
  done
  docker logs "$name" >&2
  echo "container_smoke: the container never became healthy" >&2
  return 1
}
run && wait_healthy
py=${PYTHON:-.venv/bin/python}
"$py" - "$port" write <<'PY'
import sys, boto3
c = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                 aws_access_key_id="local", aws_secret_access_key="local")
c.create_table(TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
c.put_item(TableName="orders", Item={"pk": {"S": "USER#premium"}})
PY
docker kill "$name" >/dev/null && docker rm "$name" >/dev/null
run && wait_healthy
"$py" - "$port" <<'PY'
import sys, boto3
c = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                 aws_access_key_id="local", aws_secret_access_key="local")
assert c.get_item(TableName="orders", Key={"pk": {"S": "USER#premium"}})["Item"] == {"pk": {"S": "USER#premium"}}
PY
[ "$(docker inspect -f '{{.Config.User}}' "$tag")" = 65532:65532 ]
echo "container_smoke: image $tag is healthy, serves boto3 and keeps its data across containers ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
