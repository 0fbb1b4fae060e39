// Keeps the core's in-core EVTCHNOP_send table (EVTCHN_SEND_OFF, answered by
// assembly/xen/evtchn_send.ts) in step with the Xen layer's event channels.
//
// Only the guest's own hypercalls change what the table holds (ports bound or
// closed, the ABI, the shared_info layout, where a vcpu_info lives, upcall
// vectors), so the glue calls sync() after every hypercall that took the general
// path, and once at boot. The core answers only while the guest uses the 2-level
// ABI with the 64-bit layout and `-d hcall` is off (a send it answers is not
// traced); the sends it answered reach Xen's hypercall counters through takeSent().
import * as L from "../core/layout.gen.js";
import type { Core } from "../core/core.js";
import type { Xen } from "../xen/xen.js";

export class InCoreEvtchnSend {
  /** Ports written into the table by the last sync, to clear next time. */
  private written: number[] = [];
  private readonly dv: DataView;

  constructor(
    private readonly core: Core,
    private readonly xen: Xen,
    private readonly vcpuCount: number,
    /** False with `-d hcall`: every hypercall must reach the tracer. */
    private readonly allowed: boolean,
  ) {
    this.dv = new DataView(core.bytes.buffer, core.bytes.byteOffset + L.EVTCHN_SEND_OFF, L.EVS_PORTS + L.EVS_MAX_PORTS * 4);
    core.bytes.fill(0, L.EVTCHN_SEND_OFF, L.EVTCHN_SEND_OFF + L.EVS_PORTS + L.EVS_MAX_PORTS * 4);
  }

  sync(): void {
    const dv = this.dv;
    const { shinfo, evtchn } = this.xen;
    for (const p of this.written) dv.setUint32(L.EVS_PORTS + p * 4, 0, true);
    this.written = [];
    const page = shinfo.page;
    const on =
      this.allowed && evtchn.abi === "2-level" && shinfo.longMode && page.buffer === this.core.bytes.buffer;
    dv.setUint32(L.EVS_ENABLED, 0, true);
    if (!on) return;
    dv.setUint32(L.EVS_PENDING, page.byteOffset + shinfo.layout.evtchn_pending, true);
    dv.setUint32(L.EVS_MASK, page.byteOffset + shinfo.layout.evtchn_mask, true);
    for (let v = 0; v < this.vcpuCount; v++) {
      const at = shinfo.vcpuInfoPlace(v);
      const off = at === null ? 0 : at.inPage ? page.byteOffset + at.offset : at.offset;
      dv.setUint32(L.EVS_VCPU_INFO + v * 4, off, true);
      dv.setUint32(L.EVS_UPCALL_VECTOR + v * 4, evtchn.upcallVectorOf(v), true);
    }
    evtchn.forEachLocalSend((port, target, vcpu) => {
      if (port >= L.EVS_MAX_PORTS || target >= L.EVS_MAX_PORTS) return;
      dv.setUint32(L.EVS_PORTS + port * 4, target | (vcpu << 16), true);
      this.written.push(port);
    });
    dv.setUint32(L.EVS_ENABLED, 1, true);
  }

  /** Sends the core answered since the last call. */
  takeSent(): number {
    const n = this.dv.getUint32(L.EVS_SENT, true);
    if (n) this.dv.setUint32(L.EVS_SENT, 0, true);
    return n;
  }
}
