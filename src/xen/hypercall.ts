// The hypercall dispatcher, and nothing else (reference §2/§3).
//
// A guest VMCALL/VMMCALL at CPL 0 exits the core; the run loop calls
// Xen.hypercall(vcpu), which lands here. Checks made once, at the top:
//   - the 64- or 32-bit register convention, from the vCPU's mode;
//   - CPL > 0 → -EPERM;
//   - an unknown number, or a family returning undefined for an op it does not
//     handle → -ENOSYS, with one "unimplemented" log per (number, op);
//   - a guest pointer that does not translate (GuestMemoryError) → -EFAULT.
// Families live in src/xen/hypercalls/, one per hypercall, and return a result.

import { GuestMemoryError } from "../core/guest_memory.js";
import type { ShutdownReason, XenVcpu } from "./guest.js";
import { EFAULT, ENOSYS, EPERM } from "./errno.js";
import {
  HYPERVISOR_console_io,
  HYPERVISOR_event_channel_op,
  HYPERVISOR_grant_table_op,
  HYPERVISOR_hvm_op,
  HYPERVISOR_memory_op,
  HYPERVISOR_multicall,
  HYPERVISOR_physdev_op,
  HYPERVISOR_sched_op,
  HYPERVISOR_set_timer_op,
  HYPERVISOR_vcpu_op,
  HYPERVISOR_vm_assist,
  HYPERVISOR_xen_version,
} from "./abi/xen.js";
import type { Xen } from "./xen.js";
import { consoleIo } from "./hypercalls/console_io.js";
import { eventChannelOp } from "./hypercalls/event_channel_op.js";
import { grantTableOp } from "./hypercalls/grant_table_op.js";
import { hvmOp } from "./hypercalls/hvm_op.js";
import { memoryOp } from "./hypercalls/memory_op.js";
import { multicall } from "./hypercalls/multicall.js";
import { physdevOp } from "./hypercalls/physdev_op.js";
import { schedOp } from "./hypercalls/sched_op.js";
import { setTimerOp } from "./hypercalls/set_timer_op.js";
import { vcpuOp } from "./hypercalls/vcpu_op.js";
import { vmAssist } from "./hypercalls/vm_assist.js";
import { xenVersion } from "./hypercalls/xen_version.js";

/** What the run loop does next with the vCPU. RAX/EAX is already written. */
export type HypercallOutcome =
  /** Resume the guest. `yield`: a good moment to run another vCPU (SCHEDOP_yield). */
  | { result: bigint; yield?: true }
  /** Park the vCPU until XenVcpu.kick() or `untilNs` (Xen system time), then resume. */
  | { block: true; untilNs: bigint | null }
  /** The domain shut down (callbacks.shutdown has been called). Do not resume. */
  | { shutdown: ShutdownReason; code: number };

/** One decoded hypercall. Arguments are zero-extended register values. */
export interface HypercallCall {
  readonly vcpu: XenVcpu;
  /** 64-bit calling convention and struct layouts. */
  readonly long: boolean;
  readonly nr: number;
  readonly args: readonly bigint[];
}

/** A family's answer: a result (number/bigint, negative = -errno), a full outcome, or
 * undefined for "not handled" (the dispatcher answers -ENOSYS and logs it once). */
export type FamilyResult = number | bigint | HypercallOutcome | undefined;
export type Family = (xen: Xen, call: HypercallCall) => FamilyResult;

interface TableEntry {
  readonly name: string;
  readonly family: Family;
  /** args[0] is a sub-op (for the once-per-op log). */
  readonly hasOp: boolean;
}

export const HYPERCALL_TABLE: ReadonlyMap<number, TableEntry> = new Map<number, TableEntry>([
  [HYPERVISOR_memory_op, { name: "memory_op", family: memoryOp, hasOp: true }],
  [HYPERVISOR_multicall, { name: "multicall", family: multicall, hasOp: false }],
  [HYPERVISOR_set_timer_op, { name: "set_timer_op", family: setTimerOp, hasOp: false }],
  [HYPERVISOR_xen_version, { name: "xen_version", family: xenVersion, hasOp: true }],
  [HYPERVISOR_console_io, { name: "console_io", family: consoleIo, hasOp: true }],
  [HYPERVISOR_grant_table_op, { name: "grant_table_op", family: grantTableOp, hasOp: true }],
  [HYPERVISOR_vm_assist, { name: "vm_assist", family: vmAssist, hasOp: true }],
  [HYPERVISOR_vcpu_op, { name: "vcpu_op", family: vcpuOp, hasOp: true }],
  [HYPERVISOR_sched_op, { name: "sched_op", family: schedOp, hasOp: true }],
  [HYPERVISOR_event_channel_op, { name: "event_channel_op", family: eventChannelOp, hasOp: true }],
  [HYPERVISOR_physdev_op, { name: "physdev_op", family: physdevOp, hasOp: true }],
  [HYPERVISOR_hvm_op, { name: "hvm_op", family: hvmOp, hasOp: true }],
]);

/** SDM register indices of the arguments: RDI RSI RDX R10 R8 / EBX ECX EDX ESI EDI. */
const ARG_REGS_64 = [7, 6, 2, 10, 8];
const ARG_REGS_32 = [3, 1, 2, 6, 7];

/** Read number and arguments from the registers. */
export function decodeCall(vcpu: XenVcpu): HypercallCall {
  const long = vcpu.longMode();
  const regs = long ? ARG_REGS_64 : ARG_REGS_32;
  const mask = long ? (x: bigint) => BigInt.asUintN(64, x) : (x: bigint) => BigInt.asUintN(32, x);
  const nrRaw = mask(vcpu.reg(0));
  // A number beyond any table entry stays unknown (and is logged as such) without overflow.
  const nr = nrRaw > 0xffff_ffffn ? -1 : Number(nrRaw);
  return { vcpu, long, nr, args: regs.map((r) => mask(vcpu.reg(r))) };
}

function toOutcome(r: Exclude<FamilyResult, undefined>): HypercallOutcome {
  if (typeof r === "number") return { result: BigInt(r) };
  if (typeof r === "bigint") return { result: r };
  return r;
}

/** Run one call through the table without touching RAX (multicall uses this too). */
export function runCall(xen: Xen, call: HypercallCall): HypercallOutcome {
  const entry = HYPERCALL_TABLE.get(call.nr);
  let r: FamilyResult;
  if (entry) {
    try {
      r = entry.family(xen, call);
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e;
      xen.guestError(`${entry.name}: bad guest pointer (${e.message})`);
      r = -EFAULT;
    }
  }
  if (r === undefined) {
    const op = entry?.hasOp ? Number(call.args[0] & 0xffff_ffffn) : -1;
    xen.unimplemented(call.nr, op, entry ? `${entry.name} op ${op}` : `hypercall ${call.nr}`);
    r = -ENOSYS;
  }
  return toOutcome(r);
}

/** The entry point behind Xen.hypercall(). */
export function dispatchHypercall(xen: Xen, vcpu: XenVcpu): HypercallOutcome {
  const call = decodeCall(vcpu);
  xen.countHypercall(call.nr);
  let out: HypercallOutcome;
  if (vcpu.cpl() > 0) {
    out = { result: BigInt(-EPERM) };
  } else {
    if (call.long) xen.noteGuestMode(true);
    out = runCall(xen, call);
  }
  const rax = "result" in out ? out.result : 0n;
  vcpu.setReg(0, call.long ? BigInt.asUintN(64, rax) : BigInt.asUintN(32, rax));
  return out;
}
