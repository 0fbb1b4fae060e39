// The machine's PCI devices: builds the GPEX bus and the virtio functions from
// the configuration (-drive, -device, -netdev), routes virtqueue kicks to the
// device models, and moves finished backend work into the guest.
//
// How the run loop uses it:
//   new Devices(core, config, platform, backends)   once, after Core.create
//   on EXIT_VIRTIO_NOTIFY                            devices.handleNotify()
//   before each run() slice (and after idle waits)   devices.poll()
//   on guest reboot                                  devices.reset()
//   at exit                                          await devices.close()
// Backends call platform.wake() when something arrives, so an idle wait ends
// and poll() runs.
import type { Core } from "../core/core.js";
import * as L from "../core/layout.gen.js";
import { ConfigError, type ChardevConfig, type DriveConfig, type MachineConfig, type NetdevConfig } from "../machine/config.js";
import type { BlockBackend } from "../backends/block/block_backend.js";
import { MemoryBlock } from "../backends/block/memory.js";
import type { NetBackend } from "../backends/net/net_backend.js";
import { HubPort } from "../backends/net/hub.js";
import { UserNet } from "../backends/net/user.js";
import { virtioExports } from "./virtio_pci.js";
import { VirtioBlk } from "./virtio_blk.js";
import { VirtioNet, parseMac } from "./virtio_net.js";
import { VirtioConsole, type CharBackend } from "./virtio_console.js";
import type { DeviceContext, DeviceModel } from "./device_model.js";
import type { XenPvOpeners } from "../xen/backends/pv_devices.js";

/** Opening host resources: what differs between Node and the browser. */
export interface DeviceBackends {
  /** A drive given as a file name (Node: src/devices/node.ts). Drives with
   * `backend` or `data` do not need it. */
  openBlock?(drive: DriveConfig): BlockBackend;
  /** Netdevs other than hubport (socket, dgram, user). null: none available. */
  openNet?(netdev: NetdevConfig): NetBackend | null;
  /** The chardev a virtconsole names (-chardev ...,id=). */
  chardev?(chardev: ChardevConfig): CharBackend | null;
  log?(message: string): void;
}

/** The first slot used by virtio devices (slot 0 is the host bridge). */
const FIRST_SLOT = 1;
const LAST_SLOT = L.DEV_SLOTS - 1;

interface Planned {
  kind: "blk" | "net" | "console";
  create(slot: number): DeviceModel;
  id?: string;
}

export class Devices {
  readonly models: DeviceModel[] = [];
  /** Device id (-device id=, or the drive id) -> model. */
  readonly byId = new Map<string, DeviceModel>();
  private readonly plan: { slot: number; p: Planned }[] = [];
  private readonly ctx: DeviceContext;
  private readonly netBackends = new Map<string, NetBackend | null>();
  private readonly hubPorts: NetBackend[] = [];
  private closed = false;

  constructor(
    private readonly core: Core,
    config: MachineConfig,
    platform?: { wake(): void },
    private readonly backends: DeviceBackends = {},
  ) {
    const log = backends.log ?? ((m: string) => console.error(m));
    this.ctx = { wake: () => platform?.wake(), log };
    this.writeLayout(config);
    const planned = this.planDevices(config);
    if (planned.length > LAST_SLOT) throw new ConfigError(`xpvh: too many PCI devices (${planned.length}; at most ${LAST_SLOT})`);
    planned.forEach((p, i) => this.plan.push({ slot: FIRST_SLOT + i, p }));
    this.build();
  }

  private writeLayout(config: MachineConfig): void {
    const c = this.core;
    const l = config.layout;
    c.setCtl64(L.CTL_ECAM_BASE, l.pciEcamBase);
    c.setCtl64(L.CTL_ECAM_SIZE, l.pciEcamSize);
    c.setCtl64(L.CTL_MMIO32_BASE, l.pciMmioBase);
    c.setCtl64(L.CTL_MMIO32_SIZE, l.pciMmioSize);
    c.setCtl64(L.CTL_MMIO64_BASE, l.pciMmioHighBase);
    c.setCtl64(L.CTL_MMIO64_SIZE, l.pciMmioHighSize);
  }

  /** (Re)creates the bus: the host bridge and every device, all in reset state. */
  private build(): void {
    virtioExports(this.core).pciInit();
    for (const { slot, p } of this.plan) {
      const m = p.create(slot);
      this.models.push(m);
      if (p.id) this.byId.set(p.id, m);
    }
  }

  // -------------------------------------------------------------------------
  // Configuration → device list. Order: -device entries as given, then
  // -drive if=virtio drives, as QEMU appends those after the explicit devices.

  private planDevices(config: MachineConfig): Planned[] {
    const out: Planned[] = [];
    const drives = new Map(config.drives.map((d) => [d.id, d]));
    let nic = 0;
    let consoles = 0;
    const consolePorts = config.devices.filter((d) => d.driver === "virtconsole" || d.driver === "virtserialport");
    for (const dev of config.devices) {
      const o = dev.options;
      switch (dev.driver) {
        case "virtio-blk-pci": {
          const drive = drives.get(o.drive);
          if (!drive) throw new ConfigError(`xpvh: -device virtio-blk-pci: drive '${o.drive}' not found`);
          out.push(this.planBlk(drive, o.serial, o.id ?? drive.id));
          break;
        }
        case "virtio-net-pci": {
          const index = nic++;
          const mac = o.mac ? parseMac(o.mac) : Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, (0x56 + index) & 0xff);
          if (!mac) throw new ConfigError(`xpvh: -device virtio-net-pci: mac=${o.mac} is not a MAC address`);
          const netdev = o.netdev;
          out.push({
            kind: "net",
            id: o.id,
            create: (slot) => new VirtioNet(this.core, slot, netdev ? this.netBackend(config, netdev) : null, mac, this.ctx),
          });
          break;
        }
        case "virtio-serial-pci": {
          // One port only (no MULTIPORT): the bus's first virtconsole is its console.
          const port = consolePorts[consoles++];
          if (consolePorts.length > 1 && consoles === 1)
            this.ctx.log("xpvh: warning: virtio-serial-pci has a single port here; extra virtconsole/virtserialport devices are ignored");
          const chardev = port?.options.chardev;
          const cc = chardev === undefined ? undefined : config.chardevs.find((c) => c.id === chardev);
          if (chardev !== undefined && !cc) throw new ConfigError(`xpvh: -device virtconsole: chardev '${chardev}' not found`);
          let backend: CharBackend | null | undefined;
          out.push({
            kind: "console",
            id: o.id ?? port?.options.id,
            // Opened once: a reset re-creates the model on the same backend.
            create: (slot) => new VirtioConsole(this.core, slot, (backend ??= cc ? this.openChardev(cc) : null), this.ctx),
          });
          break;
        }
      }
    }
    for (const d of config.drives) if (d.interface === "virtio") out.push(this.planBlk(d, undefined, d.id));
    return out;
  }

  private planBlk(drive: DriveConfig, serial: string | undefined, id: string): Planned {
    const backend = this.openDrive(drive);
    return {
      kind: "blk",
      id,
      create: (slot) => new VirtioBlk(this.core, slot, backend, this.ctx, { serial, readOnly: drive.readonly }),
    };
  }

  /** The same backend-opening path for the Xen PV devices (src/xen/backends). */
  pvOpeners(config: MachineConfig): XenPvOpeners {
    return {
      block: (d) => this.openDrive(d),
      net: (id) => (id === undefined ? null : this.netBackend(config, id)),
      chardev: (id) => {
        const cc = config.chardevs.find((c) => c.id === id);
        return cc ? this.openChardev(cc) : null;
      },
    };
  }

  private openDrive(d: DriveConfig): BlockBackend {
    if (d.backend) return d.backend;
    if (d.data) return new MemoryBlock(d.data, d.readonly);
    if (d.file !== undefined) {
      if (!this.backends.openBlock) throw new ConfigError(`xpvh: -drive file=${d.file}: this platform cannot open files; give the drive's data or backend`);
      return this.backends.openBlock(d);
    }
    throw new ConfigError(`xpvh: -drive id=${d.id}: no file, data or backend`);
  }

  private openChardev(cc: ChardevConfig): CharBackend | null {
    const b = this.backends.chardev?.(cc) ?? null;
    if (!b) this.ctx.log(`xpvh: warning: -chardev ${cc.backend},id=${cc.id} is not available here; virtconsole output is dropped`);
    return b;
  }

  /** The backend of netdev `id` (opened once; hubport netdev= links another). */
  private netBackend(config: MachineConfig, id: string): NetBackend | null {
    if (this.netBackends.has(id)) return this.netBackends.get(id)!;
    const nd = config.netdevs.find((n) => n.id === id);
    if (!nd) throw new ConfigError(`xpvh: netdev '${id}' not found`);
    this.netBackends.set(id, null); // guards hubport loops
    let b: NetBackend | null = null;
    if (nd.backend) b = nd.backend;
    else if (nd.type === "hubport") {
      const hubid = Number(nd.options.hubid ?? 0);
      if (!Number.isInteger(hubid) || hubid < 0) throw new ConfigError(`xpvh: -netdev hubport,id=${id}: bad hubid`);
      const port = new HubPort(hubid);
      const inner = nd.options.netdev;
      if (inner) {
        const other = this.netBackend(config, inner);
        if (other) this.hubPorts.push(port.link(other));
      }
      b = port;
    } else if (nd.type !== "none") {
      b = this.backends.openNet?.(nd) ?? null;
      // Without host sockets `user` still gives DHCP, ARP and ping of the gateway.
      if (!b && nd.type === "user") {
        const o = nd.options;
        try {
          b = new UserNet(null, { net: o.net, host: o.host, dns: o.dns, dhcpstart: o.dhcpstart, log: this.ctx.log });
        } catch (e) {
          throw new ConfigError(`xpvh: -netdev user,id=${id}: ${(e as Error).message}`);
        }
      }
      if (!b) this.ctx.log(`xpvh: warning: -netdev ${nd.type},id=${id} is not available here; the NIC's cable is unplugged`);
    }
    this.netBackends.set(id, b);
    return b;
  }

  // -------------------------------------------------------------------------
  // Run-loop hooks.

  /** EXIT_VIRTIO_NOTIFY: runs every kicked queue's device model. */
  handleNotify(): void {
    const ex = virtioExports(this.core);
    for (let k = ex.takeKick(); k >= 0; k = ex.takeKick()) {
      const slot = k >> 8;
      const m = this.models[slot - FIRST_SLOT];
      m?.kick(k & 0xff);
    }
  }

  /** Delivers completed backend I/O and received data; interrupts go to the LAPIC. */
  poll(): void {
    for (const m of this.models) m.poll();
  }

  /** Some device has I/O in flight or data waiting for the guest. */
  get busy(): boolean {
    return this.models.some((m) => m.busy);
  }

  /** Platform reset (guest reboot): the bus and every device back to power-on
   * state; requests in flight are completed into nothing. Backends stay open. */
  reset(): void {
    (this.core.ex as unknown as { resetLapic(): void }).resetLapic();
    this.models.length = 0;
    this.byId.clear();
    // New device models rebind the same backends; the old ones are never polled again.
    this.build();
  }

  /** Flushes disks and closes every backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.models.map((m) => m.close().catch((e) => this.ctx.log(`xpvh: closing a device: ${(e as Error).message}`))));
    for (const p of this.hubPorts) await p.close();
  }
}
