// The backend half of the xenbus handshake, as dom0 plays it (reference §8;
// xen/include/public/io/xenbus.h, Linux drivers/xen/xenbus/, QEMU hw/xen/xen-bus.c).
//
// A device is a pair of xenstore directories:
//
//   /local/domain/<domid>/device/<kind>/<devid>      frontend: guest-owned, dom0-readable
//   /local/domain/0/backend/<kind>/<domid>/<devid>   backend: dom0-owned, guest-readable
//
// each naming the other (`backend`/`backend-id`, `frontend`/`frontend-id`) and each
// holding a `state` (XenbusState). Creating the pair at run time is hot-plug: the
// guest's xenbus watches `device/` and probes what appears.
//
// The backend's side of the state machine, driven by a watch on the frontend's
// `state` and re-evaluated from the store's current contents on every event (so a
// missed or coalesced event cannot wedge it):
//
//   created            → write features, InitWait (2)
//   frontend 3 or 4    → connect (read its ring/channel keys, map, bind) → Connected (4)
//                        (a connect that fails: Closing (5), logged as a guest error)
//   frontend 5         → Closing
//   frontend 6, 0/gone → disconnect → Closed (6); removed for good after an unplug
//   frontend 1 again   → (after Closed, or a frontend that restarted) → InitWait
//
// Hot-unplug is the toolstack's polite request: `online` = 0 and state Closing; the
// frontend closes, and the nodes go when it reaches Closed.

import type { Xen } from "../xen.js";
import type { XsConn } from "../xenstore/store.js";
import { domainPath, XsError } from "../xenstore/store.js";
import { addPvDevice } from "../xenstore/paths.js";

/** enum xenbus_state (xen/include/public/io/xenbus.h). */
export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  InitWait: 2,
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** What a device class plugs into the handshake. */
export interface XenbusDriver {
  /** The class as xenbus names it: "vbd", "vif", "console". */
  readonly kind: string;
  /** Frontend keys besides backend/backend-id/state, written at creation. */
  frontendKeys(): Record<string, string>;
  /** Backend keys (features, sizes) written at creation, before InitWait. */
  backendKeys(): Record<string, string>;
  /** The frontend is Initialised or Connected: read its keys, map its rings, bind its
   * event channels. null on success, else what the guest got wrong (the device then
   * goes to Closing). */
  connect(dev: XenbusDevice): string | null;
  /** Tear the connection down: unmap, unbind, forget requests in flight. Idempotent. */
  disconnect(): void;
}

/** dom0's xenbus for one guest: the store connection every backend watches through. */
export class XenbusBackend {
  readonly conn: XsConn;
  private readonly byToken = new Map<string, XenbusDevice>();
  private closed = false;

  constructor(readonly xen: Xen) {
    this.conn = xen.store.connect(0, (_path, token) => this.byToken.get(token)?.changed());
  }

  get domid(): number {
    return this.xen.config.domid;
  }

  /** Create device `devid` of the driver's class: both directories, then InitWait.
   * `onRemoved` runs once the nodes are gone (unplug completed, or remove()). */
  add(driver: XenbusDriver, devid: number, onRemoved?: () => void): XenbusDevice {
    if (this.closed) throw new Error("xenbus: backend closed");
    const d = new XenbusDevice(this, driver, devid, onRemoved);
    if (this.byToken.has(d.token)) throw new Error(`xenbus: ${driver.kind} ${devid} exists`);
    this.byToken.set(d.token, d);
    d.create();
    return d;
  }

  /** @internal */
  forget(d: XenbusDevice): void {
    this.byToken.delete(d.token);
  }

  get devices(): XenbusDevice[] {
    return [...this.byToken.values()];
  }

  /** Disconnect every device (their nodes stay) and drop the store connection: the
   * machine is going away or rebooting into a new Xen. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.byToken.values()) d.detach();
    this.byToken.clear();
    this.xen.store.disconnect(this.conn);
  }
}

export class XenbusDevice {
  readonly frontendPath: string;
  readonly backendPath: string;
  /** Watch token: unique per device on the shared connection. */
  readonly token: string;
  private beState: number = XenbusState.Unknown;
  private connected = false;
  private gone = false;
  private unplugging = false;
  private inChanged = false;
  private again = false;

  constructor(
    private readonly bus: XenbusBackend,
    readonly driver: XenbusDriver,
    readonly devid: number,
    private readonly onRemoved?: () => void,
  ) {
    const domid = bus.domid;
    this.frontendPath = `${domainPath(domid)}/device/${driver.kind}/${devid}`;
    this.backendPath = `${domainPath(0)}/backend/${driver.kind}/${domid}/${devid}`;
    this.token = `xpvh-backend:${driver.kind}:${devid}`;
  }

  get kind(): string {
    return this.driver.kind;
  }

  get domid(): number {
    return this.bus.domid;
  }

  get xen(): Xen {
    return this.bus.xen;
  }

  /** The backend's XenbusState. */
  get state(): number {
    return this.beState;
  }

  /** unplug() was asked and the frontend has not closed yet. */
  get unplugPending(): boolean {
    return this.unplugging && !this.gone;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** @internal The nodes, the backend's keys, InitWait, and the watch. */
  create(): void {
    // Leftovers of an earlier life of this device (a rebind into the same store).
    for (const p of [this.frontendPath, this.backendPath]) {
      try {
        this.xen.store.rm(this.bus.conn, 0, p);
      } catch {
        // no parent yet: nothing to remove
      }
    }
    addPvDevice(this.xen.store, {
      domid: this.domid,
      kind: this.kind,
      devid: this.devid,
      frontend: this.driver.frontendKeys(),
      backend: this.driver.backendKeys(),
    });
    this.beState = XenbusState.Initialising;
    this.setState(XenbusState.InitWait);
    // The first event (the watch's initial fire) runs changed() once.
    this.xen.store.watch(this.bus.conn, `${this.frontendPath}/state`, this.token);
  }

  // ---- store access on dom0's connection ----

  private read(path: string): string | null {
    try {
      return text.decode(this.xen.store.read(this.bus.conn, 0, path));
    } catch (e) {
      if (e instanceof XsError) return null;
      throw e;
    }
  }

  /** A frontend key, or null when absent. */
  readFrontend(key: string): string | null {
    return this.read(`${this.frontendPath}/${key}`);
  }

  /** A frontend key holding an unsigned decimal below 2^32, or null (absent or
   * malformed: the caller reports what it needed). */
  readFrontendUint(key: string): number | null {
    const v = this.readFrontend(key);
    if (v === null || !/^[0-9]{1,10}$/.test(v.trim())) return null;
    const n = Number(v.trim());
    return n <= 0xffffffff ? n : null;
  }

  readBackend(key: string): string | null {
    return this.read(`${this.backendPath}/${key}`);
  }

  writeBackend(key: string, value: string): void {
    if (this.gone) return;
    this.xen.store.write(this.bus.conn, 0, `${this.backendPath}/${key}`, utf8.encode(value));
  }

  /** The frontend's XenbusState; Unknown when its node is absent or garbage. */
  frontendState(): number {
    const v = this.readFrontendUint("state");
    return v === null || v > XenbusState.Reconfigured ? XenbusState.Unknown : v;
  }

  private setState(s: number): void {
    if (this.beState === s) return;
    this.beState = s;
    this.writeBackend("state", String(s));
  }

  // ---- the state machine ----

  /** @internal A watch event on the frontend's state (or a re-evaluation). */
  changed(): void {
    if (this.gone) return;
    if (this.inChanged) {
      this.again = true; // a change made while reacting to one: look again afterwards
      return;
    }
    this.inChanged = true;
    try {
      do {
        this.again = false;
        this.step();
      } while (this.again && !this.gone);
    } finally {
      this.inChanged = false;
    }
  }

  private step(): void {
    const S = XenbusState;
    const fe = this.frontendState();
    switch (fe) {
      case S.Initialising:
        // A frontend starting over (after Closed, or one that restarted while connected).
        if (this.beState === S.Closed || this.beState === S.Connected || this.beState === S.Closing) {
          if (this.unplugging) return this.finishUnplug();
          this.drop();
          this.setState(S.InitWait);
        }
        return;
      case S.Initialised:
      case S.Connected:
        if (this.unplugging || this.beState !== S.InitWait) return;
        this.tryConnect();
        return;
      case S.Closing:
        this.setState(S.Closing);
        return;
      case S.Closed:
      case S.Unknown:
        this.drop();
        this.setState(S.Closed);
        if (this.unplugging) this.finishUnplug();
        return;
      default:
        return; // InitWait, Reconfiguring, Reconfigured: nothing for a backend to do
    }
  }

  private tryConnect(): void {
    let err: string | null;
    try {
      err = this.driver.connect(this);
    } catch (e) {
      err = `connect failed: ${(e as Error).message}`;
    }
    if (err === null) {
      this.connected = true;
      this.setState(XenbusState.Connected);
      return;
    }
    this.driver.disconnect();
    this.xen.guestError(`${this.kind} ${this.devid}: ${err}`);
    this.setState(XenbusState.Closing);
  }

  private drop(): void {
    this.connected = false;
    this.driver.disconnect();
  }

  // ---- removal ----

  /** Hot-unplug: ask the frontend to close; the nodes go when it has. A frontend that
   * is not active (never probed, or closed) loses the device at once. */
  unplug(): void {
    if (this.gone) return;
    this.unplugging = true;
    this.writeBackend("online", "0");
    const fe = this.frontendState();
    if (fe === XenbusState.Initialising || fe === XenbusState.Closed || fe === XenbusState.Unknown) {
      this.finishUnplug();
      return;
    }
    this.setState(XenbusState.Closing);
  }

  private finishUnplug(): void {
    this.remove();
  }

  /** Remove the device now, connected or not (the toolstack's `xl block-detach -f`). */
  remove(): void {
    if (this.gone) return;
    this.drop();
    this.gone = true;
    const store = this.xen.store;
    try {
      store.unwatch(this.bus.conn, `${this.frontendPath}/state`, this.token);
    } catch {
      // not watching
    }
    this.bus.forget(this);
    for (const p of [this.frontendPath, this.backendPath]) {
      try {
        store.rm(this.bus.conn, 0, p);
      } catch {
        // already gone
      }
    }
    this.onRemoved?.();
  }

  /** @internal The bus is closing: disconnect, keep the nodes, stop reacting. */
  detach(): void {
    if (this.gone) return;
    this.drop();
    this.gone = true;
  }
}
