// The PV network protocol (xen/include/public/io/netif.h): two rings per device,
// tx (guest → backend) and rx (backend → guest), with the same layout in every ABI
// (no 64-bit fields).
//
//   netif_tx_request  gref u32@0 offset u16@4 flags u16@6 id u16@8 size u16@10 = 12
//   netif_tx_response id u16@0 status i16@2                                     = 4
//   netif_rx_request  id u16@0 pad u16@2 gref u32@4                             = 8
//   netif_rx_response id u16@0 offset u16@2 flags u16@4 status i16@6            = 8
//   netif_extra_info  type u8@0 flags u8@1 u[6]@2 (fits a tx request slot)
//
// A packet on the tx ring is a chain: the first request's size is the whole packet,
// later ones (linked by NETTXF_more_data) carry their fragment's size; extra-info
// slots follow the first request when it has NETTXF_extra_info. Every slot gets a
// response in the same order (extra-info slots: NETIF_RSP_NULL), which keeps
// responses in their requests' slots. On the rx ring a response must sit in the
// slot of the request whose buffer it filled (Linux netfront relies on it).

import { defineStruct } from "../../abi/struct.js";
import { ringSize } from "./ring.js";

const H = "xen/include/public/io/netif.h";

export const NETTXF_csum_blank = 1 << 0;
export const NETTXF_data_validated = 1 << 1;
export const NETTXF_more_data = 1 << 2;
export const NETTXF_extra_info = 1 << 3;

export const NETRXF_data_validated = 1 << 0;
export const NETRXF_csum_blank = 1 << 1;
export const NETRXF_more_data = 1 << 2;
export const NETRXF_extra_info = 1 << 3;

export const XEN_NETIF_EXTRA_TYPE_NONE = 0;
export const XEN_NETIF_EXTRA_TYPE_GSO = 1;
export const XEN_NETIF_EXTRA_TYPE_MCAST_ADD = 2;
export const XEN_NETIF_EXTRA_TYPE_MCAST_DEL = 3;
export const XEN_NETIF_EXTRA_TYPE_MAX = 4;
export const XEN_NETIF_EXTRA_FLAG_MORE = 1 << 0;

export const NETIF_RSP_DROPPED = -2;
export const NETIF_RSP_ERROR = -1;
export const NETIF_RSP_OKAY = 0;
/** No response: the slot held an extra-info descriptor. */
export const NETIF_RSP_NULL = 1;

/** Slots a backend must accept in one packet without negotiation. */
export const XEN_NETIF_NR_SLOTS_MIN = 18;
export const XEN_NETIF_MAX_TX_SIZE = 0xffff;
export const ETH_HLEN = 14;

export const NETIF_TX_REQUEST = defineStruct(
  "netif_tx_request",
  H,
  { gref: ["u32", 0], offset: ["u16", 4], flags: ["u16", 6], id: ["u16", 8], size: ["u16", 10] },
  12,
);
export const NETIF_TX_RESPONSE = defineStruct("netif_tx_response", H, { id: ["u16", 0], status: ["i16", 2] }, 4);
export const NETIF_EXTRA_INFO = defineStruct("netif_extra_info", H, { type: ["u8", 0], flags: ["u8", 1] }, 8);
export const NETIF_RX_REQUEST = defineStruct("netif_rx_request", H, { id: ["u16", 0], gref: ["u32", 4] }, 8);
export const NETIF_RX_RESPONSE = defineStruct(
  "netif_rx_response",
  H,
  { id: ["u16", 0], offset: ["u16", 2], flags: ["u16", 4], status: ["i16", 6] },
  8,
);

/** Ring slots: sizeof the request/response union of each ring. */
export const NETIF_TX_ENTRY_BYTES = 12;
export const NETIF_RX_ENTRY_BYTES = 8;
export const NETIF_TX_RING_SIZE = ringSize(NETIF_TX_ENTRY_BYTES);
export const NETIF_RX_RING_SIZE = ringSize(NETIF_RX_ENTRY_BYTES);

if (NETIF_TX_RING_SIZE !== 256 || NETIF_RX_RING_SIZE !== 256) throw new Error("abi netif ring sizes");
