// The Linux guest: a kernel built from Debian's linux-source by tools/linux/build.sh
// (cached after the first build) boots as a PVH guest to a busybox shell on the
// Xen console, with an ext2 disk on virtio-blk, and is driven like a user would.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session } from "./session.ts";

function guestPaths(): { vmlinux: string; initramfs: string } {
  // Builds on the first run (about 10 minutes on 2 cores), instant afterwards.
  const out = execFileSync("sh", ["tools/linux/build.sh"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const lines = out.trim().split("\n");
  const get = (k: string) => lines.find((l) => l.startsWith(k + "="))!.slice(k.length + 1);
  return { vmlinux: get("vmlinux"), initramfs: get("initramfs") };
}

function ext2Image(dir: string): string {
  const tree = join(dir, "tree");
  mkdirSync(tree);
  writeFileSync(join(tree, "hello.txt"), "hello from the disk\n");
  const img = join(dir, "disk.img");
  execFileSync("mke2fs", ["-q", "-F", "-t", "ext2", "-d", tree, img, "8M"]);
  return img;
}

function readFromImage(img: string, path: string): string {
  return execFileSync("debugfs", ["-R", `cat ${path}`, img], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
}

test("Linux boots to a shell on hvc0, uses a virtio disk, and powers off with status 0", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const dir = mkdtempSync(join(tmpdir(), "xpvh-linux-"));
  const img = ext2Image(dir);
  const s = new Session(["-m", "256", "-kernel", vmlinux, "-initrd", initramfs, "-append", "console=hvc0",
    "-drive", `file=${img},if=virtio,format=raw`]);
  try {
    await s.expect("xpvh-linux: init started", 120_000);
    await s.expect("# ", 60_000);
    const uname = await s.run("uname -a");
    assert.match(uname, /Linux .* 6\.1\.\d+ .* x86_64/);
    const cpu = await s.run("cat /proc/cpuinfo");
    assert.match(cpu, "model name\t: xpvh virtual x86-64 CPU");
    assert.match(cpu, /flags\t\t:.* hypervisor/);
    const dmesg = await s.run("dmesg | grep -i xen");
    assert.match(dmesg, "Booting kernel on Xen PVH");
    assert.match(dmesg, "Xen version: 4.17.0-xpvh");
    assert.match(dmesg, "xen:events: Using 2-level ABI");
    assert.match(dmesg, "Switched to clocksource xen");
    const mount = await s.run("mount /dev/vda /mnt && cat /mnt/hello.txt");
    assert.match(mount, "hello from the disk");
    await s.run("echo written-by-the-guest > /mnt/new.txt");
    await s.run("sync");
    await s.run("umount /mnt");
    s.type("poweroff -f\n");
    const status = await s.exit(60_000);
    assert.match(s.output, "reboot: Power down");
    assert.is(status, 0, s.stderr);
    assert.is(readFromImage(img, "/new.txt"), "written-by-the-guest\n");
  } finally {
    s.kill();
  }
});

test.run();
