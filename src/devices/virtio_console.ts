// virtio-console (virtio 1.x §5.3) with a single port and no multiport: queue 0
// carries input to the guest (hvc0), queue 1 its output. QEMU's
// `-device virtio-serial-pci -device virtconsole,chardev=ID`.
import type { Core } from "../core/core.js";
import { VirtioFunction, VIRTIO_ID_CONSOLE } from "./virtio_pci.js";
import type { DeviceModel, DeviceContext } from "./device_model.js";

/** A character stream at the host end (a -chardev). */
export interface CharBackend {
  /** Output from the guest. */
  write(bytes: Uint8Array): void;
  /** Set by the device: input for the guest. */
  onInput?: ((bytes: Uint8Array) => void) | null;
  close?(): void | Promise<void>;
}

const RXQ = 0;
const TXQ = 1;
const QUEUE_SIZE = 128;
/** Input bytes kept while the guest has no buffers; older input is dropped past this. */
const INPUT_BACKLOG = 64 * 1024;
/** Output taken from one chain; the rest of a larger chain is dropped. */
const MAX_OUTPUT = 64 * 1024;

export class VirtioConsole implements DeviceModel {
  readonly fn: VirtioFunction;
  private input: Uint8Array[] = [];
  private inputBytes = 0;
  inputDropped = 0;

  constructor(private readonly core: Core, slot: number, readonly backend: CharBackend | null, private readonly ctx: DeviceContext) {
    // struct virtio_console_config: cols, rows, max_nr_ports, emerg_wr; none of
    // their features is offered, so all zero.
    this.fn = new VirtioFunction(core, slot, VIRTIO_ID_CONSOLE, 2, QUEUE_SIZE, 0n, new Uint8Array(12));
    this.fn.log = ctx.log;
    if (backend) backend.onInput = (b) => this.feed(b);
  }

  /** Input for the guest (also usable without a backend). */
  feed(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.input.push(bytes.slice());
    this.inputBytes += bytes.length;
    while (this.inputBytes > INPUT_BACKLOG && this.input.length > 1) {
      const d = this.input.shift()!;
      this.inputBytes -= d.length;
      this.inputDropped += d.length;
    }
    this.ctx.wake();
  }

  kick(q: number): void {
    if (q === TXQ) this.output();
    else if (q === RXQ) this.deliver();
  }

  poll(): void {
    this.deliver();
    if (this.fn.available(TXQ) > 0) this.output();
  }

  get busy(): boolean {
    return this.inputBytes > 0 && this.fn.live;
  }

  private output(): void {
    for (let c = this.fn.pop(TXQ); c; c = this.fn.pop(TXQ)) {
      const data = c.read(this.core, 0, Math.min(c.readable, MAX_OUTPUT));
      if (data.length) this.backend?.write(data);
      this.fn.push(c, 0);
    }
  }

  private deliver(): void {
    if (!this.fn.live) return;
    while (this.inputBytes > 0) {
      const c = this.fn.pop(RXQ);
      if (!c) return;
      let put = 0;
      while (this.input.length && put < c.writable) {
        const d = this.input[0];
        const n = c.write(this.core, put, d);
        put += n;
        this.inputBytes -= n;
        if (n === d.length) this.input.shift();
        else this.input[0] = d.subarray(n);
      }
      this.fn.push(c, put);
    }
  }

  async close(): Promise<void> {
    if (this.backend) {
      this.backend.onInput = null;
      await this.backend.close?.();
    }
  }
}
