#!/bin/sh
# Debian's own cloud kernel as a PVH guest: downloads the image package that
# linux-image-cloud-amd64 depends on (apt-get download, no install), extracts
# its bzImage, turns it into an ELF vmlinux with the kernel's
# scripts/extract-vmlinux, and checks that the ELF carries the Xen PVH entry
# note (XEN_ELFNOTE_PHYS32_ENTRY, type 18). Outputs, outside the clone:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/xpvh/debian-kernel-<version>/
#     vmlinux     the ELF kernel         config   the kernel's .config
#     release     `uname -r` of the kernel
#     System.map  its symbols: the .deb's System.map is a stub (the real one is in
#                 the -dbg package, ~1 GB), so the kernel is booted once on QEMU
#                 (TCG, microvm, ~20 s) with the project's initramfs and its
#                 /proc/kallsyms is kept. A PVH boot does no KASLR of the kernel
#                 image, so the addresses are those xpvh's `-d int` prints. Left
#                 as the stub when QEMU or tools/linux/build.sh's initramfs is absent.
#
# The rest of the package (the modules) is not kept: the guest boots without them.
# <version> is the image package's version (e.g. 6.1.192-2); a second run with
# the same candidate version returns at once. The last lines printed are
#
#   vmlinux=<path>
#   system_map=<path>   (symbols, see above)
#   release=<uname -r>
#
# Usage: tools/linux/debian_kernel.sh
# Exit status 2: the package could not be found or downloaded (no registry).
# Environment: XDG_CACHE_HOME, DEBIAN_KERNEL_META (default linux-image-cloud-amd64).
set -eu

cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/xpvh
meta=${DEBIAN_KERNEL_META:-linux-image-cloud-amd64}
source_tarball=/usr/src/linux-source-6.1.tar.xz

log() { echo "linux/debian_kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
unavailable() { log "unavailable: $*"; exit 2; }

# The image package the metapackage depends on, and its candidate version.
image_package() {
  apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1
}
pkg=$(image_package)
if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
  log "apt-cache does not know $meta: running apt-get update"
  apt-get update >&2 || true
  pkg=$(image_package)
fi
[ -n "$pkg" ] || unavailable "$meta is not in the package lists (apt-get update?)"
version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] || unavailable "no candidate version of $pkg"

out=$cache_root/debian-kernel-$version
print_paths() {
  echo "vmlinux=$out/vmlinux"
  echo "system_map=$out/System.map"
  echo "release=$(cat "$out/release")"
}

# kallsyms VMLINUX OUT: /proc/kallsyms of VMLINUX booted on QEMU into OUT (see above).
kallsyms() {
  command -v qemu-system-x86_64 >/dev/null || { log "no qemu-system-x86_64: System.map stays the stub"; return 0; }
  initramfs=$(sh "$(dirname "$0")/build.sh" --print-paths | sed -n 's/^initramfs=//p')
  [ -f "$initramfs" ] || { log "no initramfs yet (tools/linux/build.sh): System.map stays the stub"; return 0; }
  # microvm has no HPET or PM timer; the TSC rate comes from the host (TCG's TSC is the host's).
  khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
  log "booting it on QEMU once for /proc/kallsyms"
  tmp_syms=$(mktemp)
  timeout 300 qemu-system-x86_64 -M microvm -nodefaults -no-user-config -nographic -serial stdio \
    -m 512 -kernel "$1" -initrd "$initramfs" \
    -append "console=ttyS0 quiet ${khz:+tsc_early_khz=$khz} xpvh_run=\"cat /proc/kallsyms\"" \
    </dev/null 2>/dev/null | tr -d '\r' | grep -E '^[0-9a-f]{16} [A-Za-z] ' >"$tmp_syms" || true
  if grep -q ' T start_kernel$' "$tmp_syms"; then
    sort "$tmp_syms" >"$2"
  else
    log "QEMU gave no /proc/kallsyms: System.map stays the stub"
  fi
  rm -f "$tmp_syms"
}

if [ -f "$out/vmlinux" ] && [ -f "$out/release" ]; then
  # A stub System.map (QEMU or the initramfs was missing then) is retried.
  if [ "$(wc -l <"$out/System.map")" -lt 1000 ]; then kallsyms "$out/vmlinux" "$out/System.map"; fi
  log "cached in $out"
  print_paths
  exit 0
fi

# The tools the decompression needs (Debian's kernels are xz-compressed, the
# script tries every format and needs each tool it tries to be present).
for t in dpkg-deb readelf xz; do
  command -v "$t" >/dev/null || die "$t not found (apt-get install -y binutils xz-utils dpkg)"
done

mkdir -p "$cache_root"
tmp=$out.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/deb"
trap 'rm -rf "$tmp"' EXIT

log "downloading $pkg $version"
# apt-get download writes into the current directory.
(cd "$tmp" && apt-get download "$pkg=$version" >&2) || unavailable "apt-get download $pkg=$version failed"
dpkg-deb -x "$tmp"/*.deb "$tmp/deb"
rm -f "$tmp"/*.deb

vmlinuz=$(ls "$tmp"/deb/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $pkg"
release=${vmlinuz##*/vmlinuz-}

# scripts/extract-vmlinux from the kernel tree tools/linux/build.sh extracted,
# or straight from the linux-source tarball if that tree is not there.
extract=$(ls "$cache_root"/linux-src/*/linux-source-6.1/scripts/extract-vmlinux 2>/dev/null | head -n 1 || true)
if [ -z "$extract" ]; then
  [ -f "$source_tarball" ] || die "no scripts/extract-vmlinux: run tools/linux/build.sh first (needs linux-source-6.1)"
  log "taking scripts/extract-vmlinux from $source_tarball"
  tar -xJf "$source_tarball" -C "$tmp" linux-source-6.1/scripts/extract-vmlinux
  extract=$tmp/linux-source-6.1/scripts/extract-vmlinux
fi
log "extracting the ELF from $vmlinuz"
sh "$extract" "$vmlinuz" >"$tmp/vmlinux" || die "extract-vmlinux failed on $vmlinuz"

# The PVH entry point note: readelf names it Xen's type 0x12 (PHYS32_ENTRY).
if ! readelf -n "$tmp/vmlinux" | grep -Eq '^ *Xen .*(\(0x00000012\)|PHYS32_ENTRY)'; then
  die "$release has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): not a PVH kernel"
fi

cp "$tmp"/deb/boot/System.map-"$release" "$tmp/System.map"
kallsyms "$tmp/vmlinux" "$tmp/System.map"
cp "$tmp"/deb/boot/config-"$release" "$tmp/config"
echo "$release" >"$tmp/release"
grep -q '^CONFIG_HVC_XEN=y' "$tmp/config" || log "warning: CONFIG_HVC_XEN is not built in: no console on hvc0"
rm -rf "$tmp/deb" "$tmp/linux-source-6.1"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
log "ready in $out"
print_paths
