// multicall (13): `(calls[], nr_calls)` (xen/include/public/xen.h). Each entry is
// {op, result, args[6]} in xen_ulong_t; every call runs through the normal dispatcher
// and its result is written back. A multicall inside a multicall is refused, and a
// call that would block is treated as done (the guest re-checks, as after a wakeup).

import { runCall, type FamilyResult, type HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { EINVAL, ENOSYS } from "../errno.js";
import { GuestStruct } from "../abi/struct.js";
import { HYPERVISOR_multicall, MULTICALL_ENTRY } from "../abi/xen.js";

const MAX_MULTICALL_ENTRIES = 512;

export function multicall(xen: Xen, c: HypercallCall): FamilyResult {
  const calls = c.args[0];
  const n = Number(c.args[1] & 0xffff_ffffn);
  if (n > MAX_MULTICALL_ENTRIES) return -EINVAL;
  const l = MULTICALL_ENTRY.of(c.long);
  for (let i = 0; i < n; i++) {
    const at = calls + BigInt(i * l.size);
    const e = GuestStruct.read(c.vcpu, at, l);
    const nr = e.big("op");
    let result: bigint;
    if (nr === BigInt(HYPERVISOR_multicall)) {
      result = BigInt(-EINVAL);
    } else if (nr > 0xffffn) {
      result = BigInt(-ENOSYS);
    } else {
      const args = [e.big("arg0"), e.big("arg1"), e.big("arg2"), e.big("arg3"), e.big("arg4")];
      const out = runCall(xen, { vcpu: c.vcpu, long: c.long, nr: Number(nr), args });
      if ("shutdown" in out) return out;
      result = "result" in out ? out.result : 0n;
    }
    e.set("result", result).writeBack(c.vcpu, at, "result");
  }
  return 0;
}
