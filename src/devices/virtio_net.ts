// virtio-net (virtio 1.x §5.1): one receive and one transmit queue, a MAC
// address and link status in the configuration, no offloads. Every buffer
// starts with the 12-byte virtio_net_hdr (VERSION_1 layout); with no offload
// features negotiated the device ignores it on transmit and writes zeros (and
// num_buffers = 1) on receive.
import type { Core } from "../core/core.js";
import { MAX_FRAME, type NetBackend } from "../backends/net/net_backend.js";
import { VirtioFunction, VIRTIO_ID_NET } from "./virtio_pci.js";
import type { DeviceModel, DeviceContext } from "./device_model.js";

const F_MAC = 5;
const F_STATUS = 16;
const NET_HDR = 12;
const RXQ = 0;
const TXQ = 1;
const QUEUE_SIZE = 256;
/** Frames waiting for receive buffers; more are dropped (like a full NIC FIFO). */
const RX_BACKLOG = 256;
const LINK_UP = 1;

/** Parses "52:54:00:12:34:56". */
export function parseMac(s: string): Uint8Array | null {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(s);
  return m ? Uint8Array.from(m.slice(1), (x) => parseInt(x, 16)) : null;
}

export function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export class VirtioNet implements DeviceModel {
  readonly fn: VirtioFunction;
  private rx: Uint8Array[] = [];
  private link = true;
  /** Counters: frames sent/received, and frames dropped for want of guest buffers. */
  readonly stats = { txFrames: 0, rxFrames: 0, rxDropped: 0, rxTooBig: 0 };

  constructor(
    private readonly core: Core,
    slot: number,
    readonly backend: NetBackend | null,
    readonly mac: Uint8Array,
    private readonly ctx: DeviceContext,
  ) {
    const features = (1n << BigInt(F_MAC)) | (1n << BigInt(F_STATUS));
    this.fn = new VirtioFunction(core, slot, VIRTIO_ID_NET, 2, QUEUE_SIZE, features, this.config());
    this.fn.log = ctx.log;
    if (backend) backend.onReceive = (f) => this.receive(f);
  }

  /** struct virtio_net_config: mac[6], le16 status. */
  private config(): Uint8Array {
    const c = new Uint8Array(8);
    c.set(this.mac);
    c[6] = this.link ? LINK_UP : 0;
    return c;
  }

  /** Link up/down (QMP set_link): the driver gets a configuration interrupt. */
  setLink(up: boolean): void {
    if (up === this.link) return;
    this.link = up;
    this.fn.setConfig(this.config());
  }

  /** A frame from the backend: queued until the guest has a receive buffer. */
  receive(frame: Uint8Array): void {
    if (!this.link || frame.length > MAX_FRAME) return;
    if (this.rx.length >= RX_BACKLOG) {
      this.stats.rxDropped++;
      return;
    }
    this.rx.push(frame);
    this.ctx.wake();
  }

  kick(q: number): void {
    if (q === TXQ) this.transmit();
    else if (q === RXQ) this.deliver();
  }

  poll(): void {
    this.deliver();
    if (this.fn.available(TXQ) > 0) this.transmit();
  }

  get busy(): boolean {
    return this.rx.length > 0 && this.fn.live;
  }

  private transmit(): void {
    for (let c = this.fn.pop(TXQ); c; c = this.fn.pop(TXQ)) {
      const frame = c.read(this.core, NET_HDR, Math.min(c.readable, NET_HDR + MAX_FRAME) - NET_HDR);
      // Shorter than an Ethernet header: nothing a peer could use.
      if (frame.length >= 14 && this.link) {
        this.stats.txFrames++;
        this.backend?.send(frame);
      }
      this.fn.push(c, 0);
    }
  }

  private deliver(): void {
    if (!this.fn.live) return;
    while (this.rx.length) {
      const c = this.fn.pop(RXQ);
      if (!c) return;
      const frame = this.rx.shift()!;
      if (c.writable < NET_HDR + frame.length) {
        // Without mergeable buffers a frame must fit one chain: drop it, give the buffer back unused.
        this.stats.rxTooBig++;
        this.fn.push(c, 0);
        continue;
      }
      const hdr = new Uint8Array(NET_HDR);
      hdr[10] = 1; // num_buffers
      c.write(this.core, 0, hdr);
      c.write(this.core, NET_HDR, frame);
      this.fn.push(c, NET_HDR + frame.length);
      this.stats.rxFrames++;
    }
  }

  async close(): Promise<void> {
    if (this.backend) {
      this.backend.onReceive = null;
      await this.backend.close();
    }
  }
}
