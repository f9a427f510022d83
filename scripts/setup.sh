#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for skerry: the host packages it uses, the npm
# dependencies (which build the native addon), and the bundle. Safe to run again: it only
# does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# nftables: Services and NetworkPolicy; iproute2: links and namespaces; busybox-static: the
# example and test images; python3, make, g++: node-gyp builds the native addon; crun and
# runc: the runtimes skerry's own is compared with (parity tests, bench); procps: ps;
# docker-registry: a real registry for pull tests and the bench; skopeo: a real client
# that pushes to registries (and to skerry's) and the pull bench's peer; mosquitto and
# mosquitto-clients: the external broker the sync tests run against (and mosquitto_passwd);
# containernetworking-plugins: the reference CNI plugins the pod network is tested against;
# conntrack: removing connections a narrowed NetworkPolicy no longer allows; iperf3: the
# network bench; e2fsprogs and util-linux (mkfs.ext4, resize2fs, e2fsck; losetup, mount,
# fallocate): local persistent volumes; user-mode-linux: a 6.1 kernel with ext4 quotas (and its
# quota_v2 and loop modules), in which storage/volumes/quota-uml.test.ts runs the project-quota
# tests when the host kernel cannot (built without CONFIG_QFMT_V2); it uses busybox-static's
# insmod and poweroff inside UML, and util-linux's unshare and setpriv to run it.
APT_PACKAGES=(nftables iproute2 busybox-static python3 make g++ crun runc procps docker-registry skopeo mosquitto mosquitto-clients containernetworking-plugins conntrack iperf3 e2fsprogs util-linux user-mode-linux)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: installing Debian packages needs root (sudo bash scripts/setup.sh)" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# kubectl 1.20 for the API tests: Debian's kubernetes-client cannot be installed beside the
# machine's kubectl, so its package is downloaded and unpacked into .cache/ instead.
KUBECTL_120=.cache/kubectl-1.20/usr/bin/kubectl
if [ ! -x "$KUBECTL_120" ] && [ "$(id -u)" -eq 0 ]; then
  echo "setup: fetching kubectl 1.20 (Debian kubernetes-client) into .cache/" >&2
  rm -rf .cache/kubectl-1.20 && mkdir -p .cache/kubectl-1.20
  ( cd .cache/kubectl-1.20 && { apt-get download -q kubernetes-client >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get download -q kubernetes-client >/dev/null; }; } \
    && dpkg-deb -x kubernetes-client_*.deb . && rm -f kubernetes-client_*.deb ) \
    || echo "setup: could not fetch kubernetes-client; the kubectl 1.20 tests will be skipped" >&2
fi

# npm ci when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund
elif [ ! -f native/build/Release/skerry.node ]; then
  echo "setup: building the native addon" >&2
  npm run --silent install
fi

node scripts/build.mjs
