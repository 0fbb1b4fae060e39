#!/bin/sh
# Assembles the real-mode and segmentation test programs (*.S here) into flat
# binaries (*.bin) for test/unit/cpu_realmode.test.ts and cpu_segments.test.ts,
# with GNU as and ld. The binaries are committed; run this after changing a .S.
# Each source names its load address on its first "Linked at" line.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in *.S; do
  name=${src%.S}
  at=$(sed -n 's/.*Linked at \(0x[0-9a-fA-F]*\).*/\1/p' "$src" | head -n 1)
  gcc -c -nostdinc -Wa,--noexecstack -o "$tmp/$name.o" "$src"
  ld -m elf_x86_64 -nostdlib --build-id=none -e start -Ttext="$at" --oformat binary -o "$name.bin" "$tmp/$name.o"
  echo "built test/unit/cpu_modes/$name.bin (at $at)"
done
