// Backends of the virtio devices: block images (memory, overlay, node file,
// HTTP ranges against a fake fetch) and network links (hub, TCP stream with
// QEMU's 4-byte length framing, UDP datagrams).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as net from "node:net";
import { MemoryBlock } from "../../src/backends/block/memory.js";
import { OverlayBlock } from "../../src/backends/block/overlay.js";
import { NodeFileBlock } from "../../src/backends/block/node_file.js";
import { HttpRangeBlock } from "../../src/backends/block/http_range.js";
import { BackendError, type BlockBackend } from "../../src/backends/block/block_backend.js";
import { HubPort } from "../../src/backends/net/hub.js";
import { StreamSocketNet, DgramSocketNet } from "../../src/backends/net/socket.js";

const pattern = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const until = async (cond: () => boolean, ms = 2000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};
async function readAll(b: BlockBackend, off: number, len: number): Promise<Uint8Array> {
  const d = new Uint8Array(len);
  await b.read(off, d);
  return d;
}

test("block/memory: reads and writes in place, refuses out-of-range and read-only writes", () => {
  const img = pattern(4096);
  const m = new MemoryBlock(img);
  const d = new Uint8Array(16);
  m.read(100, d);
  assert.equal(d, img.slice(100, 116));
  m.write(0, Uint8Array.of(9, 9));
  assert.is(img[0], 9);
  assert.throws(() => m.read(4090, new Uint8Array(16)), (e: unknown) => e instanceof BackendError);
  assert.throws(() => new MemoryBlock(pattern(1024), true).write(0, new Uint8Array(1)), (e: unknown) => e instanceof BackendError);
  assert.is(new MemoryBlock(new Uint8Array(1000)).size, 512, "whole sectors");
});

test("block/overlay: writes stay in the overlay, reads merge, the base never changes", async () => {
  const base = pattern(64 * 1024);
  const copy = base.slice();
  const o = new OverlayBlock(new MemoryBlock(base, true));
  assert.not.ok(o.readOnly);
  await o.write(5000, Uint8Array.of(1, 2, 3)); // partial chunk: filled from the base first
  await o.write(8192, new Uint8Array(4096).fill(7)); // a whole chunk
  const d = await readAll(o, 4090, 8192 + 4096 - 4090 + 10);
  const want = copy.slice(4090, 8192 + 4096 + 10);
  want.set([1, 2, 3], 5000 - 4090);
  want.fill(7, 8192 - 4090, 8192 + 4096 - 4090);
  assert.equal(d, want);
  assert.equal(base, copy, "base untouched");
  assert.is(o.dirtyBytes, 2 * 4096);
});

test("block/overlay: overlapping writes over a slow base keep their order", async () => {
  const base = pattern(16 * 1024);
  const slow: BlockBackend = {
    size: base.length,
    readOnly: true,
    read: (off, dst) => new Promise((r) => setTimeout(() => (dst.set(base.subarray(off, off + dst.length)), r()), 10)),
    write: () => Promise.reject(new BackendError("ro")),
    flush() {},
    close() {},
  };
  const o = new OverlayBlock(slow);
  const a = o.write(100, Uint8Array.of(0xaa));
  const b = o.write(101, Uint8Array.of(0xbb));
  const r = readAll(o, 99, 4);
  await Promise.all([a, b]);
  const got = await r;
  assert.equal([...got], [base[99], 0xaa, 0xbb, base[102]]);
});

test("block/node_file: positional I/O, flush, close; read-only opens refuse writes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xpvh-blk-"));
  try {
    const path = join(dir, "disk.img");
    writeFileSync(path, pattern(8192 + 100));
    const f = NodeFileBlock.open(path, false);
    assert.is(f.size, 8192, "whole sectors");
    assert.equal(await readAll(f, 512, 16), pattern(8192).slice(512, 528));
    await f.write(1024, new Uint8Array(512).fill(0x77));
    await f.flush();
    await f.close();
    const bytes = readFileSync(path);
    assert.ok(bytes.subarray(1024, 1536).every((b) => b === 0x77));
    const ro = NodeFileBlock.open(path, true);
    await assert.not.ok(await ro.write(0, new Uint8Array(1)).then(() => true, () => false));
    await ro.close();
    assert.throws(() => NodeFileBlock.open(join(dir, "missing.img"), false), /could not open disk image/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("block/http_range: size from Content-Range, block-sized range reads, caching", async () => {
  const img = pattern(300 * 1024, 5);
  const ranges: string[] = [];
  const fakeFetch = (async (_url: string, init?: { headers?: Record<string, string> }) => {
    const m = /bytes=(\d+)-(\d+)/.exec(init?.headers?.Range ?? "")!;
    ranges.push(m[0]);
    const s = Number(m[1]), e = Math.min(Number(m[2]), img.length - 1);
    return new Response(img.slice(s, e + 1), { status: 206, headers: { "content-range": `bytes ${s}-${e}/${img.length}` } });
  }) as unknown as typeof fetch;
  const h = await HttpRangeBlock.open("http://x/disk.img", { fetch: fakeFetch, blockSize: 64 * 1024 });
  assert.is(h.size, 300 * 1024);
  assert.ok(h.readOnly);
  const d = await readAll(h, 60 * 1024, 10 * 1024);
  assert.equal(d, img.slice(60 * 1024, 70 * 1024));
  await readAll(h, 61 * 1024, 512);
  assert.equal(ranges.slice(1), ["bytes=0-65535", "bytes=65536-131071"], "two blocks, the second read cached");
  const last = await readAll(h, 300 * 1024 - 512, 512);
  assert.equal(last, img.slice(-512));
  // Under an overlay it becomes writable.
  const o = new OverlayBlock(h);
  await o.write(0, Uint8Array.of(1));
  assert.is((await readAll(o, 0, 2))[0], 1);
});

test("block/http_range: a server without range support is refused", async () => {
  const f = (async () => new Response(new Uint8Array(10), { status: 200 })) as unknown as typeof fetch;
  await HttpRangeBlock.open("http://x/", { fetch: f }).then(
    () => assert.unreachable("opened"),
    (e) => assert.instance(e, BackendError),
  );
});

test("net/hub: a frame goes to every other port of the same hub only", () => {
  const got: string[] = [];
  const mk = (hub: number, name: string) => {
    const p = new HubPort(hub);
    p.onReceive = (f) => got.push(`${name}:${f[0]}`);
    return p;
  };
  const a = mk(41, "a"), b = mk(41, "b"), c = mk(41, "c"), other = mk(42, "x");
  a.send(Uint8Array.of(1));
  assert.equal(got.sort(), ["b:1", "c:1"]);
  for (const p of [a, b, c, other]) p.close();
});

test("net/socket: stream framing between listen= and connect= (4-byte big-endian length)", async () => {
  const server = StreamSocketNet.listen("127.0.0.1:0");
  await server.listening();
  const client = StreamSocketNet.connect(`127.0.0.1:${server.port}`);
  const atServer: Uint8Array[] = [];
  const atClient: Uint8Array[] = [];
  let probes = 0;
  server.onReceive = (f) => (f.length === 1 && f[0] === 0xee ? probes++ : atServer.push(f));
  client.onReceive = (f) => atClient.push(f);
  // Wait for the connection by retrying a probe frame.
  await until(() => {
    client.send(Uint8Array.of(0xee));
    return probes > 0;
  });
  const big = pattern(9000, 3);
  client.send(pattern(60, 1));
  client.send(big);
  server.send(pattern(42, 2));
  await until(() => atServer.length === 2 && atClient.length === 1);
  assert.equal(atServer[0], pattern(60, 1));
  assert.equal(atServer[1], big);
  assert.equal(atClient[0], pattern(42, 2));
  client.close();
  server.close();
});

test("net/socket: a raw peer speaking QEMU's framing interoperates", async () => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  const got: Buffer[] = [];
  srv.on("connection", (c) => {
    c.on("data", (d: Buffer) => got.push(d));
    const f = Buffer.from(pattern(20, 9));
    const hdr = Buffer.alloc(4);
    hdr.writeUInt32BE(f.length);
    c.write(Buffer.concat([hdr.subarray(0, 2)]));
    setTimeout(() => c.write(Buffer.concat([hdr.subarray(2), f])), 20); // split mid-header
  });
  const s = StreamSocketNet.connect(`127.0.0.1:${port}`);
  const frames: Uint8Array[] = [];
  s.onReceive = (f) => frames.push(f);
  await until(() => frames.length === 1);
  assert.equal(frames[0], pattern(20, 9));
  s.send(Uint8Array.of(1, 2, 3));
  await until(() => Buffer.concat(got).length === 7);
  assert.equal([...Buffer.concat(got)], [0, 0, 0, 3, 1, 2, 3]);
  s.close();
  srv.close();
});

test("net/dgram: one frame per UDP datagram", async () => {
  const probe = (await import("node:dgram")).createSocket("udp4");
  await new Promise<void>((r) => probe.bind(0, "127.0.0.1", () => r()));
  const pa = probe.address().port;
  probe.close();
  const a = new DgramSocketNet(`127.0.0.1:${pa}`, "127.0.0.1:1");
  const b = new DgramSocketNet("127.0.0.1:0", `127.0.0.1:${pa}`);
  const got: Uint8Array[] = [];
  a.onReceive = (f) => got.push(f);
  await until(() => {
    b.send(pattern(64, 4));
    return got.length > 0;
  });
  assert.equal(got[0], pattern(64, 4));
  a.close();
  b.close();
});

test.run();
