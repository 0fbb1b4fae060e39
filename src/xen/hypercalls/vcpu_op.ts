// vcpu_op (24): `(cmd, vcpuid, arg)` (reference §3; xen/include/public/vcpu.h).
// vCPU bring-up (initialise/up/down/is_up) goes to the machine (XenCallbacks.vcpus);
// PVH Linux starts its APs with LAPIC INIT/STARTUP instead, other guests use these.

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { EINVAL, ENOENT, ENOSYS, ENXIO } from "../errno.js";
import { GuestStruct } from "../abi/struct.js";
import { VCPU_INFO_SIZE } from "../abi/shared_info.js";
import {
  VCPUOP_down,
  VCPUOP_get_physid,
  VCPUOP_initialise,
  VCPUOP_is_up,
  VCPUOP_up,
  VCPU_HVM_CONTEXT_SIZE,
  decodeHvmVcpuContext,
  VCPUOP_get_runstate_info,
  VCPUOP_register_runstate_memory_area,
  VCPUOP_register_vcpu_info,
  VCPUOP_register_vcpu_time_memory_area,
  VCPUOP_set_periodic_timer,
  VCPUOP_set_singleshot_timer,
  VCPUOP_stop_periodic_timer,
  VCPUOP_stop_singleshot_timer,
  VCPU_REGISTER_AREA,
  VCPU_REGISTER_VCPU_INFO,
  VCPU_SET_PERIODIC_TIMER,
  VCPU_SET_SINGLESHOT_TIMER,
} from "../abi/vcpu.js";

const PAGE_SIZE = 4096;
/** vcpu_info must be 8-byte aligned (its pending_sel is a u64). */
const VCPU_INFO_ALIGN = 8;

export function vcpuOp(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const target = c.args[1];
  const arg = c.args[2];
  if (target >= BigInt(xen.vcpus.length)) return -ENOENT;
  const v = Number(target);
  const self = v === c.vcpu.id;
  const control = xen.callbacks.vcpus;
  switch (cmd) {
    case VCPUOP_initialise: {
      if (!control) return -ENOSYS;
      const ctx = decodeHvmVcpuContext(c.vcpu.readVirt(arg, VCPU_HVM_CONTEXT_SIZE));
      if (!ctx) return -EINVAL;
      return control.initialise(v, ctx);
    }
    case VCPUOP_up:
      return control ? control.up(v) : -ENOSYS;
    case VCPUOP_down:
      return control ? control.down(v) : -ENOSYS;
    case VCPUOP_is_up:
      return control ? (control.isUp(v) ? 1 : 0) : -ENOSYS;
    case VCPUOP_get_runstate_info:
      c.vcpu.writeVirt(arg, xen.runstate.encode(v, c.long));
      return 0;
    case VCPUOP_register_runstate_memory_area: {
      const gva = GuestStruct.read(c.vcpu, arg, VCPU_REGISTER_AREA.of(c.long)).big("addr");
      xen.runstate.setArea(v, gva === 0n ? null : gva, c.long);
      return 0;
    }
    case VCPUOP_set_periodic_timer: {
      const period = GuestStruct.read(c.vcpu, arg, VCPU_SET_PERIODIC_TIMER.of(c.long)).big("period_ns");
      return xen.timers.setPeriodic(v, period);
    }
    case VCPUOP_stop_periodic_timer:
      return xen.timers.stopPeriodic(v);
    case VCPUOP_set_singleshot_timer: {
      if (!self) return -EINVAL;
      const s = GuestStruct.read(c.vcpu, arg, VCPU_SET_SINGLESHOT_TIMER.of(c.long));
      return xen.timers.setSingleshot(v, s.big("timeout_abs_ns"));
    }
    case VCPUOP_stop_singleshot_timer:
      if (!self) return -EINVAL;
      return xen.timers.stopSingleshot(v);
    case VCPUOP_register_vcpu_info: {
      const s = GuestStruct.read(c.vcpu, arg, VCPU_REGISTER_VCPU_INFO.of(c.long));
      const offset = s.get("offset");
      if (offset % VCPU_INFO_ALIGN !== 0 || offset > PAGE_SIZE - VCPU_INFO_SIZE) return -ENXIO;
      const gfn = s.big("mfn");
      if (gfn >= BigInt(Number.MAX_SAFE_INTEGER) / BigInt(PAGE_SIZE)) return -EINVAL;
      return xen.registerVcpuInfo(v, Number(gfn) * PAGE_SIZE + offset);
    }
    case VCPUOP_register_vcpu_time_memory_area: {
      const gva = GuestStruct.read(c.vcpu, arg, VCPU_REGISTER_AREA.of(c.long)).big("addr");
      xen.shinfo.setTimeArea(v, gva === 0n ? null : gva);
      xen.publishTime(v);
      return 0;
    }
    case VCPUOP_get_physid:
      return -EINVAL; // only dom0 may learn physical CPU ids
    default:
      return undefined;
  }
}
