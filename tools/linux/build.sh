#!/bin/sh
# The Linux guest recipe: builds an x86_64 PVH `vmlinux` from Debian's
# linux-source-6.1 with the kernel config fragment tools/linux/xpvh.config, and
# a busybox initramfs (tools/linux/init as /init), outside the clone:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/xpvh/
#     linux-src/<pkg version>/linux-source-6.1/  the kernel tree, extracted once
#     linux-build/                                 the kernel's O= build tree (incremental)
#     linux-<hash>/  the outputs: vmlinux, initramfs.cpio.gz, initramfs.cpio
#                    (the same archive uncompressed), System.map, config
#
# <hash> covers this script, xpvh.config, init and the installed versions of
# linux-source-6.1 and busybox-static, so a second run with the same inputs
# finds the outputs and returns at once; a build with new inputs removes the
# older linux-<hash> directories. Everything else goes to stderr; the last two
# lines on stdout are always
#
#   vmlinux=<path>
#   initramfs=<path>
#
# Usage: sh tools/linux/build.sh [--print-paths]
#   --print-paths  print the two lines above and exit 0 without installing or
#                  building anything; the files exist only if a build has run
#                  (callers test for them).
# Environment: JOBS (make -j, default 2), XDG_CACHE_HOME.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/xpvh
jobs=${JOBS:-2}
kernel_pkg=linux-source-6.1
kernel_tarball=/usr/src/linux-source-6.1.tar.xz
busybox_pkg=busybox-static
busybox_bin=/bin/busybox
# Every initramfs entry gets this mtime (1970-01-01), so the archive depends
# only on its inputs.
cpio_mtime=0

log() { echo "linux/build.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

pkg_version() {
  dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
    awk '$3 == "installed" { print $4; found = 1 } END { if (!found) print "absent" }'
}

# The cache key: the recipe's own files plus the package versions it builds from.
compute_key() {
  {
    for f in build.sh xpvh.config init; do
      printf '%s ' "$f"
      sha256sum <"$here/$f"
    done
    echo "$kernel_pkg $(pkg_version "$kernel_pkg")"
    echo "$busybox_pkg $(pkg_version "$busybox_pkg")"
  } | sha256sum | cut -c1-16
}

print_paths() {
  echo "vmlinux=$out/vmlinux"
  echo "initramfs=$out/initramfs.cpio.gz"
}

# Install what the recipe needs from Debian, skipping what is present.
install_packages() {
  missing=
  for p in $kernel_pkg $busybox_pkg build-essential bc flex bison libelf-dev \
    libssl-dev cpio xz-utils; do
    [ "$(pkg_version "$p")" = absent ] && missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  [ "$(id -u)" = 0 ] || die "missing packages:$missing (run: sudo apt-get install -y$missing)"
  log "installing$missing"
  # shellcheck disable=SC2086 # a list of package names
  DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >&2
}

# Extract the kernel tree once per package version (atomically, via a rename).
extract_source() {
  src_parent=$cache_root/linux-src/$(pkg_version "$kernel_pkg")
  src=$src_parent/linux-source-6.1
  [ -f "$src/Makefile" ] && return 0
  [ -f "$kernel_tarball" ] || die "$kernel_tarball not found"
  log "extracting $kernel_tarball into $src_parent"
  rm -rf "$src_parent.tmp"
  mkdir -p "$src_parent.tmp"
  nice tar -xJf "$kernel_tarball" -C "$src_parent.tmp"
  rm -rf "$src_parent"
  mv "$src_parent.tmp" "$src_parent"
}

# Fail with the list of fragment lines that the final .config does not honour
# (a symbol whose dependencies are unmet is silently dropped by Kconfig).
check_config() {
  bad=
  for want in $(sed -n -E \
    -e 's/^(CONFIG_[A-Za-z0-9_]+=.*)$/\1/p' \
    -e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1=n/p' "$here/xpvh.config"); do
    sym=${want%%=*}
    got=$(sed -n "s/^$sym=//p" "$1")
    [ -n "$got" ] || got=n
    [ "$sym=$got" = "$want" ] || bad="$bad $sym(want ${want#*=}, got $got)"
  done
  if [ -n "$bad" ]; then
    log "the final .config does not match xpvh.config:"
    for b in $bad; do log "  $b"; done
    die "fix the dependencies in tools/linux/xpvh.config"
  fi
}

build_kernel() {
  build=$cache_root/linux-build
  mkdir -p "$build"
  kmake() {
    nice make -C "$src" O="$build" ARCH=x86_64 \
      KBUILD_BUILD_USER=xpvh KBUILD_BUILD_HOST=xpvh \
      KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 1970' KBUILD_BUILD_VERSION=1 "$@"
  }
  log "configuring (tinyconfig + xpvh.config + olddefconfig)"
  kmake -s tinyconfig >&2
  "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
    "$here/xpvh.config" >/dev/null
  kmake -s olddefconfig >&2
  check_config "$build/.config"
  log "building vmlinux with make -j$jobs (about 10 minutes on 2 cores the first time)"
  kmake -j"$jobs" vmlinux >&2
  cp "$build/vmlinux" "$tmp_out/vmlinux"
  cp "$build/System.map" "$tmp_out/System.map"
  cp "$build/.config" "$tmp_out/config"
}

# The initramfs, packed by the kernel's own gen_init_cpio from a file list, so
# that it needs no root (device nodes), has a fixed owner and mtime, and lists
# its entries in a fixed order.
build_initramfs() {
  work=$tmp_out/initramfs.work
  mkdir -p "$work"
  cc -O2 -o "$work/gen_init_cpio" "$src/usr/gen_init_cpio.c"
  # Regular files take their mtime from the file itself.
  cp "$here/init" "$work/init"
  cp "$busybox_bin" "$work/busybox"
  touch -h -d "@$cpio_mtime" "$work/init" "$work/busybox"
  {
    for d in /bin /dev /etc /mnt /proc /root /run /sbin /sys /tmp /usr /usr/bin /usr/sbin; do
      case $d in
        /tmp) echo "dir $d 1777 0 0" ;;
        /root) echo "dir $d 0700 0 0" ;;
        *) echo "dir $d 0755 0 0" ;;
      esac
    done
    # The kernel opens /dev/console for /init before anything mounts devtmpfs.
    echo "nod /dev/console 0600 0 0 c 5 1"
    echo "file /init $work/init 0755 0 0"
    echo "file /bin/busybox $work/busybox 0755 0 0"
    # What `busybox --install -s` would make, without running it on a tree.
    "$busybox_bin" --list-full | LC_ALL=C sort | while read -r applet; do
      [ "$applet" = bin/busybox ] || echo "slink /$applet /bin/busybox 0777 0 0"
    done
  } >"$work/list"
  "$work/gen_init_cpio" -t "$cpio_mtime" "$work/list" >"$tmp_out/initramfs.cpio"
  # The kernel accepts either; the uncompressed one saves the guest ~40 million
  # instructions of inflate, the gzip one ~1 MiB of image.
  gzip -n -9 <"$tmp_out/initramfs.cpio" >"$tmp_out/initramfs.cpio.gz"
  rm -rf "$work"
}

case ${1-} in
  --print-paths)
    out=$cache_root/linux-$(compute_key)
    print_paths
    exit 0
    ;;
  '') ;;
  *) die "usage: $0 [--print-paths]" ;;
esac

install_packages
out=$cache_root/linux-$(compute_key)
if [ -f "$out/vmlinux" ] && [ -f "$out/initramfs.cpio.gz" ]; then
  log "cached in $out"
  print_paths
  exit 0
fi

mkdir -p "$cache_root"
# One build at a time: the O= tree is shared between keys.
exec 9>"$cache_root/linux.lock"
flock 9
if [ -f "$out/vmlinux" ] && [ -f "$out/initramfs.cpio.gz" ]; then
  log "built meanwhile by another run: $out"
  print_paths
  exit 0
fi
started=$(date +%s)
extract_source
tmp_out=$out.tmp.$$
rm -rf "$tmp_out"
mkdir -p "$tmp_out"
trap 'rm -rf "$tmp_out"' EXIT
build_initramfs
build_kernel
rm -rf "$out"
mv "$tmp_out" "$out"
trap - EXIT
# Older outputs are stale (the O= tree has moved on), and one linux-* left
# keeps `~/.cache/xpvh/linux-*/vmlinux` meaningful.
for old in "$cache_root"/linux-????????????????; do
  [ "$old" = "$out" ] || [ ! -d "$old" ] || rm -rf "$old"
done
log "built in $(($(date +%s) - started)) s: $out"
print_paths
