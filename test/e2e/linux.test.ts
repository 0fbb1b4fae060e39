// The Linux guest: a kernel built from Debian's linux-source by tools/linux/build.sh
// (cached after the first build) boots as a PVH guest to a busybox shell on the
// Xen console, with an ext2 disk on virtio-blk, and is driven like a user would.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session } from "./session.ts";
import { createMachine } from "../../src/index.ts";

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
  const consoleFile = join(dir, "virtconsole.txt");
  const s = new Session(["-m", "256", "-kernel", vmlinux, "-initrd", initramfs, "-append", "console=hvc0",
    "-drive", `file=${img},if=virtio,format=raw`,
    "-chardev", `file,id=c1,path=${consoleFile}`, "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c1"]);
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
    assert.match(dmesg, "xen:events: Using FIFO-based ABI");
    assert.match(dmesg, "Switched to clocksource xen");
    const mount = await s.run("mount /dev/vda /mnt && cat /mnt/hello.txt");
    assert.match(mount, "hello from the disk");
    await s.run("echo written-by-the-guest > /mnt/new.txt");
    await s.run("sync");
    await s.run("umount /mnt");
    // hvc0 is the Xen console; the virtio console is the next hvc.
    await s.run("echo through-virtio-console > /dev/hvc1");
    s.type("poweroff -f\n");
    const status = await s.exit(60_000);
    assert.match(s.output, "reboot: Power down");
    assert.is(status, 0, s.stderr);
    assert.is(readFromImage(img, "/new.txt"), "written-by-the-guest\n");
    assert.match(readFileSync(consoleFile, "utf8"), /^through-virtio-console\r?\n$/); // the tty may add CR
  } finally {
    s.kill();
  }
});

test("xen.fifo_events=0: Linux stays on the 2-level event-channel ABI and works the same", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const s = new Session(["-m", "128", "-kernel", vmlinux, "-initrd", initramfs, "-append", "console=hvc0 xen.fifo_events=0"]);
  try {
    await s.expect("# ", 120_000);
    const dmesg = await s.run("dmesg | grep xen:events");
    assert.match(dmesg, "xen:events: Using 2-level ABI");
    assert.not.match(dmesg, "FIFO");
    assert.match(await s.run("echo still-here"), "still-here");
    s.type("poweroff -f\n");
    assert.is(await s.exit(60_000), 0);
  } finally {
    s.kill();
  }
});

test("-smp 2: Linux starts its second CPU (INIT/STARTUP, real-mode trampoline), runs on both, and powers off", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const s = new Session(["-smp", "2", "-m", "256", "-kernel", vmlinux, "-initrd", initramfs, "-append", "console=hvc0"]);
  try {
    await s.expect("# ", 180_000);
    assert.match(await s.run("dmesg | grep 'smp: Brought up'"), "smp: Brought up 1 node, 2 CPUs");
    assert.match(await s.run("nproc"), /^2\r?$/m);
    // Work pinned to CPU 1 runs there (field 39 of /proc/self/stat: the CPU it last ran on).
    assert.match(await s.run("taskset -c 1 cut -d' ' -f39 /proc/self/stat"), /^1\r?$/m);
    // Each CPU takes its own Xen timer interrupts and IPIs through event channels.
    const irqs = await s.run("grep -E 'timer1|resched1' /proc/interrupts");
    assert.match(irqs, /xen-percpu\s+-virq\s+timer1/);
    assert.match(irqs, /xen-percpu\s+-ipi\s+resched1/);
    s.type("poweroff\n");
    assert.is(await s.exit(60_000), 0, s.stderr);
  } finally {
    s.kill();
  }
});

test("the same image as a Xen PV disk (xvda, xen-blkfront) and a virtio disk (vda)", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const dir = mkdtempSync(join(tmpdir(), "xpvh-linux-"));
  const img = ext2Image(dir);
  const s = new Session(["-m", "256", "-kernel", vmlinux, "-initrd", initramfs, "-append", "console=hvc0",
    "-drive", `file=${img},if=xen,format=raw`, "-drive", `file=${img},if=virtio,format=raw,readonly=on`]);
  try {
    await s.expect("# ", 120_000);
    const devs = await s.run("ls /dev/xvda /dev/vda; cat /sys/bus/xen/devices/vbd-51712/nodename");
    assert.match(devs, "/dev/xvda");
    assert.match(devs, "/dev/vda");
    assert.match(devs, "device/vbd/51712");
    assert.match(await s.run("mount /dev/xvda /mnt && cat /mnt/hello.txt"), "hello from the disk");
    await s.run("echo through-blkfront > /mnt/pv.txt; sync; umount /mnt");
    s.type("poweroff -f\n");
    assert.is(await s.exit(60_000), 0);
    assert.is(readFromImage(img, "/pv.txt"), "through-blkfront\n");
  } finally {
    s.kill();
  }
});

test("two machines on one network (virtio-net and the default Xen NIC over -netdev socket) ping each other", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = ["-m", "128", "-kernel", vmlinux, "-initrd", initramfs, "-append", "console=hvc0"];
  const a = new Session([...base, "-netdev", `socket,id=n0,listen=127.0.0.1:${port}`, "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01"]);
  await a.expect("# ", 120_000);
  const b = new Session([...base, "-netdev", `socket,id=n0,connect=127.0.0.1:${port}`]);
  try {
    await b.expect("# ", 120_000);
    await a.run("ifconfig eth0 10.0.2.1 netmask 255.255.255.0 up");
    const nic = await b.run("ifconfig eth0 10.0.2.2 netmask 255.255.255.0 up; ls /sys/bus/xen/devices/");
    assert.match(nic, "vif-0");
    const ping = await b.run("ping -c 3 -W 5 10.0.2.1", "# ", 90_000);
    assert.match(ping, /3 packets transmitted, [1-3] packets received/);
    const back = await a.run("ping -c 2 -W 5 10.0.2.2", "# ", 90_000);
    assert.match(back, /2 packets transmitted, [1-2] packets received/);
    a.type("poweroff -f\n");
    b.type("poweroff -f\n");
    assert.is(await a.exit(60_000), 0);
    assert.is(await b.exit(60_000), 0);
  } finally {
    a.kill();
    b.kill();
  }
});

test("reboot restarts the guest; under -no-reboot it ends the process with status 0", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const base = ["-m", "128", "-kernel", vmlinux, "-initrd", initramfs, "-append", "console=hvc0"];
  const s = new Session(base);
  try {
    await s.expect("# ", 120_000);
    s.type("reboot -f\n");
    await s.expect("reboot: machine restart");
    const mark = s.output.length;
    await s.expect("xpvh-linux: init started", 120_000, mark);
    await s.expect("# ", 60_000, mark);
    s.type("poweroff -f\n");
    assert.is(await s.exit(60_000), 0);
  } finally {
    s.kill();
  }
  const n = new Session(["-no-reboot", ...base]);
  try {
    await n.expect("# ", 120_000);
    n.type("reboot -f\n");
    assert.is(await n.exit(60_000), 0);
    assert.match(n.stderr, "guest shut down (reboot)");
  } finally {
    n.kill();
  }
});

test("a guest that touches more RAM than the host allows ends with a clear out-of-memory exit", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const m = await createMachine({
    kernel: readFileSync(vmlinux), kernelName: "vmlinux",
    modules: [{ name: "initramfs", data: readFileSync(initramfs), cmdline: "" }],
    cmdline: "console=hvc0", memoryBytes: 256 << 20, hostRamLimitBytes: 12 << 20,
  });
  const exit = await m.run();
  assert.is(exit.kind, "out-of-memory");
  assert.is(exit.status, 5);
  assert.match(exit.message, "out of host memory for guest RAM");
});

test("the host asks the guest to power off (xenstore control/shutdown) and Linux does", async () => {
  const { vmlinux, initramfs } = guestPaths();
  const m = await createMachine({
    kernel: readFileSync(vmlinux), kernelName: "vmlinux",
    modules: [{ name: "initramfs", data: readFileSync(initramfs), cmdline: "" }],
    cmdline: "console=hvc0", memoryBytes: 128 << 20,
  });
  let out = "";
  let asked = false;
  m.onConsole((b) => {
    out += new TextDecoder().decode(b);
    if (!asked && out.includes("# ")) {
      asked = true;
      m.requestShutdown("poweroff");
    }
  });
  const exit = await m.run();
  assert.ok(asked, "the shell prompt appeared");
  assert.match(out, "reboot: Power down");
  assert.is(exit.kind, "poweroff");
  assert.is(exit.status, 0);
});

test.run();
