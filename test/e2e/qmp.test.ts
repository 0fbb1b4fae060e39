// The monitor from the outside: `node dist/cli.js` with the seed's
// `-chardev socket,...,server=on,wait=off -mon chardev=...,mode=control -no-shutdown`,
// driven by a QMP client over the Unix socket the way libxl does: greeting,
// qmp_capabilities, queries, stop/cont, the guest's own shutdown, quit and the exit
// status. Also: a server that waits for its client (no wait=off), the human monitor
// over TCP, QMP on stdio, and the Linux guest answering system_powerdown through
// xenstore control/shutdown and taking a hot-plugged xen-disk.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session } from "./session.ts";

/** The CLI as a child process. */
class Xpvh {
  proc: ChildProcessWithoutNullStreams;
  stdout = "";
  stderr = "";
  exited: Promise<number | null>;
  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ["dist/cli.js", ...args]);
    this.proc.stdout.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.proc.on("exit", (code) => r(code)));
  }
  async exit(ms = 20_000): Promise<number | null> {
    return Promise.race([this.exited, new Promise<null>((_, rej) => setTimeout(() => rej(new Error(`xpvh did not exit; stderr:\n${this.stderr}`)), ms))]);
  }
  kill(): void {
    this.proc.kill("SIGKILL");
  }
}

type Msg = Record<string, any>;

/** A QMP client over a byte stream (a socket, or the child's stdin/stdout). */
class QmpClient {
  private buf = "";
  readonly messages: Msg[] = [];
  private waiters: (() => void)[] = [];
  private seen = 0;
  private nextId = 1;

  constructor(private readonly write: (s: string) => void) {}

  feed(d: Buffer | string): void {
    this.buf += d.toString();
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.messages.push(JSON.parse(line));
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first message (from the last one taken on) that matches. */
  async next(match: (m: Msg) => boolean, what: string, ms = 20_000): Promise<Msg> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (let i = this.seen; i < this.messages.length; i++)
        if (match(this.messages[i])) {
          this.seen = i + 1;
          return this.messages[i];
        }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what}; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  greeting(): Promise<Msg> {
    return this.next((m) => "QMP" in m, "greeting");
  }

  event(name: string, ms?: number): Promise<Msg> {
    return this.next((m) => m.event === name, `${name} event`, ms);
  }

  /** Executes a command; its answer (return or error). */
  async exec(execute: string, args?: object): Promise<Msg> {
    const id = this.nextId++;
    this.write(JSON.stringify({ execute, ...(args ? { arguments: args } : {}), id }) + "\n");
    const from = this.seen;
    const r = await this.next((m) => m.id === id, `answer to ${execute}`);
    this.seen = from; // events that came before the answer stay readable
    return r;
  }
}

async function connectUnix(path: string, ms = 20_000): Promise<{ socket: net.Socket; qmp: QmpClient }> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(path);
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
      const qmp = new QmpClient((t) => socket.write(t));
      socket.on("data", (d) => qmp.feed(d));
      return { socket, qmp };
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "xpvh-qmp-"));
}

const LONG_GUEST = ["-kernel", "test/guests/nullcall.elf", "-append", "count=1000000000"];

test("the seed's QMP socket: greeting, capabilities, query-status, stop/cont, quit → status 0 (-no-shutdown)", async () => {
  const sock = join(tmp(), "qmp.sock");
  const x = new Xpvh([...LONG_GUEST, "-chardev", `socket,id=m,path=${sock},server=on,wait=off`, "-mon", "chardev=m,mode=control", "-no-shutdown", "-name", "g0"]);
  try {
    const { qmp } = await connectUnix(sock);
    const hello = await qmp.greeting();
    assert.equal(hello.QMP.version.qemu, { micro: 0, minor: 2, major: 8 });
    assert.match(hello.QMP.version.package, /^xpvh \d+\.\d+\.\d+/);
    assert.equal(hello.QMP.capabilities, []);
    assert.is((await qmp.exec("query-status")).error.class, "CommandNotFound");
    assert.equal((await qmp.exec("qmp_capabilities")).return, {});
    assert.equal((await qmp.exec("query-status")).return, { status: "running", running: true });
    assert.equal((await qmp.exec("query-name")).return, { name: "g0" });
    assert.equal((await qmp.exec("stop")).return, {});
    const stop = await qmp.event("STOP");
    assert.type(stop.timestamp.seconds, "number");
    assert.type(stop.timestamp.microseconds, "number");
    assert.equal((await qmp.exec("query-status")).return, { status: "paused", running: false });
    assert.equal((await qmp.exec("cont")).return, {});
    await qmp.event("RESUME");
    assert.equal((await qmp.exec("query-status")).return, { status: "running", running: true });
    assert.is((await qmp.exec("human-monitor-command", { "command-line": "info status" })).return, "VM status: running\n");
    assert.equal((await qmp.exec("quit")).return, {});
    assert.equal((await qmp.event("SHUTDOWN")).data, { guest: false, reason: "host-qmp-quit" });
    assert.is(await x.exit(), 0);
    assert.not.ok(existsSync(sock), "the socket file is removed at exit");
    assert.not.match(x.stderr, "not implemented");
  } finally {
    x.kill();
  }
});

test("-S and -no-shutdown: prelaunch until cont; the guest powers off, SHUTDOWN + STOP, the process stays and answers; quit ends it", async () => {
  const dir = tmp();
  const sock = join(dir, "qmp.sock");
  // A socket file left behind by a killed process does not stop the listen.
  try {
    execFileSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, "SIGKILL"))`]);
  } catch {}
  assert.ok(existsSync(sock), "a stale socket file");
  // No wait=off: xpvh waits for the client before it starts; -S holds the vCPU
  // until cont, as libvirt runs QEMU, so no event is missed.
  const x = new Xpvh(["-kernel", "test/guests/hello.elf", "-chardev", `socket,id=m,path=${sock},server=on`, "-mon", "chardev=m,mode=control", "-no-shutdown", "-S"]);
  try {
    const { qmp } = await connectUnix(sock);
    await qmp.greeting();
    await qmp.exec("qmp_capabilities");
    assert.equal((await qmp.exec("query-status")).return, { status: "prelaunch", running: false });
    await new Promise((r) => setTimeout(r, 100));
    assert.not.match(x.stderr, "PASS");
    await qmp.exec("cont");
    await qmp.event("RESUME");
    assert.equal((await qmp.event("SHUTDOWN")).data, { guest: true, reason: "guest-shutdown" });
    await qmp.event("STOP");
    await new Promise((r) => setTimeout(r, 200));
    assert.is(x.proc.exitCode, null, "still running after the guest's poweroff");
    assert.equal((await qmp.exec("query-status")).return, { status: "shutdown", running: false });
    assert.equal((await qmp.exec("cont")).error, { class: "GenericError", desc: "Resetting the Virtual Machine is required" });
    await qmp.exec("quit");
    assert.is(await x.exit(), 0);
    assert.match(x.stderr, "waiting for connection on: disconnected:unix:");
    assert.match(x.stdout, "PASS");
  } finally {
    x.kill();
  }
});

test("-qmp unix:...: a second client after the first left gets its own greeting and negotiation", async () => {
  const sock = join(tmp(), "qmp.sock");
  const x = new Xpvh([...LONG_GUEST, "-qmp", `unix:${sock},server=on,wait=off`]);
  try {
    const a = await connectUnix(sock);
    await a.qmp.greeting();
    await a.qmp.exec("qmp_capabilities");
    a.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const b = await connectUnix(sock);
    await b.qmp.greeting();
    assert.is((await b.qmp.exec("query-status")).error.class, "CommandNotFound");
    await b.qmp.exec("qmp_capabilities");
    await b.qmp.exec("quit");
    assert.is(await x.exit(), 0);
  } finally {
    x.kill();
  }
});

test("the human monitor on a TCP chardev (mode=readline): info status, stop, quit", async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const x = new Xpvh([...LONG_GUEST, "-chardev", `socket,id=h,host=127.0.0.1,port=${port},server=on,wait=off`, "-mon", "chardev=h"]);
  try {
    let socket: net.Socket | null = null;
    for (let i = 0; i < 200 && !socket; i++) {
      socket = await new Promise<net.Socket | null>((resolve) => {
        const s = net.connect(port, "127.0.0.1");
        s.once("connect", () => resolve(s));
        s.once("error", () => setTimeout(() => resolve(null), 50));
      });
    }
    assert.ok(socket, "connected");
    let text = "";
    socket!.on("data", (d) => (text += d.toString()));
    const until = async (pattern: string) => {
      for (let i = 0; i < 400 && !text.includes(pattern); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(text.includes(pattern), `waiting for ${pattern}: ${JSON.stringify(text)}`);
    };
    await until("(qemu) ");
    socket!.write("info status\n");
    await until("VM status: running\r\n(qemu) ");
    socket!.write("stop\ninfo status\n");
    await until("VM status: paused\r\n(qemu) ");
    socket!.write("quit\n");
    assert.is(await x.exit(), 0);
  } finally {
    x.kill();
  }
});

test("QMP on stdio: the monitor owns stdin/stdout, the guest console goes to stderr", async () => {
  const x = new Xpvh(["-kernel", "test/guests/hello.elf", "-chardev", "stdio,id=q", "-mon", "q,mode=control", "-no-shutdown"]);
  try {
    const qmp = new QmpClient((t) => x.proc.stdin.write(t));
    x.proc.stdout.on("data", (d) => qmp.feed(d));
    await qmp.greeting();
    await qmp.exec("qmp_capabilities");
    assert.is((await qmp.exec("query-status")).return.status, "shutdown");
    await qmp.exec("quit");
    assert.is(await x.exit(), 0);
    assert.match(x.stderr, "PASS");
  } finally {
    x.kill();
  }
});

test("xen.rst's stdio,mux=on with the human monitor: the console first, Ctrl-A c gives the keyboard to the monitor", async () => {
  const x = new Xpvh(["-kernel", "test/guests/hello.elf", "-no-shutdown",
    "-chardev", "stdio,mux=on,id=char0,signal=off", "-mon", "char0", "-device", "xen-console,chardev=char0"]);
  try {
    const until = async (pattern: string) => {
      for (let i = 0; i < 400 && !x.stdout.includes(pattern); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(x.stdout.includes(pattern), `waiting for ${pattern}: ${JSON.stringify(x.stdout)}`);
    };
    await until("PASS");
    assert.not.match(x.stdout, "(qemu)");
    x.proc.stdin.write("\x01c");
    await until("monitor - type 'help' for more information\r\n(qemu) ");
    x.proc.stdin.write("info status\r");
    await until("VM status: paused (shutdown)\r\n(qemu) ");
    x.proc.stdin.write("quit\r");
    assert.is(await x.exit(), 0);
  } finally {
    x.kill();
  }
});

// --- the Linux guest -------------------------------------------------------------

function linuxPaths(): { vmlinux: string; initramfs: string } | null {
  const out = execFileSync("sh", ["tools/linux/build.sh", "--print-paths"], { encoding: "utf8" });
  const get = (k: string) => out.split("\n").find((l) => l.startsWith(k + "="))!.slice(k.length + 1);
  const p = { vmlinux: get("vmlinux"), initramfs: get("initramfs") };
  return existsSync(p.vmlinux) && existsSync(p.initramfs) ? p : null;
}

test("Linux: device_add xen-disk appears as xvdb, device_del removes it (DEVICE_DELETED), system_powerdown powers it off through xenstore", async () => {
  const paths = linuxPaths();
  if (!paths) {
    console.log("  (skipped: no Linux guest built; run sh tools/linux/build.sh)");
    return;
  }
  const dir = tmp();
  const tree = join(dir, "tree");
  mkdirSync(tree);
  writeFileSync(join(tree, "hot.txt"), "hot-plugged\n");
  const img = join(dir, "hot.img");
  execFileSync("mke2fs", ["-q", "-F", "-t", "ext2", "-d", tree, img, "4M"]);
  const sock = join(dir, "qmp.sock");
  const s = new Session(["-m", "256", "-kernel", paths.vmlinux, "-initrd", paths.initramfs, "-append", "console=hvc0",
    "-drive", `file=${img},if=none,id=hot,format=raw`,
    "-chardev", `socket,id=m,path=${sock},server=on,wait=off`, "-mon", "chardev=m,mode=control"]);
  try {
    const { qmp } = await connectUnix(sock);
    await qmp.greeting();
    await qmp.exec("qmp_capabilities");
    await s.expect("# ", 180_000);
    assert.equal((await qmp.exec("device_add", { driver: "xen-disk", drive: "hot", vdev: "xvdb", id: "hot0" })).return, {});
    let seen = "";
    for (let i = 0; i < 50 && !seen.includes("/dev/xvdb"); i++) {
      seen = await s.run("ls /dev/xvdb 2>&1");
      if (!seen.includes("No such")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(await s.run("mount -o ro /dev/xvdb /mnt && cat /mnt/hot.txt && umount /mnt"), "hot-plugged");
    assert.equal((await qmp.exec("device_del", { id: "hot0" })).return, {});
    assert.equal((await qmp.event("DEVICE_DELETED", 30_000)).data, { device: "hot0", path: "/machine/peripheral/hot0" });
    assert.match(await s.run("ls /dev/xvdb 2>&1"), "No such file");
    // Linux answers control/shutdown with orderly_poweroff(), which runs
    // kernel.poweroff_cmd (/sbin/poweroff). Busybox's poweroff only signals PID 1,
    // and this initramfs's PID 1 is a shell script that ignores the signal, so the
    // command is made the forced form that a real init would end up running.
    await s.run("echo '/sbin/poweroff -f' > /proc/sys/kernel/poweroff_cmd");
    assert.equal((await qmp.exec("system_powerdown")).return, {});
    await qmp.event("POWERDOWN");
    assert.equal((await qmp.event("SHUTDOWN", 60_000)).data, { guest: true, reason: "guest-shutdown" });
    assert.is(await s.exit(60_000), 0);
  } finally {
    s.kill();
  }
});

test.run();
