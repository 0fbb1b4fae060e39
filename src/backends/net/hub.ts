// QEMU's hub (`-netdev hubport,id=n0,hubid=0`): every frame a port sends goes to
// all other ports of the same hub. Hubs are per process, so NICs of several
// machines in one process (or one page) can talk to each other; a hubport with
// `netdev=` puts another backend (a socket) on the hub as well.
import type { NetBackend } from "./net_backend.js";

class Hub {
  readonly ports = new Set<HubPort>();
  deliver(from: HubPort, frame: Uint8Array): void {
    for (const p of this.ports) if (p !== from) p.onReceive?.(frame);
  }
}

const hubs = new Map<number, Hub>();

export class HubPort implements NetBackend {
  onReceive: ((frame: Uint8Array) => void) | null = null;
  private hub: Hub | null;

  constructor(readonly hubid: number) {
    let h = hubs.get(hubid);
    if (!h) hubs.set(hubid, (h = new Hub()));
    this.hub = h;
    h.ports.add(this);
  }

  send(frame: Uint8Array): void {
    this.hub?.deliver(this, frame);
  }

  /** Puts `backend` on this port's hub (QEMU's hubport netdev= property). */
  link(backend: NetBackend): NetBackend {
    const port = new HubPort(this.hubid);
    port.onReceive = (f) => backend.send(f);
    backend.onReceive = (f) => port.send(f);
    return port;
  }

  close(): void {
    const h = this.hub;
    if (!h) return;
    h.ports.delete(this);
    if (h.ports.size === 0 && hubs.get(this.hubid) === h) hubs.delete(this.hubid);
    this.hub = null;
  }
}
