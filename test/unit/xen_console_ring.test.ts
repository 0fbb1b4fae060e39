// The PV console ring (src/xen/console_ring.ts): drain with index wraparound (mod
// 2^32 and mod the buffer size), bogus producer indices, input push limits.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConsoleRing } from "../../src/xen/console_ring.js";
import {
  XENCONS_IN,
  XENCONS_IN_CONS,
  XENCONS_IN_PROD,
  XENCONS_OUT,
  XENCONS_OUT_CONS,
  XENCONS_OUT_PROD,
} from "../../src/xen/abi/console.js";

function guest(page: Uint8Array) {
  const dv = new DataView(page.buffer);
  return {
    u32: (o: number) => dv.getUint32(o, true),
    set: (o: number, v: number) => dv.setUint32(o, v >>> 0, true),
    /** hvc_xen's write: copy into out, then bump out_prod. */
    write(s: string) {
      let prod = dv.getUint32(XENCONS_OUT_PROD, true);
      for (const ch of new TextEncoder().encode(s)) {
        page[XENCONS_OUT + (prod % 2048)] = ch;
        prod = (prod + 1) >>> 0;
      }
      dv.setUint32(XENCONS_OUT_PROD, prod, true);
    },
  };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("drain returns output in order and advances out_cons", () => {
  const page = new Uint8Array(4096);
  const ring = new ConsoleRing(page);
  const g = guest(page);
  assert.is(ring.drain().length, 0);
  g.write("Linux version 6.1\n");
  assert.is(text(ring.drain()), "Linux version 6.1\n");
  assert.is(g.u32(XENCONS_OUT_CONS), 18);
  assert.is(ring.drain().length, 0);
});

test("wraparound of the buffer and of the 32-bit indices", () => {
  const page = new Uint8Array(4096);
  const ring = new ConsoleRing(page);
  const g = guest(page);
  g.set(XENCONS_OUT_CONS, 0xffff_fff0);
  g.set(XENCONS_OUT_PROD, 0xffff_fff0);
  const msg = "x".repeat(2000) + "END";
  g.write(msg.slice(0, 1500));
  assert.is(text(ring.drain()), msg.slice(0, 1500));
  g.write(msg.slice(1500));
  assert.is(text(ring.drain()), msg.slice(1500));
  assert.is(g.u32(XENCONS_OUT_CONS), (0xffff_fff0 + msg.length) >>> 0);
});

test("a producer more than a ring ahead is resynchronised, not trusted", () => {
  const page = new Uint8Array(4096);
  const ring = new ConsoleRing(page);
  const g = guest(page);
  g.set(XENCONS_OUT_PROD, 100000);
  assert.is(ring.drain().length, 2048);
  assert.is(ring.badIndices, 1);
  assert.is(g.u32(XENCONS_OUT_CONS), 100000);
});

test("push fills `in` up to 1024 bytes, wrapping, and reports what fitted", () => {
  const page = new Uint8Array(4096);
  const ring = new ConsoleRing(page);
  const g = guest(page);
  g.set(XENCONS_IN_CONS, 1000);
  g.set(XENCONS_IN_PROD, 1000);
  assert.is(ring.push(new TextEncoder().encode("ls\n")), 3);
  assert.is(page[XENCONS_IN + 1000], "l".charCodeAt(0));
  assert.is(ring.push(new Uint8Array(2000).fill(0x61)), 1021);
  assert.is(ring.inputPending(), 1024);
  assert.is(page[XENCONS_IN + 0], 0x61, "wrapped to the start of in[]");
  assert.is(ring.push(new Uint8Array([1])), 0);
  g.set(XENCONS_IN_CONS, 1000 + 1024);
  assert.is(ring.push(new Uint8Array([1])), 1);
  g.set(XENCONS_IN_PROD, 999999);
  assert.is(ring.push(new Uint8Array([1])), 0, "corrupt indices: nothing accepted");
  assert.is(g.u32(XENCONS_IN_PROD), 999999);
});

test.run();
