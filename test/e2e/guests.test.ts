// The project's own PVH guests booted through the CLI: what they print and how
// the process ends.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli } from "./run_cli.ts";

test("npx xpvh with no arguments boots the default guest and exits 0", () => {
  const r = runCli([]);
  assert.match(r.stdout, "xpvh: hello from a PVH guest\n");
  assert.match(r.stdout, /Xen 4\.17\.0-xpvh\nPASS\n/);
  assert.is(r.status, 0, r.stderr);
});

test("the Xen version comes from --accel xen-version", () => {
  const r = runCli(["--accel", "kvm,xen-version=0x4000a,kernel-irqchip=split", "-kernel", "test/guests/hello.elf"]);
  assert.match(r.stdout, "Xen 4.10");
  assert.is(r.status, 0);
});

test("hello64 enters long mode and calls Xen through the page and a direct vmcall", () => {
  const r = runCli(["-kernel", "test/guests/hello64.elf"]);
  assert.match(r.stdout, "hello from a PVH guest (64-bit)");
  assert.match(r.stdout, "direct vmcall: Xen 4.17");
  assert.match(r.stdout, "long mode: ok\nPASS\n");
  assert.is(r.status, 0);
});

test("a guest crash (SCHEDOP_shutdown crash) ends with status 1", () => {
  const r = runCli(["-kernel", "test/guests/exitcode.elf"]);
  assert.match(r.stdout, "shutting down with reason crash");
  assert.is(r.status, 1);
  assert.match(r.stderr, "guest shut down (crash)");
});

test("port 0xE9 writes reach the console", () => {
  const r = runCli(["-kernel", "test/guests/port_e9.elf"]);
  assert.match(r.stdout, "hello via port 0xE9");
  assert.is(r.status, 0);
});

test("a guest halted with interrupts off is reported dead with its RIP, not left hanging", () => {
  const r = runCli(["-kernel", "test/guests/halt_dead.elf"], { timeoutMs: 20_000 });
  assert.is(r.status, 4);
  assert.match(r.stderr, /halted with interrupts disabled at rip=0x[0-9a-f]+/);
  assert.is(r.stderr.split("\n")[0].startsWith("xpvh: guest halted"), true);
});

test("-smp 2: the machine ends (status 4) only when no vCPU can run again; the dump shows each vCPU", () => {
  const r = runCli(["-smp", "2", "-kernel", "test/guests/halt_dead.elf"], { timeoutMs: 20_000 });
  assert.is(r.status, 4, r.stderr);
  assert.match(r.stderr, /^xpvh: every vCPU that was up halted with interrupts disabled \(last at rip=0x[0-9a-f]+/);
  assert.match(r.stderr, /^vCPU 0 \(dead\):\nrax=/m);
  assert.match(r.stderr, /^vCPU 1 \(offline\)$/m);
});

test("-m 4096 (2 GiB low + 2 GiB high, lazily backed) boots", () => {
  const r = runCli(["-m", "4096", "-kernel", "test/guests/hello64.elf"]);
  assert.match(r.stdout, "PASS");
  assert.is(r.status, 0, r.stderr);
});

test("the seed's xenpvh command line boots a test guest", () => {
  const seed =
    "-xen-domid 3 -no-shutdown -nodefaults -no-user-config -xen-attach -name g0 -vnc none -display none " +
    "-device virtio-net-pci,id=nic0,netdev=net0,mac=00:16:3e:5c:81:78 " +
    "-netdev type=tap,id=net0,ifname=vif3.0-emu,br=xenbr0,script=no,downscript=no -smp 4,maxcpus=4 -nographic " +
    "-machine xenpvh,ram-low-base=0,ram-low-size=2147483648,ram-high-base=4294967296,ram-high-size=2147483648," +
    "pci-ecam-base=824633720832,pci-ecam-size=268435456,pci-mmio-base=4026531840,pci-mmio-size=33554432," +
    "pci-mmio-high-base=824902156288,pci-mmio-high-size=68719476736 -m 4096";
  // -no-shutdown would keep the process alive: drop it for the test.
  const args = seed.split(" ").filter((a) => a !== "-no-shutdown");
  const r = runCli([...args, "-kernel", "test/guests/hello.elf"]);
  assert.match(r.stdout, "PASS");
  assert.is(r.status, 0, r.stderr);
});

test("nullcall loops on xen_version as often as its command line says", () => {
  const r = runCli(["-kernel", "test/guests/nullcall.elf", "-append", "count=5000"]);
  assert.match(r.stdout, "xen_version x 5000");
  assert.match(r.stdout, "done");
  assert.is(r.status, 0);
});

test.run();
