// Debian's own cloud kernel (linux-image-cloud-amd64, fetched and turned into an
// ELF by tools/linux/debian_kernel.sh) boots as a PVH guest with the project's
// busybox initramfs to a shell on hvc0. Its drivers are modules the initramfs
// does not have; hvc0 (HVC_XEN) is built in. It is a distribution kernel with
// every mitigation, LSM and CPU-feature probe of a real one, so it finds gaps
// that the project's small kernel does not reach. About 1.4 billion guest
// instructions to the prompt (1–2 minutes). Skipped, with the reason printed,
// when the package cannot be downloaded.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { Session } from "./session.ts";

// Exit status 2 is the script's "the package cannot be had"; any other failure is a bug.
function debianKernel(): { vmlinux: string; release: string } | { unavailable: string } {
  const r = spawnSync("sh", ["tools/linux/debian_kernel.sh"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status === 2) return { unavailable: (r.stderr ?? "").trim().split("\n").pop() ?? "exit 2" };
  if (r.status !== 0) throw new Error(`tools/linux/debian_kernel.sh failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const get = (k: string) => r.stdout.split("\n").find((l) => l.startsWith(k + "="))!.slice(k.length + 1);
  return { vmlinux: get("vmlinux"), release: get("release") };
}

function projectInitramfs(): string {
  const out = execFileSync("sh", ["tools/linux/build.sh"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return out.split("\n").find((l) => l.startsWith("initramfs="))!.slice("initramfs=".length);
}

const kernel = debianKernel();
const name = "Debian's cloud kernel boots on two vCPUs to a shell on hvc0 and reports its own release";

if ("unavailable" in kernel) {
  console.log(`debian_kernel.test.ts: skipped: ${kernel.unavailable}`);
  test.skip(name, () => {});
} else {
  test(name, async () => {
    const initramfs = projectInitramfs();
    const s = new Session(["-smp", "2", "-m", "512", "-kernel", kernel.vmlinux, "-initrd", initramfs, "-append", "console=hvc0"]);
    try {
      // 1.4 G instructions at 15–30 MIPS, on a machine others share.
      await s.expect("xpvh-linux: init started", 900_000);
      await s.expect(/xpvh-linux: init started[\s\S]*# /, 120_000);
      const uname = await s.run("uname -r");
      // The echoed command, then the release on a line of its own.
      assert.match(uname, new RegExp(`^${kernel.release.replace(/[.]/g, "\\.")}\r?$`, "m"));
      const boot = await s.run("dmesg | grep -E 'Booting kernel on Xen PVH|Debian|console \\[hvc0\\]'");
      assert.match(boot, "Booting kernel on Xen PVH");
      assert.match(boot, "printk: console [hvc0] enabled");
      assert.match(await s.run("nproc"), /^2\r?$/m);
      s.type("poweroff -f\n");
      assert.is(await s.exit(30_000), 0, s.stderr);
    } finally {
      s.kill();
    }
  });
}

test.run();
