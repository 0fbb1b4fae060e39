// The machine's Xen PV devices: builds the backends of `-drive if=xen`,
// `-device xen-disk`, `-device xen-net-device` (plus the default NIC) and the extra
// `-device xen-console`s from the configuration, publishes them in xenstore through
// xenbus.ts, and hot-plugs or unplugs devices at run time for the host API.
//
// How the run loop uses it (see README.md in this folder):
//   new XenPvDevices(xen, config, open, wake)   once, after the Xen exists
//   before each run slice and after idle waits   pv.poll()
//   on a guest reboot (a new Xen)                pv.rebind(newXen)
//   after Xen.softReset() (kexec)                pv.rebind(xen)
//   at exit                                      await pv.close()
//
// Device numbering:
//   disks  -drive if=xen,index=i → xvd<i> (xvda = vbd 51712, + 16 per disk; the
//          extended form from xvdq on); -device xen-disk,vdev= names its own, else
//          the next free xvd.
//   NICs   vif handle: -device xen-net-device,idx=, else the next free from 0. MACs
//          default to 52:54:00:12:34:56 + n, counting after the virtio-net NICs so
//          the two kinds never share an address.
//   consoles device/console/N: the first -device xen-console is the primary
//          console (the Xen class's own); later ones get N = idx=, else 1, 2, …
//
// The default NIC (the seed document: xen-net-device "becomes the default NIC model
// for emulated Xen guests"): every -netdev that nothing uses (no -device netdev=,
// no hubport netdev=) gets a xen-net-device, unless -nodefaults.

import { ConfigError, type DriveConfig, type MachineConfig } from "../../machine/config.js";
import type { BlockBackend } from "../../backends/block/block_backend.js";
import type { NetBackend } from "../../backends/net/net_backend.js";
import type { CharBackend } from "../../devices/virtio_console.js";
import type { Xen } from "../xen.js";
import { XenbusBackend, type XenbusDevice, type XenbusDriver } from "./xenbus.js";
import { Blkback } from "./blkback.js";
import { Netback, parseMac } from "./netback.js";
import { ConsoleBack } from "./console.js";
import { parseVdev, xvdName } from "./vbd.js";

/** Opening host resources: the same path the virtio devices use (src/devices). */
export interface XenPvOpeners {
  /** The block backend of a drive (file, data or backend given). */
  block(drive: DriveConfig): BlockBackend;
  /** The backend of netdev `id`; undefined = a NIC without a netdev (no cable). */
  net(netdevId: string | undefined): NetBackend | null;
  /** The chardev an extra xen-console names. */
  chardev?(id: string): CharBackend | null;
}

export interface XenPvOptions {
  log?: (message: string) => void;
  /** -nodefaults: no default NIC. Wins over `config.nodefaults`. */
  nodefaults?: boolean;
}

/** What MachineConfig is expected to carry besides its declared fields. */
type PvConfig = MachineConfig & { nodefaults?: boolean };

/** A backend driver as this module runs it. */
interface PvDriver extends XenbusDriver {
  readonly devid: number;
  poll(): void;
  readonly busy: boolean;
  rebind(xen: Xen): void;
  close(): Promise<void>;
}

export type XenPvKind = "vbd" | "vif" | "console";

/** One PV device of the machine. */
export interface XenPvDevice {
  /** Host-side name: the -device id, the drive id, or an automatic one. */
  readonly id: string;
  readonly kind: XenPvKind;
  readonly devid: number;
  /** Disks: "xvda"… */
  readonly vdev?: string;
  readonly driver: Blkback | Netback | ConsoleBack;
  /** The xenbus side (paths, state); replaced by rebind(). */
  xenbus: XenbusDevice | null;
  /** Added at run time (kept across reboots, like QEMU's hot-plugged devices). */
  readonly hotplugged: boolean;
}

/** QEMU's first default MAC (qemu_macaddr_default_if_unset). */
const DEFAULT_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
/** Highest vif handle / console number we hand out automatically. */
const MAX_AUTO_ID = 1 << 16;

export class XenPvDevices {
  private bus: XenbusBackend;
  private readonly list: XenPvDevice[] = [];
  private readonly log: (message: string) => void;
  private nextMac: number;
  private closed = false;

  constructor(
    private xen: Xen,
    config: MachineConfig,
    private readonly open: XenPvOpeners,
    private readonly wake: () => void,
    opts: XenPvOptions = {},
  ) {
    this.log = opts.log ?? ((m) => console.error(m));
    // MACs after the virtio NICs' 52:54:00:12:34:56 + n (n counts every virtio-net-pci).
    this.nextMac = config.devices.filter((d) => d.driver === "virtio-net-pci").length;
    const nodefaults = opts.nodefaults ?? (config as PvConfig).nodefaults ?? false;
    this.plan(config, nodefaults);
    this.bus = new XenbusBackend(xen);
    for (const d of this.list) this.publish(d);
  }

  // -------------------------------------------------------------------------
  // Configuration → devices.

  private plan(config: MachineConfig, nodefaults: boolean): void {
    const drives = new Map(config.drives.map((d) => [d.id, d]));
    const vbds = new Set<number>();
    const takeVbd = (vdev: string, where: string): number => {
      const n = parseVdev(vdev);
      if (n === null) throw new ConfigError(`xpvh: ${where}: vdev=${vdev} is not a Xen disk name (xvda, xvdb, …)`);
      if (vbds.has(n)) throw new ConfigError(`xpvh: ${where}: vdev ${vdev} is already in use`);
      vbds.add(n);
      return n;
    };
    // First the names given xenDrivesly, so automatic ones can skip them.
    const xenDrives = new Map<DriveConfig, string>();
    for (const d of config.drives) if (d.interface === "xen") xenDrives.set(d, xvdName(d.index ?? 0));
    const xenDisks = config.devices.filter((d) => d.driver === "xen-disk");
    // if=xen drives without an index take the next free one (the CLI assigns them;
    // the library API may not).
    let auto = 0;
    const usedIdx = new Set(config.drives.filter((d) => d.interface === "xen" && d.index !== undefined).map((d) => d.index!));
    for (const d of config.drives) {
      if (d.interface !== "xen" || d.index !== undefined) continue;
      while (usedIdx.has(auto)) auto++;
      usedIdx.add(auto);
      xenDrives.set(d, xvdName(auto));
    }
    for (const [d, vdev] of xenDrives) takeVbd(vdev, `-drive if=xen,id=${d.id}`);
    for (const dev of xenDisks) if (dev.options.vdev) takeVbd(dev.options.vdev, "-device xen-disk");

    // -device xen-disk (in order), then -drive if=xen.
    let nextXvd = 0;
    const freeXvd = (): string => {
      for (;; nextXvd++) {
        const name = xvdName(nextXvd);
        const n = parseVdev(name)!;
        if (!vbds.has(n)) {
          vbds.add(n);
          return name;
        }
      }
    };
    for (const dev of xenDisks) {
      const o = dev.options;
      const drive = drives.get(o.drive);
      if (!drive) throw new ConfigError(`xpvh: -device xen-disk: drive '${o.drive}' not found`);
      const vdev = o.vdev ?? freeXvd();
      this.list.push(this.makeDisk(o.id ?? drive.id, this.open.block(drive), vdev, drive.readonly, drive.file ?? drive.id, false));
    }
    for (const [d, vdev] of xenDrives)
      this.list.push(this.makeDisk(d.id, this.open.block(d), vdev, d.readonly, d.file ?? d.id, false));

    // NICs: xenDrives, then one default per unused netdev.
    const handles = new Set<number>();
    const nics = config.devices.filter((d) => d.driver === "xen-net-device");
    for (const dev of nics) {
      if (dev.options.idx === undefined) continue;
      const idx = parseIdx(dev.options.idx, "-device xen-net-device");
      if (handles.has(idx)) throw new ConfigError(`xpvh: -device xen-net-device: idx=${idx} is already in use`);
      handles.add(idx);
    }
    for (const dev of nics) {
      const o = dev.options;
      const devid = o.idx !== undefined ? parseIdx(o.idx, "-device xen-net-device") : freeId(handles, 0);
      if (o.idx === undefined) handles.add(devid);
      let mac: Uint8Array;
      if (o.mac !== undefined) {
        const m = parseMac(o.mac);
        if (!m) throw new ConfigError(`xpvh: -device xen-net-device: mac=${o.mac} is not a MAC address`);
        mac = m;
      } else mac = this.defaultMac();
      this.list.push(this.makeNic(o.id ?? `vif${devid}`, this.open.net(o.netdev), devid, mac, false));
    }
    if (!nodefaults) {
      const used = new Set<string>();
      for (const dev of config.devices) if (dev.options.netdev !== undefined) used.add(dev.options.netdev);
      for (const n of config.netdevs) if (n.type === "hubport" && n.options.netdev !== undefined) used.add(n.options.netdev);
      for (const n of config.netdevs) {
        if (used.has(n.id)) continue;
        const devid = freeId(handles, 0);
        handles.add(devid);
        this.list.push(this.makeNic(`vif${devid}`, this.open.net(n.id), devid, this.defaultMac(), false));
      }
    }

    // Consoles: the first is the primary (served by the Xen class).
    const consoles = config.devices.filter((d) => d.driver === "xen-console").slice(1);
    const nums = new Set<number>();
    for (const dev of consoles) {
      if (dev.options.idx === undefined) continue;
      const idx = parseIdx(dev.options.idx, "-device xen-console");
      if (idx === 0) throw new ConfigError("xpvh: -device xen-console: idx=0 is the primary console (the first xen-console)");
      if (nums.has(idx)) throw new ConfigError(`xpvh: -device xen-console: idx=${idx} is already in use`);
      nums.add(idx);
    }
    for (const dev of consoles) {
      const o = dev.options;
      const n = o.idx !== undefined ? parseIdx(o.idx, "-device xen-console") : freeId(nums, 1);
      if (o.idx === undefined) nums.add(n);
      const chardev = o.chardev !== undefined ? (this.open.chardev?.(o.chardev) ?? null) : null;
      if (o.chardev !== undefined && !chardev) this.log(`xpvh: warning: -device xen-console: chardev '${o.chardev}' is not available here; console ${n} is unconnected`);
      this.list.push(this.makeConsole(o.id ?? `console${n}`, chardev, n, false));
    }
  }

  private defaultMac(): Uint8Array {
    const mac = Uint8Array.from(DEFAULT_MAC);
    mac[5] = (mac[5] + this.nextMac++) & 0xff;
    return mac;
  }

  private makeDisk(id: string, backend: BlockBackend, vdev: string, readOnly: boolean, params: string, hot: boolean): XenPvDevice {
    const devid = parseVdev(vdev);
    if (devid === null) throw new ConfigError(`xpvh: xen disk '${id}': vdev=${vdev} is not a Xen disk name`);
    const driver = new Blkback(this.xen, backend, { devid, vdev, readOnly, params, wake: this.wake, log: this.log });
    return { id, kind: "vbd", devid, vdev, driver, xenbus: null, hotplugged: hot };
  }

  private makeNic(id: string, backend: NetBackend | null, devid: number, mac: Uint8Array, hot: boolean): XenPvDevice {
    const driver = new Netback(this.xen, backend, { devid, mac, wake: this.wake, log: this.log });
    return { id, kind: "vif", devid, driver, xenbus: null, hotplugged: hot };
  }

  private makeConsole(id: string, chardev: CharBackend | null, devid: number, hot: boolean): XenPvDevice {
    const driver = new ConsoleBack(this.xen, chardev, { devid, wake: this.wake });
    return { id, kind: "console", devid, driver, xenbus: null, hotplugged: hot };
  }

  /** Create the device's xenstore nodes (the guest probes them). */
  private publish(d: XenPvDevice): void {
    d.xenbus = this.bus.add(d.driver as PvDriver, d.devid, () => this.removed(d));
  }

  /** The nodes are gone (unplug finished): close the backend. */
  private removed(d: XenPvDevice): void {
    const i = this.list.indexOf(d);
    if (i < 0) return;
    this.list.splice(i, 1);
    d.xenbus = null;
    (d.driver as PvDriver).close().catch((e) => this.log(`xpvh: closing xen ${d.kind} '${d.id}': ${(e as Error).message}`));
  }

  // -------------------------------------------------------------------------
  // Host API.

  /** Every device, in creation order. */
  get devices(): readonly XenPvDevice[] {
    return this.list;
  }

  get(id: string): XenPvDevice | undefined {
    return this.list.find((d) => d.id === id);
  }

  /** Hot-plug a disk: it appears as device/vbd/<vdev's number>, and a running Linux
   * probes it. `vdev` defaults to the next free xvd name. The backend now belongs to
   * this object (closed on unplug or close()). */
  hotplugDisk(backend: BlockBackend, vdev?: string, opts: { id?: string; readOnly?: boolean } = {}): XenPvDevice {
    this.checkOpen();
    const used = new Set(this.list.filter((d) => d.kind === "vbd").map((d) => d.devid));
    let name = vdev;
    if (name === undefined) {
      for (let i = 0; ; i++) {
        if (!used.has(parseVdev(xvdName(i))!)) {
          name = xvdName(i);
          break;
        }
      }
    }
    const devid = parseVdev(name);
    if (devid === null) throw new ConfigError(`xpvh: hot-plug disk: vdev=${name} is not a Xen disk name`);
    if (used.has(devid)) throw new ConfigError(`xpvh: hot-plug disk: vdev ${name} is already in use`);
    const id = opts.id ?? name;
    this.checkId(id);
    const d = this.makeDisk(id, backend, name, !!opts.readOnly, id, true);
    this.list.push(d);
    this.publish(d);
    return d;
  }

  /** Hot-plug a NIC on `backend` (null: no cable). `mac` defaults to the next QEMU-style
   * address; the backend now belongs to this object. */
  hotplugNic(backend: NetBackend | null, mac?: string | Uint8Array, opts: { id?: string; idx?: number } = {}): XenPvDevice {
    this.checkOpen();
    const used = new Set(this.list.filter((d) => d.kind === "vif").map((d) => d.devid));
    const devid = opts.idx ?? freeId(used, 0);
    if (!Number.isInteger(devid) || devid < 0 || used.has(devid)) throw new ConfigError(`xpvh: hot-plug NIC: handle ${devid} is not free`);
    let m: Uint8Array;
    if (mac === undefined) m = this.defaultMac();
    else if (typeof mac === "string") {
      const p = parseMac(mac);
      if (!p) throw new ConfigError(`xpvh: hot-plug NIC: mac=${mac} is not a MAC address`);
      m = p;
    } else {
      if (mac.length !== 6) throw new ConfigError("xpvh: hot-plug NIC: a MAC address has 6 bytes");
      m = mac;
    }
    const id = opts.id ?? `vif${devid}`;
    this.checkId(id);
    const d = this.makeNic(id, backend, devid, m, true);
    this.list.push(d);
    this.publish(d);
    return d;
  }

  /** Hot-unplug device `id`: the frontend is asked to close and the device goes when it
   * has (at once when no frontend is active); `force` removes it now. False when there
   * is no such device. */
  unplug(id: string, force = false): boolean {
    const d = this.get(id);
    if (!d || !d.xenbus) return false;
    if (force) d.xenbus.remove();
    else d.xenbus.unplug();
    return true;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("xen PV devices are closed");
  }

  private checkId(id: string): void {
    if (this.get(id)) throw new ConfigError(`xpvh: a xen PV device with id '${id}' exists`);
  }

  // -------------------------------------------------------------------------
  // Run-loop hooks.

  /** Completed backend I/O into the guest, frames into posted buffers, console
   * output out; also picks up requests whose notification was missed. */
  poll(): void {
    for (const d of this.list) (d.driver as PvDriver).poll();
  }

  /** Some backend has I/O in flight or data waiting for the guest. */
  get busy(): boolean {
    return this.list.some((d) => (d.driver as PvDriver).busy);
  }

  /** The machine rebooted into `xen` (or `xen` was soft-reset): every device is
   * published again in its xenstore, backends stay open, connections start over. */
  rebind(xen: Xen): void {
    this.checkOpen();
    const pending = new Set(this.list.filter((d) => d.xenbus?.unplugPending));
    this.bus.close();
    this.xen = xen;
    this.bus = new XenbusBackend(xen);
    for (const d of [...this.list]) {
      // An unplug the old guest never finished is finished now.
      if (pending.has(d)) {
        this.removed(d);
        continue;
      }
      (d.driver as PvDriver).rebind(xen);
      this.publish(d);
    }
  }

  /** Disconnect everything, flush disks and close every backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bus.close();
    const all = this.list.splice(0);
    await Promise.all(
      all.map((d) =>
        (d.driver as PvDriver).close().catch((e) => this.log(`xpvh: closing xen ${d.kind} '${d.id}': ${(e as Error).message}`)),
      ),
    );
  }
}

function parseIdx(text: string, where: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new ConfigError(`xpvh: ${where}: idx=${text} is not a small number`);
  return Number(text);
}

function freeId(used: Set<number>, from: number): number {
  for (let i = from; i < MAX_AUTO_ID; i++) if (!used.has(i)) return i;
  throw new ConfigError("xpvh: no free xen PV device number");
}
