// EVTCHNOP_send answered inside the core, as KVM answers it in the kernel
// (KVM_XEN_HVM_CONFIG_EVTCHN_SEND): a send on an IPI or loopback port whose
// receiver is the vCPU running now needs nothing the host has, so the hypercall
// does not leave the run loop. The host (src/machine/evtchn_send.ts) keeps the
// table at EVTCHN_SEND_OFF in step with its event channels and enables it only
// while the guest uses the 2-level ABI with the 64-bit shared_info layout and no
// one traces hypercalls; everything else (other ports, other vCPUs, FIFO, bad
// arguments, a struct outside the read TLB) still exits to the host, which gives
// the same answers.
//
// The raise is Xen's 2-level one (reference §6): test-and-set pending[p], stop if
// mask[p]; test-and-set the pending_sel bit p/64, then upcall_pending; if all
// were clear, deliver the vCPU's upcall vector through its LAPIC, or let the
// CALLBACK_IRQ latch (exec.ts) see upcall_pending.
import {
  CTL_OFF, CTL_VCPU_ID, EVTCHN_SEND_OFF, EVS_ENABLED, EVS_SENT, EVS_PENDING, EVS_MASK, EVS_VCPU_INFO,
  EVS_UPCALL_VECTOR, EVS_PORTS, EVS_MAX_PORTS,
} from "../layout";
import { cpl, mode64, gpr, setGpr, RAX, RSI, RDI } from "../cpu/state";
import { readableOff } from "../cpu/mmu";
import { lapicInjectVector } from "../apic/lapic";
import { signalInterrupt } from "../cpu/exec";

const HYPERVISOR_EVENT_CHANNEL_OP: u64 = 32;
const EVTCHNOP_SEND: u32 = 4;
/** vcpu_info.evtchn_pending_sel in the 64-bit layout (upcall_pending is byte 0). */
const PENDING_SEL: usize = 8;

/** Answers the VMCALL at hand when it is an EVTCHNOP_send the core can do by
 * itself: RAX = 0 and true. False leaves everything as it was (the host takes it). */
export function evtchnSendInCore(): bool {
  const t = EVTCHN_SEND_OFF as usize;
  if (load<u32>(t, EVS_ENABLED) == 0 || !mode64 || cpl != 0) return false;
  if (gpr(RAX) != HYPERVISOR_EVENT_CHANNEL_OP || (gpr(RDI) as u32) != EVTCHNOP_SEND) return false;
  const arg = readableOff(gpr(RSI), 4); // struct evtchn_send { evtchn_port_t port; }
  if (arg < 0) return false;
  const port = load<u32>(arg as usize);
  if (port >= EVS_MAX_PORTS) return false;
  const entry = load<u32>(t + (EVS_PORTS as usize) + ((port as usize) << 2));
  const v = entry >> 16;
  if (entry == 0 || v != load<u32>(CTL_OFF + CTL_VCPU_ID)) return false;
  const vi = load<u32>(t + (EVS_VCPU_INFO as usize) + ((v as usize) << 2)) as usize;
  if (vi == 0) return false;
  raise(t, entry & 0xffff, v, vi);
  setGpr(RAX, 0);
  store<u32>(t, load<u32>(t, EVS_SENT) + 1, EVS_SENT);
  return true;
}

function raise(t: usize, p: u32, v: u32, vi: usize): void {
  const bit = (1 as u8) << ((p & 7) as u8);
  const pa = (load<u32>(t, EVS_PENDING) as usize) + ((p >> 3) as usize);
  const pending = load<u8>(pa);
  if ((pending & bit) != 0) return;
  store<u8>(pa, pending | bit);
  if ((load<u8>((load<u32>(t, EVS_MASK) as usize) + ((p >> 3) as usize)) & bit) != 0) return;
  const sel = load<u64>(vi, PENDING_SEL);
  const word = (1 as u64) << ((p >> 6) as u64);
  if ((sel & word) != 0) return;
  store<u64>(vi, sel | word, PENDING_SEL);
  if (load<u8>(vi) != 0) return;
  store<u8>(vi, 1);
  const vector = load<u32>(t + (EVS_UPCALL_VECTOR as usize) + ((v as usize) << 2));
  if (vector != 0) lapicInjectVector(vector);
  else signalInterrupt(); // the CALLBACK_IRQ latch delivers while upcall_pending is set
}
