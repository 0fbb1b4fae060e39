// vm_assist (21): `(cmd, type)` (xen/include/public/xen.h). HVM/PVH guests may only
// toggle VMASST_TYPE_runstate_update_flag; Linux enables it and tolerates errors.

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { EINVAL } from "../errno.js";
import { VMASST_CMD_disable, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag } from "../abi/xen.js";

export function vmAssist(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const type = c.args[1];
  // As Xen's vm_assist(): the type first (-EINVAL), then the command (-ENOSYS).
  if (type !== BigInt(VMASST_TYPE_runstate_update_flag)) return -EINVAL;
  if (cmd !== VMASST_CMD_enable && cmd !== VMASST_CMD_disable) return undefined;
  xen.runstate.updateFlag = cmd === VMASST_CMD_enable;
  return 0;
}
