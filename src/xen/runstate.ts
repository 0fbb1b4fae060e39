// Per-vCPU runstate accounting and the guest's vcpu_runstate_info copies
// (VCPUOP_register_runstate_memory_area; xen/include/public/vcpu.h). Linux BUGs if
// registration fails and reads the area for steal time: steal = runnable + offline.
//
// Every vCPU starts RUNSTATE_running; the run loop reports changes with set()
// (blocked in HLT/SCHEDOP_block, runnable while another vCPU holds the host thread).

import type { XenVcpu } from "./guest.js";
import { GuestStruct } from "./abi/struct.js";
import { RUNSTATE_running, VCPU_RUNSTATE_INFO } from "./abi/vcpu.js";

interface VcpuRunstate {
  state: number;
  entryNs: bigint;
  time: [bigint, bigint, bigint, bigint];
  area: bigint | null;
  areaLong: boolean;
}

export interface RunstateState {
  updateFlag: boolean;
  vcpus: { state: number; entryNs: string; time: string[]; area: string | null; areaLong: boolean }[];
}

export class Runstates {
  /** VMASST_TYPE_runstate_update_flag: mark state_entry_time while updating. */
  updateFlag = false;
  private readonly rs: VcpuRunstate[];

  constructor(
    private readonly vcpus: readonly XenVcpu[],
    private readonly clock: { nowNs(): bigint },
  ) {
    const now = clock.nowNs();
    this.rs = vcpus.map(() => ({ state: RUNSTATE_running, entryNs: now, time: [0n, 0n, 0n, 0n], area: null, areaLong: true }));
  }

  state(v: number): number {
    return this.rs[v].state;
  }

  /** Move vCPU v to RUNSTATE_* `state` now, and refresh its registered area. */
  set(v: number, state: number): void {
    const r = this.rs[v];
    if (r.state === state) return;
    const now = this.clock.nowNs();
    r.time[r.state] += now - r.entryNs;
    r.state = state;
    r.entryNs = now;
    this.write(v);
  }

  /** The vcpu_runstate_info as the guest sees it (64- or 32-bit layout). */
  encode(v: number, long: boolean): Uint8Array {
    const r = this.rs[v];
    const s = new GuestStruct(VCPU_RUNSTATE_INFO.of(long));
    s.set("state", r.state)
      .set("state_entry_time", r.entryNs)
      .set("time0", r.time[0])
      .set("time1", r.time[1])
      .set("time2", r.time[2])
      .set("time3", r.time[3]);
    return s.bytes;
  }

  /** Register (or with null, drop) the guest-virtual copy, and fill it at once. */
  setArea(v: number, gva: bigint | null, long: boolean): void {
    this.rs[v].area = gva;
    this.rs[v].areaLong = long;
    this.write(v);
  }

  /** Copy the current runstate into the vCPU's registered area. Every vCPU is stopped
   * while the host runs, so one copy is atomic for the guest and the
   * XEN_RUNSTATE_UPDATE marking (updateFlag) never needs to be visible. */
  write(v: number): void {
    const r = this.rs[v];
    if (r.area === null) return;
    try {
      this.vcpus[v].writeVirt(r.area, this.encode(v, r.areaLong));
    } catch {
      // Xen ignores copy failures here too: the area is the guest's responsibility.
    }
  }

  /** Soft reset: the guest's areas are forgotten; accounting goes on. */
  forgetAreas(): void {
    for (const r of this.rs) r.area = null;
    this.updateFlag = false;
  }

  save(): RunstateState {
    return {
      updateFlag: this.updateFlag,
      vcpus: this.rs.map((r) => ({
        state: r.state,
        entryNs: String(r.entryNs),
        time: r.time.map(String),
        area: r.area === null ? null : String(r.area),
        areaLong: r.areaLong,
      })),
    };
  }

  restore(s: RunstateState): void {
    this.updateFlag = s.updateFlag;
    s.vcpus.forEach((x, i) => {
      const r = this.rs[i];
      if (!r) return;
      r.state = x.state;
      r.entryNs = BigInt(x.entryNs);
      r.time = [BigInt(x.time[0]), BigInt(x.time[1]), BigInt(x.time[2]), BigInt(x.time[3])];
      r.area = x.area === null ? null : BigInt(x.area);
      r.areaLong = x.areaLong;
    });
  }
}
