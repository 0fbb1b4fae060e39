#!/bin/sh
# Rebuilds the project's PVH test guests, test/guests/*.elf, from their sources
# with the system gcc (as the preprocessor + assembler driver) and GNU ld. The
# images are committed; run this (`npm run guests`) after changing a .S file.
# The output is deterministic: no debug info, no build-id, relative source
# names, objects in a throw-away directory.
set -eu

CC=${CC:-gcc}
LD=${LD:-ld}
cd "$(dirname "$0")/../test/guests"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# build NAME BITS SOURCE...: assemble each source in the given ELF class and
# link them at 1 MiB with guest.ld into NAME.elf. lib/head.S always comes first.
build() {
  name=$1
  bits=$2
  shift 2
  case $bits in
    32) emu=elf_i386 ;;
    64) emu=elf_x86_64 ;;
    *) echo "build_guests.sh: bad class $bits" >&2; exit 1 ;;
  esac
  objs=
  for src in lib/head.S "$@"; do
    obj="$tmp/$name.$(echo "$src" | tr '/.' '__').o"
    "$CC" -m"$bits" -c -nostdinc -I. -Wa,--noexecstack -o "$obj" "$src"
    objs="$objs $obj"
  done
  # shellcheck disable=SC2086 # $objs is a list of paths without spaces
  "$LD" -m "$emu" -T guest.ld -nostdlib --build-id=none -z max-page-size=0x1000 \
    -z noexecstack --no-warn-rwx-segments -o "$name.elf" $objs
  echo "built test/guests/$name.elf"
}

build hello     32 lib/xen32.S hello.S
build exitcode  32 lib/xen32.S exitcode.S
build port_e9   32 lib/xen32.S port_e9.S
build halt_dead 32 lib/xen32.S halt_dead.S
build xen_smp   32 lib/xen32.S xen_smp.S
build hello64   64 lib/long_mode.S lib/xen64.S hello64.S
build nullcall  64 lib/long_mode.S lib/xen64.S nullcall.S

# CPU benchmark guests (bench/cpu.ts): 32-bit, so that peers without long mode
# (v86) run the same images through their multiboot header.
build bench_alu    32 lib/xen32.S bench_lib.S bench_alu.S
build bench_mem    32 lib/xen32.S bench_lib.S bench_mem.S
build bench_paged  32 lib/xen32.S bench_lib.S bench_paged.S
build bench_call   32 lib/xen32.S bench_lib.S bench_call.S
build bench_string 32 lib/xen32.S bench_lib.S bench_string.S

# CPU test guests (test/unit/cpu_guests.test.ts): self-checking, one PASS/FAIL
# line per check. Without Xen they print on port 0xE9 and exit through
# isa-debug-exit, so QEMU can run them as an oracle (lib/cpu_test.S).
build cpu_pf    64 lib/long_mode.S lib/xen64.S lib/cpu_test.S cpu_pf.S
build cpu_exc   64 lib/long_mode.S lib/xen64.S lib/cpu_test.S cpu_exc.S
build cpu_ring3 64 lib/long_mode.S lib/xen64.S lib/cpu_test.S cpu_ring3.S

# Device test guests (test/unit/virtio_guests.test.ts): PCI enumeration through
# ECAM and a virtio-blk driver with MSI-X. Without Xen they also run on QEMU
# microvm,pcie=on (same ECAM and MMIO window as xenpvh's defaults).
build pci_enum   64 lib/long_mode.S lib/xen64.S lib/cpu_test.S pci_lib.S pci_enum.S
build virtio_blk 64 lib/long_mode.S lib/xen64.S lib/cpu_test.S pci_lib.S virtio_blk.S
build virtio_net 64 lib/long_mode.S lib/xen64.S lib/cpu_test.S pci_lib.S virtio_net.S

# Device benchmark guests (bench/devices.ts): virtio-blk throughput and IOPS,
# virtio-net packets per second between two machines, measured by the guest.
build bench_blk  64 lib/long_mode.S lib/xen64.S lib/cpu_test.S pci_lib.S bench_blk.S
build bench_net  64 lib/long_mode.S lib/xen64.S lib/cpu_test.S pci_lib.S bench_net.S

# Xen ABI test guests (test/unit/xen_guests.test.ts): event channels, timers,
# xenstore, grant tables and the console through real hypercalls, one PASS/FAIL
# line per check (lib/xen_test.S on top of lib/cpu_test.S).
XEN_TEST="lib/long_mode.S lib/xen64.S lib/cpu_test.S lib/xen_test.S"
build xen_evtchn   64 $XEN_TEST xen_evtchn.S
build xen_evtchn_fifo 64 $XEN_TEST xen_evtchn_fifo.S
build xen_timer    64 $XEN_TEST xen_timer.S
build xen_xenstore 64 $XEN_TEST lib/xs_client.S xen_xenstore.S
build xen_gnttab   64 $XEN_TEST lib/xs_client.S xen_gnttab.S
build xen_console  64 $XEN_TEST xen_console.S
build xen_errors   64 $XEN_TEST xen_errors.S

# Xen path benchmark guests (bench/hypercall.ts): send -> upcall latency, grant
# copy throughput, xenstore READ round trips.
build bench_xen_evtchn  64 $XEN_TEST bench_xen_evtchn.S
build bench_xen_gntcopy 64 $XEN_TEST bench_xen_gntcopy.S
build bench_xen_xsread  64 $XEN_TEST lib/xs_client.S bench_xen_xsread.S
