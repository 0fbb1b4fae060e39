// HVM parameters (reference §4; xen/include/public/hvm/params.h) with the access
// rules Xen applies to a guest's own HVMOP_set_param / HVMOP_get_param. The host
// (toolstack) sets the ring PFNs and ports directly with set().

import { EINVAL, EPERM } from "./errno.js";
import {
  HVM_NR_PARAMS,
  HVM_PARAM_ACPI_IOPORTS_LOCATION,
  HVM_PARAM_ALTP2M,
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_CONSOLE_PFN,
  HVM_PARAM_STORE_EVTCHN,
  HVM_PARAM_STORE_PFN,
  HVM_PARAM_VM86_TSS,
  HVM_PARAM_VM86_TSS_SIZED,
  HVM_PARAM_VM_GENERATION_ID_ADDR,
  HVM_PARAM_X87_FIP_WIDTH,
} from "./abi/hvm.js";

/** Indices retired from the ABI: any access is -EINVAL. */
const DEPRECATED = new Set([4, 13, 20, 21, 22, 23, 24, 25, 26, 30]);

const GUEST_READABLE = new Set([
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_STORE_PFN,
  HVM_PARAM_STORE_EVTCHN,
  HVM_PARAM_CONSOLE_PFN,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_VM86_TSS,
  HVM_PARAM_VM86_TSS_SIZED,
  HVM_PARAM_ACPI_IOPORTS_LOCATION,
  HVM_PARAM_VM_GENERATION_ID_ADDR,
  HVM_PARAM_ALTP2M,
  HVM_PARAM_X87_FIP_WIDTH,
]);

const GUEST_WRITABLE = new Set([
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_STORE_EVTCHN,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_VM86_TSS,
  HVM_PARAM_ACPI_IOPORTS_LOCATION,
  HVM_PARAM_VM_GENERATION_ID_ADDR,
  HVM_PARAM_X87_FIP_WIDTH,
]);

/** Decoded HVM_PARAM_CALLBACK_IRQ (bits 63:56 give the type). */
export type CallbackVia =
  | { type: "none" }
  | { type: "gsi"; gsi: number }
  | { type: "pci_intx"; domain: number; bus: number; devfn: number; pin: number }
  | { type: "vector"; vector: number }
  | { type: "unknown"; raw: bigint };

export function decodeCallbackIrq(v: bigint): CallbackVia {
  if (v === 0n) return { type: "none" };
  const type = Number(v >> 56n);
  switch (type) {
    case 0:
      return { type: "gsi", gsi: Number(v & 0xff_ffff_ffff_ffffn) };
    case 1:
      return {
        type: "pci_intx",
        domain: Number((v >> 32n) & 0xffffn),
        bus: Number((v >> 16n) & 0xffffn),
        devfn: Number((v >> 8n) & 0xffn),
        pin: Number(v & 3n),
      };
    case 2:
      return { type: "vector", vector: Number(v & 0xffn) };
    default:
      return { type: "unknown", raw: v };
  }
}

export class HvmParams {
  private readonly values = new Array<bigint>(HVM_NR_PARAMS).fill(0n);

  constructor(
    /** Called after a guest write takes effect (CALLBACK_IRQ wiring, layout latch). */
    private readonly onGuestWrite: (index: number, value: bigint) => void = () => {},
  ) {}

  private check(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= HVM_NR_PARAMS) return -EINVAL;
    if (DEPRECATED.has(index)) return -EINVAL;
    return 0;
  }

  /** HVMOP_get_param from the guest: the value, or -errno as a number. */
  guestGet(index: number): bigint | number {
    const rc = this.check(index);
    if (rc) return rc;
    if (!GUEST_READABLE.has(index)) return -EPERM;
    return this.values[index];
  }

  /** HVMOP_set_param from the guest: 0 or -errno. */
  guestSet(index: number, value: bigint): number {
    const rc = this.check(index);
    if (rc) return rc;
    if (!GUEST_WRITABLE.has(index)) return -EPERM;
    value = BigInt.asUintN(64, value);
    if (index === HVM_PARAM_X87_FIP_WIDTH && ![0n, 2n, 4n, 8n].includes(value)) return -EINVAL;
    if (index === HVM_PARAM_ACPI_IOPORTS_LOCATION && value > 1n) return -EINVAL;
    // CALLBACK_IRQ: every type is accepted, unknown ones silently (reference §4).
    this.values[index] = value;
    this.onGuestWrite(index, value);
    return 0;
  }

  /** Toolstack-side read/write, no access rules. */
  get(index: number): bigint {
    return this.values[index] ?? 0n;
  }

  set(index: number, value: bigint): void {
    if (this.check(index)) throw new RangeError(`HVM param ${index}`);
    this.values[index] = BigInt.asUintN(64, value);
  }

  save(): string[] {
    return this.values.map(String);
  }

  restore(s: string[]): void {
    s.forEach((v, i) => (this.values[i] = BigInt(v)));
  }
}
