#!/bin/sh
# Builds tools/vectors/gen.c with the system gcc and regenerates the CPU vectors.
#   tools/vectors/build.sh [OUTDIR]     (default: test/vectors)
# Needs an x86-64 Linux host; the output depends only on the CPU it runs on (fixed seeds).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-"$root/test/vectors"}
case "$(uname -m)" in x86_64) ;; *) echo "build.sh: needs an x86-64 host (this is $(uname -m))" >&2; exit 1 ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpvh-vectors.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
${CC:-gcc} -std=gnu11 -O1 -Wall -Wextra -o "$tmp/gen" "$here/gen.c" "$here/native.c"
mkdir -p "$out"
"$tmp/gen" "$out"
