// console_io (18): `(cmd, count, buf)` (reference §3/§9; xen/include/public/xen.h).
// Release Xen refuses domU writes; we accept and print them, because XTF and
// earlyprintk=xen / earlycon=xenboot write here.

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";

export const CONSOLEIO_write = 0;
export const CONSOLEIO_read = 1;
/** Longest write taken per call; the rest is dropped (a guest bug, not a reason to stall). */
const CONSOLEIO_MAX_WRITE = 64 * 1024;

export function consoleIo(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const count = Number(c.args[1] & 0xffff_ffffn);
  switch (cmd) {
    case CONSOLEIO_write: {
      const n = Math.min(count, CONSOLEIO_MAX_WRITE);
      if (n > 0) xen.callbacks.consoleWrite(c.vcpu.readVirt(c.args[2], n));
      return 0;
    }
    case CONSOLEIO_read:
      return 0; // the Xen console's own input is dom0's; a domU reads nothing
    default:
      return undefined;
  }
}
