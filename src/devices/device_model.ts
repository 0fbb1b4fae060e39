// What every host-side device model offers the Devices hub, and what it gets
// from it.
import type { VirtioFunction } from "./virtio_pci.js";

export interface DeviceContext {
  /** Something arrived (an I/O completed, a frame, input): end an idle wait so
   * the machine calls poll() soon. */
  wake(): void;
  /** Diagnostics (stderr in the CLI). */
  log(message: string): void;
}

export interface DeviceModel {
  readonly fn: VirtioFunction;
  /** The driver notified queue q (EXIT_VIRTIO_NOTIFY). */
  kick(q: number): void;
  /** Move finished backend work and received data into the guest. */
  poll(): void;
  /** Work is in flight or waiting for poll(). */
  readonly busy: boolean;
  /** Finish outstanding I/O, flush, release the backend. */
  close(): Promise<void>;
}
