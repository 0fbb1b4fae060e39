// Grant tables v1 (src/xen/gnttab.ts): the backend access checks Xen makes
// (permit_access, grantee domid, readonly, sub-page), GTF_reading/GTF_writing with
// refcounts, copies, GNTTABOP_copy from the guest, frames and reserved refs.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { FlatPageSource, GuestMemory } from "../../src/core/guest_memory.js";
import { GrantTable, type GrantMapping } from "../../src/xen/gnttab.js";
import {
  EINVAL,
  ENOSYS,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
} from "../../src/xen/errno.js";
import { GTF_permit_access, GTF_reading, GTF_readonly, GTF_sub_page, GTF_writing } from "../../src/xen/abi/grant_table.js";
import { DOMID_SELF } from "../../src/xen/abi/xen.js";

const DOMID = 1;

function setup() {
  const mem = new GuestMemory(new FlatPageSource(new Uint8Array(64 * 4096)));
  const frames: Uint8Array[] = [];
  const gt = new GrantTable(mem, DOMID, 4, (i) => (frames[i] = new Uint8Array(4096)));
  /** What a guest driver does: write an entry (frame, domid, then flags last). */
  const grant = (ref: number, gfn: number, domid: number, flags: number) => {
    const f = gt.frame(ref >> 9);
    const dv = new DataView(f.buffer, f.byteOffset);
    const o = (ref & 511) * 8;
    dv.setUint32(o + 4, gfn, true);
    dv.setUint16(o + 2, domid, true);
    dv.setUint16(o, flags, true);
  };
  const flags = (ref: number) => new DataView(gt.frame(ref >> 9).buffer).getUint16((ref & 511) * 8, true);
  return { mem, gt, grant, flags, frames };
}

test("backend map checks type, domid, readonly, sub-page and the ref range", () => {
  const { gt, grant } = setup();
  grant(10, 20, 0, GTF_permit_access);
  grant(11, 20, 0, GTF_permit_access | GTF_readonly);
  grant(12, 20, 2, GTF_permit_access);
  grant(13, 20, 0, 0);
  grant(14, 20, 0, GTF_permit_access | GTF_sub_page);
  grant(15, 9999, 0, GTF_permit_access);
  grant(16, 20, 0, 3); // transitive
  assert.ok(typeof gt.map(0, 10, true) === "object");
  assert.ok(typeof gt.map(0, 11, false) === "object");
  assert.is(gt.map(0, 11, true), GNTST_permission_denied, "readonly grant, write access");
  assert.is(gt.map(0, 12, false), GNTST_permission_denied, "granted to another domain");
  assert.is(gt.map(0, 13, false), GNTST_permission_denied, "invalid entry");
  assert.is(gt.map(0, 14, false), GNTST_permission_denied, "sub-page grants are v2");
  assert.is(gt.map(0, 16, false), GNTST_permission_denied, "transitive");
  assert.is(gt.map(0, 15, false), GNTST_bad_page, "frame beyond RAM");
  assert.is(gt.map(0, 512, false), GNTST_bad_gntref, "only frame 0 exists yet");
  assert.is(gt.map(0, -1, false), GNTST_bad_gntref);
});

test("GTF_reading/GTF_writing follow the refcounts; release is idempotent", () => {
  const { gt, grant, flags } = setup();
  grant(5, 30, 0, GTF_permit_access);
  const r1 = gt.map(0, 5, false) as GrantMapping;
  assert.is(flags(5), GTF_permit_access | GTF_reading);
  const w1 = gt.map(0, 5, true) as GrantMapping;
  const w2 = gt.map(0, 5, true) as GrantMapping;
  assert.is(flags(5), GTF_permit_access | GTF_reading | GTF_writing);
  assert.equal(gt.mappings(5), { readers: 3, writers: 2 });
  assert.is(w1.gpa, 30 * 4096);
  w1.release();
  w1.release();
  assert.is(flags(5) & GTF_writing, GTF_writing, "one writer left");
  w2.release();
  assert.is(flags(5), GTF_permit_access | GTF_reading);
  r1.release();
  assert.is(flags(5), GTF_permit_access);
  assert.equal(gt.mappings(5), { readers: 0, writers: 0 });
});

test("copyFrom/copyTo move bytes within one page and leave no flags behind", () => {
  const { gt, grant, mem, flags } = setup();
  grant(7, 40, 0, GTF_permit_access);
  mem.write(40 * 4096 + 100, new TextEncoder().encode("hello"));
  assert.equal(gt.copyFrom(0, 7, 100, 5), new TextEncoder().encode("hello"));
  assert.is(gt.copyTo(0, 7, 4090, new Uint8Array([1, 2, 3])), GNTST_okay);
  assert.equal(mem.read(40 * 4096 + 4090, 3), new Uint8Array([1, 2, 3]));
  assert.is(gt.copyTo(0, 7, 4095, new Uint8Array(2)), GNTST_bad_copy_arg);
  assert.is(gt.copyFrom(0, 7, 0, 4097), GNTST_bad_copy_arg);
  assert.is(flags(7), GTF_permit_access);
  grant(8, 40, 0, GTF_permit_access | GTF_readonly);
  assert.is(gt.copyTo(0, 8, 0, new Uint8Array(1)), GNTST_permission_denied);
});

test("guest GNTTABOP_copy: own grants and own frames, bad domain/page/ranges", () => {
  const { gt, grant, mem } = setup();
  grant(3, 50, DOMID, GTF_permit_access); // granted to itself
  mem.write(50 * 4096, new Uint8Array([9, 8, 7]));
  const ref = (u: number) => ({ u, domid: DOMID_SELF, offset: 0, isRef: true });
  const gmfn = (u: number, offset = 0) => ({ u, domid: DOMID, offset, isRef: false });
  assert.is(gt.guestCopy(ref(3), gmfn(51, 10), 3), GNTST_okay);
  assert.equal(mem.read(51 * 4096 + 10, 3), new Uint8Array([9, 8, 7]));
  assert.is(gt.guestCopy(gmfn(51, 4000), gmfn(52), 200), GNTST_bad_copy_arg, "crosses a page");
  assert.is(gt.guestCopy({ ...ref(3), domid: 0 }, gmfn(52), 1), GNTST_bad_domain);
  assert.is(gt.guestCopy(gmfn(100000), gmfn(52), 1), GNTST_bad_page);
  assert.is(gt.guestCopy(ref(600), gmfn(52), 1), GNTST_bad_gntref);
  grant(4, 50, DOMID, GTF_permit_access | GTF_readonly);
  assert.is(gt.guestCopy(gmfn(52), ref(4), 1), GNTST_permission_denied, "readonly destination");
});

test("frames: add_to_physmap grows nr_frames, max enforced; setup_table; versions; prefill", () => {
  const { gt } = setup();
  assert.is(gt.nrFrames, 1);
  assert.is(gt.mapFrame(2, 0x900), 0);
  assert.is(gt.nrFrames, 3);
  assert.is(gt.gfnOf(2), 0x900);
  assert.is(gt.mapFrame(4, 0x901), -EINVAL);
  const r = gt.setupTable(DOMID_SELF, 4);
  assert.is(r.status, GNTST_okay);
  assert.equal(r.gfns, [-1, -1, 0x900, -1]);
  assert.is(gt.setupTable(DOMID, 5).status, GNTST_general_error);
  assert.is(gt.setupTable(3, 1).status, GNTST_bad_domain);
  assert.is(gt.setVersion(1), 0);
  assert.is(gt.setVersion(2), -ENOSYS);
  assert.is(gt.setVersion(3), -EINVAL);
  gt.prefill(1, 0, 0xfeff9);
  assert.equal(gt.entry(1), { flags: GTF_permit_access, domid: 0, frame: 0xfeff9 });
});

test.run();
