#!/usr/bin/env bash
# `npm start`: set up what is missing, then run a single-node skerry in the foreground — the
# server and its own agent — with the example workload (examples/hello.yaml) applied.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DATA_DIR="${SKERRY_DATA_DIR:-/var/lib/skerry/server}"
skerry() { node dist/skerry.js "$@"; }

# The example image, built from Debian's busybox-static and staged on the server's own node
# (its agent's data dir), so nothing is pulled from the internet.
if ! skerry images ls --data-dir "$DATA_DIR/agent" -o json 2>/dev/null | grep -q 'docker.io/library/busybox:latest'; then
  build_dir=$(bash scripts/images/busybox-rootfs.sh)
  skerry images build --data-dir "$DATA_DIR/agent" -t busybox:latest "$build_dir" >&2
  rm -rf "$build_dir"
fi

echo "start: skerry server --data-dir $DATA_DIR (Ctrl-C stops it)" >&2
skerry server --data-dir "$DATA_DIR" "$@" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null; wait "$server"' INT TERM

for _ in $(seq 1 100); do
  skerry get namespaces --data-dir "$DATA_DIR" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 0.2
done
skerry apply --data-dir "$DATA_DIR" -f examples/hello.yaml >&2 || echo "start: applying examples/hello.yaml failed; the server keeps running" >&2
cat >&2 <<EOF
start: the cluster is up. In another shell:
  node dist/skerry.js kubeconfig --data-dir $DATA_DIR > ~/.kube/config
  kubectl get nodes,pods -o wide
  kubectl logs deploy/hello
EOF
wait "$server"
