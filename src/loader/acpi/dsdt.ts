// Differentiated System Description Table: the AML namespace. It holds one
// processor device per vCPU and, when the machine has ECAM, the PCIe host
// bridge \_SB.PCI0 shaped like QEMU microvm's GPEX description (which Linux
// is known to enumerate under PVH boot, see the ABI reference §12):
//
//   Scope (\_SB) {
//     Device (C000) { Name (_HID, "ACPI0007") Name (_UID, 0) }  ... one per vCPU
//     Device (PCI0) {
//       Name (_HID, EisaId ("PNP0A08"))  Name (_CID, EisaId ("PNP0A03"))
//       Name (_SEG, 0)  Name (_BBN, 0)  Name (_UID, 0)  Name (_CBA, <ecam base>)
//       Name (_CRS, ResourceTemplate () { WordBusNumber, DWordMemory (32-bit
//             window), QWordMemory (64-bit window) })
//       Method (_OSC, 4) { ... grants the OS the PCIe features it asks for }
//       Device (RES0) { Name (_HID, EisaId ("PNP0C02"))
//                       Name (_CRS, ResourceTemplate () { QWordMemory (ECAM) }) }
//     }
//   }
//
// No _PRT: devices interrupt with MSI-X, and there is no IOAPIC to route INTx to.

import type { XenPvhLayout } from "../../machine/config.js";
import {
  package_,
  and,
  arg,
  cat,
  createDWordField,
  device,
  eisaId,
  else_,
  if_,
  integer,
  lEqual,
  lNotEqual,
  local,
  method,
  name,
  or,
  ref,
  return_,
  scope,
  store,
  string,
  uuid,
  type Aml,
} from "./aml.js";
import { dwordMemory, qwordMemory, resourceTemplate, wordBusNumber } from "./resource.js";
import { SDT_HEADER_BYTES, newSdt, sealSdt } from "./sdt.js";
import { ECAM_BYTES_PER_BUS } from "./mcfg.js";

/** Revision 2: AML integers are 64 bits wide (needed for the 64-bit window). */
export const DSDT_REVISION = 2;

/** The _OSC UUID for PCI/PCIe host bridges (PCI Firmware Spec 3.x §4.5.1). */
export const PCI_HOST_BRIDGE_OSC_UUID = "33DB4D5B-1FF7-401C-9657-7441C03DD766";
/** Control field bits we hand over: SHPC hotplug (1), PME (2), AER (3), PCIe
 * capability structure (4). Native PCIe hotplug (0) stays ours: no hotplug. */
export const OSC_GRANTED_CONTROLS = 0x1e;

/** ACPI name of vCPU n's processor device: C000, C001, ... (hex, up to 4096). */
export function processorDeviceName(vcpu: number): string {
  return "C" + vcpu.toString(16).toUpperCase().padStart(3, "0");
}

function processorDevices(vcpus: number): Aml[] {
  const out: Aml[] = [];
  for (let v = 0; v < vcpus; v++)
    // _UID matches the MADT entry's ACPI Processor UID.
    out.push(device(processorDeviceName(v), name("_HID", string("ACPI0007")), name("_UID", integer(v))));
  return out;
}

/** _OSC (PCI Firmware Spec §4.5): Arg3 is the capabilities buffer, dword 1
 * status, dword 2 support, dword 3 control. Grant what is asked for within
 * OSC_GRANTED_CONTROLS; report unknown UUIDs and revisions the standard way. */
function hostBridgeOsc(): Aml {
  const CDW1 = ref("CDW1");
  const CDW3 = ref("CDW3");
  return method(
    "_OSC",
    4,
    createDWordField(arg(3), integer(0), "CDW1"),
    if_(
      lEqual(arg(0), uuid(PCI_HOST_BRIDGE_OSC_UUID)),
      createDWordField(arg(3), integer(4), "CDW2"),
      createDWordField(arg(3), integer(8), "CDW3"),
      store(CDW3, local(0)),
      and(local(0), integer(OSC_GRANTED_CONTROLS), local(0)),
      // Unrecognized revision (status bit 3).
      if_(lNotEqual(arg(1), integer(1)), or(CDW1, integer(0x08), CDW1)),
      // Capabilities masked (status bit 4).
      if_(lNotEqual(CDW3, local(0)), or(CDW1, integer(0x10), CDW1)),
      store(local(0), CDW3),
    ),
    // Unrecognized UUID (status bit 2).
    else_(or(CDW1, integer(0x04), CDW1)),
    return_(arg(3)),
  );
}

function pciHostBridge(layout: XenPvhLayout): Aml {
  const buses = layout.pciEcamSize / ECAM_BYTES_PER_BUS;
  const windows: Uint8Array[] = [wordBusNumber({ min: 0, length: buses })];
  if (layout.pciMmioSize > 0) {
    const w = { min: layout.pciMmioBase, length: layout.pciMmioSize };
    windows.push(layout.pciMmioBase + layout.pciMmioSize <= 2 ** 32 ? dwordMemory(w) : qwordMemory(w));
  }
  if (layout.pciMmioHighSize > 0)
    windows.push(qwordMemory({ min: layout.pciMmioHighBase, length: layout.pciMmioHighSize, cacheable: true }));
  return device(
    "PCI0",
    name("_HID", eisaId("PNP0A08")), // PCI Express root bridge
    name("_CID", eisaId("PNP0A03")), // ... compatible with a PCI root bridge
    name("_SEG", integer(0)),
    name("_BBN", integer(0)),
    name("_UID", integer(0)),
    // Linux maps ECAM from _CBA when there is no usable MCFG.
    name("_CBA", integer(layout.pciEcamBase)),
    name("_CRS", resourceTemplate(...windows)),
    hostBridgeOsc(),
    device(
      "RES0",
      // Motherboard resources: the reservation Linux looks for before it uses ECAM.
      name("_HID", eisaId("PNP0C02")),
      name("_CRS", resourceTemplate(qwordMemory({ min: layout.pciEcamBase, length: layout.pciEcamSize, consumer: true }))),
    ),
  );
}

/** The sleep type value for S5 in \\_S5 and in sleep control register writes. */
export const SLP_TYP_S5 = 5;

export function buildDsdt(layout: XenPvhLayout, vcpus: number): Uint8Array {
  const sb: Aml[] = processorDevices(vcpus);
  if (layout.pciEcamSize > 0) sb.push(pciHostBridge(layout));
  // \_S5: the soft-off sleep type; Linux powers off by writing SLP_TYP=5|SLP_EN to
  // the FADT's sleep control register, which the machine turns into a poweroff.
  const aml = cat(scope("\\_SB", ...sb), name("\\_S5", package_(integer(SLP_TYP_S5), integer(0))));
  const { bytes } = newSdt("DSDT", DSDT_REVISION, SDT_HEADER_BYTES + aml.length);
  bytes.set(aml, SDT_HEADER_BYTES);
  return sealSdt(bytes);
}
