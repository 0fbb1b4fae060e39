// grant_table_op (20): `(cmd, uop[], count)` (reference §3/§7;
// xen/include/public/grant_table.h). Returns 0 with a GNTST status per op, or -errno.

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { EINVAL, ESRCH, GNTST_bad_domain, GNTST_okay } from "../errno.js";
import { GuestStruct } from "../abi/struct.js";
import {
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTTABOP_copy,
  GNTTABOP_get_version,
  GNTTABOP_query_size,
  GNTTABOP_set_version,
  GNTTABOP_setup_table,
  GNTTAB_COPY,
  GNTTAB_GET_VERSION,
  GNTTAB_QUERY_SIZE,
  GNTTAB_SETUP_TABLE,
  GNTTAB_SET_VERSION,
} from "../abi/grant_table.js";

/** GNTTABOP_copy segments taken per call (Xen preempts long batches the same way). */
const MAX_COPY_OPS = 4096;

export function grantTableOp(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const uop = c.args[1];
  const count = Number(c.args[2] & 0xffff_ffffn);
  const gt = xen.gnttab;
  switch (cmd) {
    case GNTTABOP_query_size: {
      if (count !== 1) return -EINVAL;
      const s = GuestStruct.read(c.vcpu, uop, GNTTAB_QUERY_SIZE.of(c.long));
      if (!xen.isSelf(s.get("dom"))) s.set("status", GNTST_bad_domain);
      else s.set("nr_frames", gt.nrFrames).set("max_nr_frames", gt.maxFrames).set("status", GNTST_okay);
      s.writeBack(c.vcpu, uop, "nr_frames", "max_nr_frames", "status");
      return 0;
    }
    case GNTTABOP_set_version: {
      if (count !== 1) return -EINVAL;
      const s = GuestStruct.read(c.vcpu, uop, GNTTAB_SET_VERSION.of(c.long));
      const rc = gt.setVersion(s.get("version"));
      if (s.get("version") === 2) xen.unimplemented(c.nr, cmd, "grant table v2");
      s.set("version", gt.version).writeBack(c.vcpu, uop);
      return rc;
    }
    case GNTTABOP_get_version: {
      if (count !== 1) return -EINVAL;
      const s = GuestStruct.read(c.vcpu, uop, GNTTAB_GET_VERSION.of(c.long));
      if (!xen.isSelf(s.get("dom"))) return -ESRCH;
      s.set("version", gt.version).writeBack(c.vcpu, uop, "version");
      return 0;
    }
    case GNTTABOP_setup_table: {
      if (count !== 1) return -EINVAL;
      const s = GuestStruct.read(c.vcpu, uop, GNTTAB_SETUP_TABLE.of(c.long));
      const r = gt.setupTable(s.get("dom"), s.get("nr_frames"));
      if (r.status === GNTST_okay && r.gfns.length) {
        const w = c.long ? 8 : 4;
        const list = new Uint8Array(r.gfns.length * w);
        const dv = new DataView(list.buffer);
        r.gfns.forEach((g, i) => {
          if (w === 8) dv.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(g)), true);
          else dv.setUint32(i * 4, g >>> 0, true);
        });
        c.vcpu.writeVirt(s.big("frame_list"), list);
      }
      s.set("status", r.status).writeBack(c.vcpu, uop, "status");
      return 0;
    }
    case GNTTABOP_copy: {
      if (count > MAX_COPY_OPS) return -EINVAL;
      const l = GNTTAB_COPY.of(c.long);
      for (let i = 0; i < count; i++) {
        const at = uop + BigInt(i * l.size);
        const s = GuestStruct.read(c.vcpu, at, l);
        const flags = s.get("flags");
        const ptr = (side: "source" | "dest", isRef: boolean) => {
          const u = s.big(`${side}_u`);
          return {
            u: Number(isRef ? u & 0xffff_ffffn : u),
            domid: s.get(`${side}_domid`),
            offset: s.get(`${side}_offset`),
            isRef,
          };
        };
        const status = gt.guestCopy(
          ptr("source", (flags & GNTCOPY_source_gref) !== 0),
          ptr("dest", (flags & GNTCOPY_dest_gref) !== 0),
          s.get("len"),
        );
        s.set("status", status).writeBack(c.vcpu, at, "status");
      }
      return 0;
    }
    default:
      // map/unmap and the rest: only a domU running a backend would need them.
      return undefined;
  }
}
