#!/usr/bin/env bash
# What a loop-mounted ext4 image costs on fsync here, and what no option of it wins back
# (ADR 012, "fsync rate"). Usage: scripts/volumes-loop-fsync.sh [DIR] (default /var/tmp).
# Each configuration: a 600 MiB fallocated image, its own loop device, 256 MiB written
# first (as the volumes bench does), then 3 runs of 4 KiB pwrite + fsync for 2 s.
# Needs root, gcc, losetup, mkfs.ext4. Removes every image, mount and loop device it made.
set -euo pipefail
base=$(mktemp -d "${1:-/var/tmp}/skerry-loop-fsync-XXXXXX")
dev=""
cleanup() {
  mountpoint -q "$base/mnt" && umount "$base/mnt"
  [ -n "$dev" ] && losetup -d "$dev" 2>/dev/null
  rm -rf "$base"
}
trap cleanup EXIT
gcc -O2 -static -o "$base/vio" "$(dirname "$0")/bench/volumes-io.c"
mkdir -p "$base/host" "$base/mnt"
rate() { "$base/vio" "$1" 1 | sed 's/.*"fsyncPerSec":\([0-9.]*\).*/\1/'; }
runs() { local r=""; for _ in 1 2 3; do r="$r $(rate "$1")"; done; echo "$r"; }
echo "host directory:$(runs "$base/host")"
try() { # label, losetup flags, mkfs flags, mount options
  fallocate -l 600M "$base/img"
  mkfs.ext4 -q -F -b 4096 $3 "$base/img"
  dev=$(losetup --find --show $2 "$base/img")
  mount ${4:+-o "$4"} "$dev" "$base/mnt"
  "$base/vio" "$base/mnt" 256 >/dev/null
  echo "$1:$(runs "$base/mnt")"
  umount "$base/mnt"; losetup -d "$dev"; dev=""; rm -f "$base/img"
}
try "loop, direct I/O (what skerry uses)" "--direct-io=on" "" ""
try "loop, buffered" "" "" ""
try "loop, direct I/O, 4 KiB sectors" "--direct-io=on --sector-size 4096" "" ""
try "loop, direct I/O, no journal" "--direct-io=on" "-O ^has_journal" ""
try "loop, direct I/O, fast_commit" "--direct-io=on" "-O fast_commit" ""
try "loop, direct I/O, data=writeback + journal_async_commit" "--direct-io=on" "" "data=writeback,journal_async_commit"
try "loop, direct I/O, barriers off (NOT durable: the loop path's ceiling)" "--direct-io=on" "" "nobarrier"
echo "host directory:$(runs "$base/host")"
