// Extra PV consoles, device/console/N with N ≥ 1 (reference §9), for the second and
// later `-device xen-console,chardev=…`. The first console is the primary one the
// domain builder sets up (HVM params, grant ref 0, the `console/` keys), which the
// Xen class serves itself.
//
// Linux's hvc_xen probes each device/console/N (N ≥ 1): it allocates a page,
// grants it to the backend, writes `ring-ref` and `port` and moves to Initialised.
// The page is a xencons_interface (../console_ring.ts): guest output on `out`, input
// on `in`. Output is drained on every notification and in poll() (hvc_xen spins on
// SCHEDOP_yield when `out` is full); input waits in a bounded queue for ring space.

import { GuestMemoryError, PAGE_SIZE } from "../../core/guest_memory.js";
import type { CharBackend } from "../../devices/virtio_console.js";
import { ConsoleRing } from "../console_ring.js";
import type { HostPort } from "../evtchn.js";
import type { GrantMapping } from "../gnttab.js";
import type { Xen } from "../xen.js";
import type { XenbusDevice, XenbusDriver } from "./xenbus.js";

/** Input bytes kept while the guest's `in` ring is full; older input is dropped past this. */
const INPUT_BACKLOG = 64 * 1024;

export interface ConsoleBackOptions {
  /** N of device/console/N (≥ 1). */
  devid: number;
  wake?: () => void;
}

interface Conn {
  readonly map: GrantMapping;
  readonly port: HostPort;
  live: boolean;
}

export class ConsoleBack implements XenbusDriver {
  readonly kind = "console";
  readonly devid: number;
  readonly stats = { outBytes: 0, inBytes: 0, inDropped: 0, guestErrors: 0 };
  private conn: Conn | null = null;
  private input: Uint8Array[] = [];
  private inputBytes = 0;
  private closed = false;

  constructor(
    private xen: Xen,
    readonly chardev: CharBackend | null,
    private readonly opts: ConsoleBackOptions,
  ) {
    if (!(opts.devid >= 1)) throw new RangeError("device/console/0 is the primary console");
    this.devid = opts.devid;
    if (chardev) chardev.onInput = (b) => this.feed(b);
  }

  frontendKeys(): Record<string, string> {
    return { type: "ioemu", limit: "1048576" };
  }

  backendKeys(): Record<string, string> {
    return { "hotplug-status": "connected" };
  }

  connect(dev: XenbusDevice): string | null {
    this.disconnect();
    if (this.closed) return "backend closed";
    const ref = dev.readFrontendUint("ring-ref");
    if (ref === null) return "frontend has no valid ring-ref";
    const evtchn = dev.readFrontendUint("port");
    if (evtchn === null) return "frontend has no valid port";
    const m = this.xen.gnttab.map(0, ref, true);
    if (typeof m === "number") return `ring-ref ${ref}: grant status ${m}`;
    const port = this.xen.hostPort(() => this.kick());
    const rc = port.bindGuestPort(evtchn);
    if (rc < 0) {
      port.close();
      m.release();
      return `port ${evtchn}: bind failed (${rc})`;
    }
    this.conn = { map: m, port, live: true };
    this.kick();
    return null;
  }

  disconnect(): void {
    const c = this.conn;
    if (!c) return;
    this.conn = null;
    c.live = false;
    c.port.close();
    c.map.release();
  }

  /** Serve the guest of another Xen (the machine rebooted): the connection to the
   * old one is dropped; the backend stays open. */
  rebind(xen: Xen): void {
    this.disconnect();
    this.xen = xen;
  }

  /** Input for the guest (the chardev's onInput; also usable directly). */
  feed(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.input.push(bytes.slice());
    this.inputBytes += bytes.length;
    while (this.inputBytes > INPUT_BACKLOG && this.input.length > 1) {
      const old = this.input.shift()!;
      this.inputBytes -= old.length;
      this.stats.inDropped += old.length;
    }
    this.opts.wake?.();
  }

  /** Drain output, push input, notify when anything moved. */
  kick(): void {
    const c = this.conn;
    if (!c || !c.live) return;
    let ring: ConsoleRing;
    try {
      const page = this.xen.mem.span(c.map.gpa, PAGE_SIZE);
      if (!page) return;
      ring = new ConsoleRing(page);
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e;
      this.stats.guestErrors++;
      return;
    }
    let moved = false;
    const out = ring.drain();
    if (out.length) {
      moved = true;
      this.stats.outBytes += out.length;
      this.chardev?.write(out);
    }
    while (this.input.length) {
      const chunk = this.input[0];
      const n = ring.push(chunk);
      if (n === 0) break;
      moved = true;
      this.stats.inBytes += n;
      this.inputBytes -= n;
      if (n === chunk.length) this.input.shift();
      else this.input[0] = chunk.subarray(n);
    }
    if (moved) c.port.notify();
  }

  poll(): void {
    this.kick();
  }

  get busy(): boolean {
    return this.conn !== null && this.input.length > 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disconnect();
    if (this.chardev) {
      this.chardev.onInput = null;
      await this.chardev.close?.();
    }
  }
}
