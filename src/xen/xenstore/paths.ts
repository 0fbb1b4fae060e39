// The xenstore contents a Linux PVH domU expects at boot (reference §8), written the
// way the toolstack (QEMU's xen_xenstore.c, libxl) writes them, plus the toolstack
// requests the host makes later: control/shutdown and PV device frontend/backend pairs.
//
// Ownership rules (QEMU):
// - toolstack facts under /local/domain/N are dom0-owned and guest-readable;
// - the directories the guest fills in itself are guest-owned;
// - a device's frontend directory is guest-owned and backend-readable, its backend
//   directory (under the backend domain) backend-owned and guest-readable.

import type { XenStore, XsPerm } from "./store.js";
import { domainPath } from "./store.js";

export interface DomainXenstoreSetup {
  domid: number;
  name: string;
  /** Guest RAM in KiB (memory/static-max and memory/target). */
  memoryKiB: number;
  vcpus: number;
  store: { port: number; gfn: number };
  /** The primary PV console; null when the machine has none. */
  console: { port: number; gfn: number } | null;
}

const utf8 = new TextEncoder();

function put(store: XenStore, path: string, value: string, perms: XsPerm[]): void {
  const c = store.toolstack;
  store.write(c, 0, path, utf8.encode(value));
  store.setPerms(c, 0, path, perms);
}

/** dom0-owned, readable by `domid`. */
function dom0Readable(domid: number): XsPerm[] {
  return [
    { dom: 0, perm: "n" },
    { dom: domid, perm: "r" },
  ];
}

/** Owned by `domid`, no access for others (dom0 may do anything anyway). */
function guestOwned(domid: number): XsPerm[] {
  return [{ dom: domid, perm: "n" }];
}

/** Create dom0's and the guest's standard nodes. */
export function populateDomain(store: XenStore, d: DomainXenstoreSetup): void {
  const n0: XsPerm[] = [{ dom: 0, perm: "n" }];
  put(store, "/local", "", n0);
  put(store, "/local/domain", "", n0);
  put(store, domainPath(0), "", n0);
  put(store, `${domainPath(0)}/name`, "Domain-0", n0);
  put(store, `${domainPath(0)}/domid`, "0", n0);
  put(store, `${domainPath(0)}/backend`, "", n0);

  const base = domainPath(d.domid);
  const ro = dom0Readable(d.domid);
  const facts: [string, string][] = [
    ["", ""],
    ["domid", String(d.domid)],
    ["name", d.name],
    ["memory", ""],
    ["memory/static-max", String(d.memoryKiB)],
    ["memory/target", String(d.memoryKiB)],
    ["control", ""],
    ["control/platform-feature-xs_reset_watches", "1"],
    ["control/platform-feature-multiprocessor-suspend", "1"],
    ["platform", ""],
    ["platform/acpi", "1"],
    ["platform/acpi_s3", "0"],
    ["platform/acpi_s4", "0"],
    ["store", ""],
    ["store/port", String(d.store.port)],
    ["store/ring-ref", String(d.store.gfn)],
    ["cpu", ""],
  ];
  for (let i = 0; i < d.vcpus; i++) facts.push([`cpu/${i}`, ""], [`cpu/${i}/availability`, "online"]);
  if (d.console) {
    facts.push(
      ["console", ""],
      ["console/ring-ref", String(d.console.gfn)],
      ["console/port", String(d.console.port)],
      ["console/type", "xenconsoled"],
      ["console/state", "3"],
    );
  }
  for (const [rel, value] of facts) put(store, rel ? `${base}/${rel}` : base, value, ro);

  const mine = guestOwned(d.domid);
  for (const rel of ["attr", "data", "device", "drivers", "error", "feature"]) put(store, `${base}/${rel}`, "", mine);
  for (const rel of [
    "control/shutdown",
    "control/feature-poweroff",
    "control/feature-reboot",
    "control/feature-suspend",
    "control/feature-s3",
    "control/feature-s4",
  ])
    put(store, `${base}/${rel}`, "", mine);
}

export type ShutdownRequest = "poweroff" | "halt" | "reboot" | "suspend";

/** Ask the guest to shut down the way `xl shutdown` does: write control/shutdown.
 * Linux acknowledges by writing "" back and then makes SCHEDOP_shutdown. */
export function requestShutdown(store: XenStore, domid: number, reason: ShutdownRequest): void {
  store.write(store.toolstack, 0, `${domainPath(domid)}/control/shutdown`, utf8.encode(reason));
}

export interface PvDevice {
  /** The guest. */
  domid: number;
  /** Where the backend runs; the host is 0. */
  backendDomid?: number;
  /** Device class as Linux's xenbus names it: "vbd", "vif", "console", … */
  kind: string;
  /** Device id: for vbd the encoded vdev (xvda = 51712), else 0, 1, … */
  devid: number;
  /** Frontend keys besides backend/backend-id/state (guest-owned). */
  frontend?: Record<string, string>;
  /** Backend keys besides frontend/frontend-id/online/state (backend-owned). */
  backend?: Record<string, string>;
}

/** Create a PV device's frontend and backend directories with the usual linkage keys,
 * both in XenbusStateInitialising (1). Returns both paths; the backend then moves its
 * state to InitWait (2) and watches the frontend's. */
export function addPvDevice(store: XenStore, dev: PvDevice): { frontend: string; backend: string } {
  const be = dev.backendDomid ?? 0;
  const fe = `${domainPath(dev.domid)}/device/${dev.kind}/${dev.devid}`;
  const bePath = `${domainPath(be)}/backend/${dev.kind}/${dev.domid}/${dev.devid}`;
  const fePerms: XsPerm[] = [
    { dom: dev.domid, perm: "n" },
    { dom: be, perm: "r" },
  ];
  const bePerms: XsPerm[] = [
    { dom: be, perm: "n" },
    { dom: dev.domid, perm: "r" },
  ];
  // Parent directories of the backend side: backend-owned, guest-readable.
  put(store, `${domainPath(be)}/backend/${dev.kind}`, "", bePerms);
  put(store, `${domainPath(be)}/backend/${dev.kind}/${dev.domid}`, "", bePerms);
  put(store, `${domainPath(dev.domid)}/device/${dev.kind}`, "", fePerms);

  const beKeys: Record<string, string> = {
    frontend: fe,
    "frontend-id": String(dev.domid),
    online: "1",
    state: "1",
    ...dev.backend,
  };
  put(store, bePath, "", bePerms);
  for (const [k, v] of Object.entries(beKeys)) put(store, `${bePath}/${k}`, v, bePerms);

  const feKeys: Record<string, string> = {
    backend: bePath,
    "backend-id": String(be),
    state: "1",
    ...dev.frontend,
  };
  put(store, fe, "", fePerms);
  for (const [k, v] of Object.entries(feKeys)) put(store, `${fe}/${k}`, v, fePerms);
  return { frontend: fe, backend: bePath };
}
