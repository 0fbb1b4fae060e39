// PHYSDEVOP_* argument structs (xen/include/public/physdev.h): the PIRQ subset.

import { defineStruct } from "./struct.js";

const H = "xen/include/public/physdev.h";

export const PHYSDEVOP_irq_status_query = 5;
export const PHYSDEVOP_eoi = 12;
export const PHYSDEVOP_map_pirq = 13;
export const PHYSDEVOP_unmap_pirq = 14;
export const PHYSDEVOP_get_free_pirq = 23;

/** physdev_map_pirq.type */
export const MAP_PIRQ_TYPE_MSI = 0;
export const MAP_PIRQ_TYPE_GSI = 1;
/** physdev_irq_status_query.flags */
export const XENIRQSTAT_needs_eoi = 1;

export const PHYSDEV_EOI = defineStruct("physdev_eoi", H, { irq: ["u32", 0] }, 4);
export const PHYSDEV_IRQ_STATUS_QUERY = defineStruct(
  "physdev_irq_status_query",
  H,
  { irq: ["u32", 0], flags: ["u32", 4] },
  8,
);
export const PHYSDEV_MAP_PIRQ = defineStruct(
  "physdev_map_pirq",
  H,
  {
    domid: ["u16", 0],
    type: ["i32", 4],
    index: ["i32", 8],
    pirq: ["i32", 12],
    bus: ["i32", 16],
    devfn: ["i32", 20],
    entry_nr: ["i32", 24],
    table_base: ["u64", 32, 28],
  },
  40,
  36,
);
export const PHYSDEV_UNMAP_PIRQ = defineStruct(
  "physdev_unmap_pirq",
  H,
  { domid: ["u16", 0], pirq: ["i32", 4] },
  8,
);
export const PHYSDEV_GET_FREE_PIRQ = defineStruct(
  "physdev_get_free_pirq",
  H,
  { type: ["i32", 0], pirq: ["u32", 4] },
  8,
);
