#!/usr/bin/env bash
# Prepares the build directory of examples/images/busybox: the Dockerfile next to rootfs/,
# a minimal root filesystem from Debian's busybox-static (/bin/busybox): the binary, one
# relative symlink per applet (busybox --list-full), etc/passwd, etc/group, and the usual
# empty directories. Prints the directory, so that
#   skerry images build "$(scripts/images/busybox-rootfs.sh)" -t busybox:latest
# builds the image. Usage: busybox-rootfs.sh [DIR]   (a new temp dir by default)
set -euo pipefail

busybox=${BUSYBOX:-/bin/busybox}
here=$(cd "$(dirname "$0")/../.." && pwd)
if ! "$busybox" --list-full >/dev/null 2>&1; then
  echo "busybox-rootfs.sh: $busybox is not a busybox binary (apt-get install busybox-static)" >&2
  exit 1
fi
if file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
  echo "busybox-rootfs.sh: $busybox is dynamically linked; the image has no libc, install busybox-static" >&2
  exit 1
fi

out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/skerry-busybox-XXXXXX")}
rootfs=$out/rootfs
if [ -e "$rootfs" ]; then
  echo "busybox-rootfs.sh: $rootfs exists already" >&2
  exit 1
fi
mkdir -p "$out"
cp "$here/examples/images/busybox/Dockerfile" "$out/Dockerfile"

# Fixed modes, whatever the umask: the same busybox gives the same image digest.
install -d -m 0755 "$rootfs" "$rootfs"/{bin,sbin,usr,usr/bin,usr/sbin,etc,dev,proc,sys,var,home}
install -d -m 0700 "$rootfs/root"
install -d -m 1777 "$rootfs/tmp"
install -m 0755 "$busybox" "$rootfs/bin/busybox"

# Relative links: they resolve inside the container and also when the unpacked layer is
# looked at from the host.
"$busybox" --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  case $applet in */*) dir=${applet%/*} ;; *) dir=. ;; esac
  [ -d "$rootfs/$dir" ] || mkdir -p "$rootfs/$dir"
  # One ../ per component of the applet's directory, without a subshell per applet.
  up= rest=$dir
  while [ "$dir" != . ]; do up+=../; [[ $rest == */* ]] || break; rest=${rest#*/}; done
  if [ "$dir" = bin ]; then target=busybox; else target=${up}bin/busybox; fi
  ln -s "$target" "$rootfs/$applet"
done

printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' > "$rootfs/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$rootfs/etc/group"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"

echo "$out"
