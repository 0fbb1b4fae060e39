// The PV network backend (xen-netback / QEMU xen_nic, as dom0): connects a guest's
// netfront to a NetBackend (a hub port, a socket) over the netif tx and rx rings
// (./io/netif.ts).
//
// Handshake keys (xenbus.ts runs the state machine):
//   backend  handle, mac, feature-rx-copy 1, feature-rx-flip 0, feature-sg 1,
//            feature-gso-tcpv4/6 0, feature-ipv6-csum-offload 0,
//            feature-split-event-channels 0, hotplug-status
//   frontend handle, mac (Linux's netfront reads its MAC from its own directory)
//   from the guest: tx-ring-ref, rx-ring-ref, event-channel, request-rx-copy 1,
//            feature-rx-notify, feature-sg (it accepts multi-slot rx packets)
//
// Transmit: a packet is a chain of tx requests (more_data), possibly with extra-info
// slots after the first; its bytes are copied out of the grants, a blank TCP/UDP
// checksum is filled in (NETTXF_csum_blank), and the frame goes to the NetBackend.
// Every slot is answered in order (OKAY/ERROR; NULL for extra info), so responses
// sit in their requests' slots. A chain the frontend has not finished publishing is
// left on the ring until it has.
// Receive: frames from the NetBackend wait in a bounded queue (dropped beyond it,
// or while no frontend is connected) and are copied into the buffers the frontend
// posted, one page per slot (several, with NETRXF_more_data, for frames over a page
// when the frontend offered feature-sg).
//
// Not offered: rx flip (page transfer), GSO either way, several queues, split event
// channels, multicast control, the control ring.

import { GuestMemoryError, PAGE_SIZE } from "../../core/guest_memory.js";
import { MAX_FRAME, type NetBackend } from "../../backends/net/net_backend.js";
import { GuestStruct } from "../abi/struct.js";
import type { HostPort } from "../evtchn.js";
import type { GrantMapping } from "../gnttab.js";
import type { Xen } from "../xen.js";
import { BackRing } from "./io/ring.js";
import {
  ETH_HLEN,
  NETIF_EXTRA_INFO,
  NETIF_RSP_ERROR,
  NETIF_RSP_NULL,
  NETIF_RSP_OKAY,
  NETIF_RX_ENTRY_BYTES,
  NETIF_RX_REQUEST,
  NETIF_RX_RESPONSE,
  NETIF_TX_ENTRY_BYTES,
  NETIF_TX_REQUEST,
  NETIF_TX_RESPONSE,
  NETRXF_more_data,
  NETTXF_csum_blank,
  NETTXF_extra_info,
  NETTXF_more_data,
  XEN_NETIF_EXTRA_FLAG_MORE,
  XEN_NETIF_EXTRA_TYPE_MAX,
  XEN_NETIF_EXTRA_TYPE_NONE,
} from "./io/netif.js";
import { fillL4Checksum } from "./inet_csum.js";
import type { XenbusDevice, XenbusDriver } from "./xenbus.js";

/** Frames waiting for rx buffers; more are dropped (like a full NIC FIFO). */
const RX_BACKLOG = 256;
/** Most slots one tx packet may use (Linux netback's fatal_skb_slots is 20; a
 * 64 KiB packet needs 17 pages). */
const MAX_TX_SLOTS = 64;
/** Most extra-info slots after one tx request. */
const MAX_TX_EXTRAS = XEN_NETIF_EXTRA_TYPE_MAX;

export interface NetbackOptions {
  /** The vif's handle: device/vif/<devid>. */
  devid: number;
  mac: Uint8Array;
  /** Called when frames arrive for the guest, so the run loop calls poll(). */
  wake?: () => void;
  log?: (message: string) => void;
}

interface Conn {
  readonly tx: BackRing;
  readonly rx: BackRing;
  readonly maps: GrantMapping[];
  readonly port: HostPort;
  /** The frontend takes rx packets spanning several slots. */
  readonly sg: boolean;
  live: boolean;
}

export class Netback implements XenbusDriver {
  readonly kind = "vif";
  readonly devid: number;
  readonly mac: Uint8Array;
  readonly stats = {
    txPackets: 0,
    txBytes: 0,
    txErrors: 0,
    rxPackets: 0,
    rxBytes: 0,
    rxDropped: 0,
    guestErrors: 0,
  };
  private conn: Conn | null = null;
  private readonly rxQueue: Uint8Array[] = [];
  private closed = false;

  constructor(
    private xen: Xen,
    readonly backend: NetBackend | null,
    private readonly opts: NetbackOptions,
  ) {
    this.devid = opts.devid;
    this.mac = opts.mac.slice(0, 6);
    if (backend) backend.onReceive = (f) => this.receive(f);
  }

  // ---- XenbusDriver ----

  frontendKeys(): Record<string, string> {
    return { handle: String(this.devid), mac: formatMac(this.mac) };
  }

  backendKeys(): Record<string, string> {
    return {
      handle: String(this.devid),
      mac: formatMac(this.mac),
      "feature-rx-copy": "1",
      "feature-rx-flip": "0",
      "feature-sg": "1",
      "feature-gso-tcpv4": "0",
      "feature-gso-tcpv6": "0",
      "feature-ipv6-csum-offload": "0",
      "feature-split-event-channels": "0",
      "hotplug-status": "connected",
    };
  }

  connect(dev: XenbusDevice): string | null {
    this.disconnect();
    if (this.closed) return "backend closed";
    const queues = dev.readFrontend("multi-queue-num-queues");
    if (queues !== null && dev.readFrontendUint("multi-queue-num-queues") !== 1) return "several queues are not offered";
    const txRef = dev.readFrontendUint("tx-ring-ref");
    if (txRef === null) return "frontend has no valid tx-ring-ref";
    const rxRef = dev.readFrontendUint("rx-ring-ref");
    if (rxRef === null) return "frontend has no valid rx-ring-ref";
    const evtchn = dev.readFrontendUint("event-channel");
    if (evtchn === null)
      return dev.readFrontend("event-channel-tx") !== null ? "split event channels are not offered" : "frontend has no valid event-channel";
    if (dev.readFrontendUint("request-rx-copy") !== 1) return "the frontend must use rx copy (request-rx-copy = 1)";
    const sg = dev.readFrontendUint("feature-sg") === 1;

    const maps: GrantMapping[] = [];
    for (const ref of [txRef, rxRef]) {
      const m = this.xen.gnttab.map(0, ref, true);
      if (typeof m === "number") {
        for (const x of maps) x.release();
        return `ring grant ${ref}: status ${m}`;
      }
      maps.push(m);
    }
    const port = this.xen.hostPort(() => this.kick());
    const rc = port.bindGuestPort(evtchn);
    if (rc < 0) {
      port.close();
      for (const x of maps) x.release();
      return `event-channel ${evtchn}: bind failed (${rc})`;
    }
    this.conn = {
      tx: new BackRing(this.xen.mem, maps[0].gpa, NETIF_TX_ENTRY_BYTES),
      rx: new BackRing(this.xen.mem, maps[1].gpa, NETIF_RX_ENTRY_BYTES),
      maps,
      port,
      sg,
      live: true,
    };
    this.kick();
    return null;
  }

  disconnect(): void {
    const c = this.conn;
    if (!c) return;
    this.conn = null;
    c.live = false;
    c.port.close();
    for (const m of c.maps) m.release();
    // Frames queued for a frontend that went away are stale.
    this.rxQueue.length = 0;
  }

  /** Serve the guest of another Xen (the machine rebooted): the connection to the
   * old one is dropped; the backend stays open. */
  rebind(xen: Xen): void {
    this.disconnect();
    this.xen = xen;
  }

  // ---- frames ----

  /** A frame for the guest (NetBackend.onReceive): queued, delivered by poll(). */
  receive(frame: Uint8Array): void {
    if (!this.conn || this.closed || frame.length === 0 || frame.length > MAX_FRAME || this.rxQueue.length >= RX_BACKLOG) {
      this.stats.rxDropped++;
      return;
    }
    this.rxQueue.push(frame);
    this.opts.wake?.();
  }

  /** The frontend notified us (or poll()): transmit what it queued, deliver frames
   * into buffers it posted, publish responses. */
  kick(): void {
    const c = this.conn;
    if (!c || !c.live) return;
    try {
      this.transmit(c);
      this.deliver(c);
      let notify = false;
      if (c.live && c.tx.pushResponses()) notify = true;
      if (c.live && c.rx.pushResponses()) notify = true;
      if (notify) c.port.notify();
      if (c.tx.broken || c.rx.broken) this.ringBroken(c, "a request producer index beyond its ring");
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e;
      this.ringBroken(c, "a ring page is not RAM any more");
    }
  }

  private ringBroken(c: Conn, why: string): void {
    if (c.tx.broken && c.rx.broken) return;
    c.tx.broken = true;
    c.rx.broken = true;
    this.guestError(`${why}; rings stopped until the frontend reconnects`);
  }

  private guestError(message: string): void {
    this.stats.guestErrors++;
    this.xen.guestError(`vif ${this.devid}: ${message}`);
  }

  // ---- transmit ----

  private transmit(c: Conn): void {
    const ring = c.tx;
    for (;;) {
      const avail = ring.unconsumed();
      if (avail === 0) {
        if (!ring.finalCheck()) return;
        continue;
      }
      const n = this.transmitOne(c, avail);
      if (n === 0) {
        // The packet's later slots are not published yet: wait for them.
        if (!ring.notifyAt((ring.reqCons + avail + 1) >>> 0)) return;
      }
    }
  }

  /** Parse, answer and send the packet at req_cons; returns the slots it used, or 0
   * when its chain runs past the `avail` requests published so far. */
  private transmitOne(c: Conn, avail: number): number {
    const ring = c.tx;
    const base = ring.reqCons;
    const slot = (i: number) => new GuestStruct(NETIF_TX_REQUEST.l64, ring.request((base + i) >>> 0));
    const first = slot(0);
    let used = 1;
    let error: string | null = null;
    const extras: number[] = []; // slot indices holding extra info
    if (first.get("flags") & NETTXF_extra_info) {
      for (;;) {
        if (used >= avail) return 0;
        const e = new GuestStruct(NETIF_EXTRA_INFO.l64, ring.request((base + used) >>> 0));
        extras.push(used++);
        const type = e.get("type");
        if (type === XEN_NETIF_EXTRA_TYPE_NONE || type >= XEN_NETIF_EXTRA_TYPE_MAX) error ??= `extra info type ${type}`;
        // GSO and multicast control are not offered; a frontend sending them anyway
        // gets its packet dropped, as the features were never negotiated.
        else error ??= `extra info type ${type} not negotiated`;
        if (!(e.get("flags") & XEN_NETIF_EXTRA_FLAG_MORE)) break;
        if (extras.length >= MAX_TX_EXTRAS) {
          error ??= "too many extra info slots";
          break;
        }
      }
    }
    const frags: GuestStruct[] = [first];
    let last = first;
    while (last.get("flags") & NETTXF_more_data) {
      if (used >= avail) return 0;
      if (frags.length >= MAX_TX_SLOTS) {
        // Consume the runaway chain up to here and fail it; the rest follows as
        // further (bad) packets.
        error ??= `packet of more than ${MAX_TX_SLOTS} slots`;
        break;
      }
      last = slot(used++);
      frags.push(last);
    }
    // The chain is complete: it is consumed whatever happens next.
    ring.reqCons = (base + used) >>> 0;

    const total = first.get("size");
    let rest = 0;
    for (let i = 1; i < frags.length; i++) rest += frags[i].get("size");
    if (!error && total < ETH_HLEN) error = `packet of ${total} bytes`;
    if (!error && rest > total) error = `fragments (${rest} bytes) exceed the packet size (${total})`;
    let frame: Uint8Array | null = null;
    if (!error) {
      frame = new Uint8Array(total);
      let pos = 0;
      for (let i = 0; i < frags.length && !error; i++) {
        const f = frags[i];
        const len = i === 0 ? total - rest : f.get("size");
        const off = f.get("offset");
        if (off + len > PAGE_SIZE) {
          error = `slot ${i}: ${off}+${len} crosses the page`;
          break;
        }
        const got = this.xen.gnttab.copyFrom(0, f.get("gref"), off, len);
        if (typeof got === "number") {
          error = `slot ${i}: grant ${f.get("gref")} status ${got}`;
          break;
        }
        frame.set(got, pos);
        pos += len;
      }
    }

    // Responses in slot order: data slots get the packet's status, extra info NULL.
    const status = error ? NETIF_RSP_ERROR : NETIF_RSP_OKAY;
    let fi = 0;
    for (let i = 0; i < used; i++) {
      const r = new GuestStruct(NETIF_TX_RESPONSE.l64);
      if (extras.includes(i)) r.set("id", 0).set("status", NETIF_RSP_NULL);
      else r.set("id", frags[fi++].get("id")).set("status", status);
      ring.respond(r.bytes);
    }
    if (error || !frame) {
      this.stats.txErrors++;
      this.guestError(`tx: ${error}`);
      return used;
    }
    if (first.get("flags") & NETTXF_csum_blank) fillL4Checksum(frame);
    this.stats.txPackets++;
    this.stats.txBytes += frame.length;
    this.backend?.send(frame);
    return used;
  }

  // ---- receive ----

  private deliver(c: Conn): void {
    const ring = c.rx;
    while (this.rxQueue.length && c.live) {
      const frame = this.rxQueue[0];
      const need = Math.ceil(frame.length / PAGE_SIZE);
      if (need > 1 && !c.sg) {
        this.rxQueue.shift();
        this.stats.rxDropped++;
        continue;
      }
      if (ring.unconsumed() < need) {
        // Not enough buffers posted: be told when there are.
        if (!ring.notifyAt((ring.reqCons + need) >>> 0) || ring.unconsumed() < need) return;
      }
      this.rxQueue.shift();
      // Copy into each buffer; a bad grant fails the whole packet, but every slot is
      // still answered (in its own slot, with the packet's more_data chain intact).
      const reqs = Array.from({ length: need }, () => new GuestStruct(NETIF_RX_REQUEST.l64, ring.take()));
      let failed = false;
      for (let i = 0; i < need && !failed; i++) {
        const chunk = frame.subarray(i * PAGE_SIZE, Math.min(frame.length, (i + 1) * PAGE_SIZE));
        const st = this.xen.gnttab.copyTo(0, reqs[i].get("gref"), 0, chunk);
        if (st !== 0) {
          failed = true;
          this.guestError(`rx: buffer grant ${reqs[i].get("gref")} status ${st}`);
        }
      }
      for (let i = 0; i < need; i++) {
        const len = Math.min(PAGE_SIZE, frame.length - i * PAGE_SIZE);
        const r = new GuestStruct(NETIF_RX_RESPONSE.l64);
        r.set("id", reqs[i].get("id"))
          .set("offset", 0)
          .set("flags", i < need - 1 ? NETRXF_more_data : 0)
          .set("status", failed ? NETIF_RSP_ERROR : len);
        ring.respond(r.bytes);
      }
      if (failed) this.stats.rxDropped++;
      else {
        this.stats.rxPackets++;
        this.stats.rxBytes += frame.length;
      }
    }
  }

  // ---- run-loop hooks ----

  /** Deliver queued frames and look at the tx ring (in case a notification was missed). */
  poll(): void {
    this.kick();
  }

  /** Frames wait for a connected frontend's buffers. */
  get busy(): boolean {
    return this.rxQueue.length > 0 && this.conn !== null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disconnect();
    if (this.backend) {
      this.backend.onReceive = null;
      await this.backend.close();
    }
  }
}

/** Parses "52:54:00:12:34:56" (or with dashes). */
export function parseMac(s: string): Uint8Array | null {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(s);
  return m ? Uint8Array.from(m.slice(1), (x) => parseInt(x, 16)) : null;
}

export function formatMac(mac: Uint8Array): string {
  return [...mac.subarray(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join(":");
}
