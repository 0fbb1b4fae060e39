// Builds the browser page into build/web/: the bundled page and worker, core.wasm,
// xterm's stylesheet and the project's guest images. Serve the folder statically.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const out = "build/web";
mkdirSync(out + "/guests", { recursive: true });
// iced-x86 (crash disassembly) is Node-only: the page reports crashes without it.
const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning", external: ["iced-x86"] };
await build({ ...common, entryPoints: ["web/main.ts"], outfile: out + "/main.js", platform: "browser" });
await build({ ...common, entryPoints: ["web/worker.ts"], outfile: out + "/worker.js", platform: "browser" });
copyFileSync("web/index.html", out + "/index.html");
copyFileSync("build/core.wasm", out + "/core.wasm");
copyFileSync("node_modules/@xterm/xterm/css/xterm.css", out + "/xterm.css");
for (const g of ["hello.elf", "hello64.elf"]) copyFileSync("test/guests/" + g, out + "/guests/" + g);

// The guest list the page offers; Linux joins it when tools/linux/build.sh has built it.
const guests = [
  { id: "hello", label: "hello (32-bit)", kernel: "guests/hello.elf", cmdline: "", memoryMiB: 32 },
  { id: "hello64", label: "hello64 (long mode)", kernel: "guests/hello64.elf", cmdline: "", memoryMiB: 32 },
];
try {
  const paths = execFileSync("sh", ["tools/linux/build.sh", "--print-paths"], { encoding: "utf8" });
  const get = (k) => paths.split("\n").find((l) => l.startsWith(k + "="))?.slice(k.length + 1);
  const vmlinux = get("vmlinux"), initramfs = get("initramfs");
  if (vmlinux && initramfs && existsSync(vmlinux) && existsSync(initramfs)) {
    mkdirSync(out + "/linux", { recursive: true });
    copyFileSync(vmlinux, out + "/linux/vmlinux");
    copyFileSync(initramfs, out + "/linux/initramfs.cpio.gz");
    guests.push({ id: "linux", label: "Linux 6.1 + busybox", kernel: "linux/vmlinux", initrd: "linux/initramfs.cpio.gz", cmdline: "console=hvc0", memoryMiB: 128 });
  }
} catch {
  // no recipe output: the page offers the small guests only
}
writeFileSync(out + "/guests.json", JSON.stringify(guests, null, 2));
console.log("web page in " + out + "/");
