// The xenstore wire protocol (reference §8; xen/include/public/io/xs_wire.h,
// docs/misc/xenstore.txt): a 16-byte header {type, req_id, tx_id, len} and up to
// 4096 payload bytes of NUL-separated strings. Turns one request into one reply
// against a XenStore; watch events are encoded here too.
//
// Strings are treated as bytes (latin1) so tokens round-trip exactly; path
// validation rejects anything outside [A-Za-z0-9-/_@].

import {
  XENSTORE_PAYLOAD_MAX,
  XSD_HEADER_SIZE,
  XS_CONTROL,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_ERROR,
  XS_GET_DOMAIN_PATH,
  XS_GET_FEATURE,
  XS_GET_PERMS,
  XS_GET_QUOTA,
  XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED,
  XS_MKDIR,
  XS_READ,
  XS_RELEASE,
  XS_RESET_WATCHES,
  XS_RESUME,
  XS_RM,
  XS_SET_FEATURE,
  XS_SET_PERMS,
  XS_SET_QUOTA,
  XS_SET_TARGET,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
  type XsErrorName,
} from "../abi/xs_wire.js";
import { XenStore, XsError, type XsConn, domainPath, formatPerm, parsePerm } from "./store.js";

export interface XsHeader {
  type: number;
  reqId: number;
  txId: number;
  len: number;
}

export function decodeHeader(b: Uint8Array): XsHeader {
  const dv = new DataView(b.buffer, b.byteOffset, XSD_HEADER_SIZE);
  return {
    type: dv.getUint32(0, true),
    reqId: dv.getUint32(4, true),
    txId: dv.getUint32(8, true),
    len: dv.getUint32(12, true),
  };
}

export function encodeMessage(type: number, reqId: number, txId: number, payload: Uint8Array): Uint8Array {
  if (payload.length > XENSTORE_PAYLOAD_MAX) throw new Error("xenstore: reply payload over 4096 bytes");
  const out = new Uint8Array(XSD_HEADER_SIZE + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type >>> 0, true);
  dv.setUint32(4, reqId >>> 0, true);
  dv.setUint32(8, txId >>> 0, true);
  dv.setUint32(12, payload.length, true);
  out.set(payload, XSD_HEADER_SIZE);
  return out;
}

/** Bytes to a string, one char per byte. */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x2000) s += String.fromCharCode(...b.subarray(i, i + 0x2000));
  return s;
}

/** A string of chars ≤ 0xFF to bytes. */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** "a\0b\0" -> ["a", "b"]: the first `n` NUL-terminated strings (fewer is EINVAL;
 * anything after them is ignored, as xenstored does). */
function strings(payload: Uint8Array, n: number): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length && out.length < n; i++) {
    if (payload[i] === 0) {
      out.push(latin1(payload.subarray(start, i)));
      start = i + 1;
    }
  }
  if (out.length !== n) throw new XsError("EINVAL");
  return out;
}

const OK = bytes("OK\0");

export function watchEventMessage(path: string, token: string): Uint8Array {
  return encodeMessage(XS_WATCH_EVENT, 0, 0, bytes(`${path}\0${token}\0`));
}

export function errorReply(h: XsHeader, code: XsErrorName): Uint8Array {
  return encodeMessage(XS_ERROR, h.reqId, h.txId, bytes(`${code}\0`));
}

/** Handle one well-framed request (h.len ≤ 4096, payload complete) for client `conn`;
 * returns the encoded reply. Protocol errors become ERROR replies. */
export function handleRequest(store: XenStore, conn: XsConn, h: XsHeader, payload: Uint8Array): Uint8Array {
  try {
    const body = dispatch(store, conn, h, payload);
    if (body.length > XENSTORE_PAYLOAD_MAX) throw new XsError("E2BIG");
    return encodeMessage(h.type, h.reqId, h.txId, body);
  } catch (e) {
    if (e instanceof XsError) return errorReply(h, e.code);
    throw e;
  }
}

function dispatch(store: XenStore, conn: XsConn, h: XsHeader, p: Uint8Array): Uint8Array {
  const tx = h.txId;
  switch (h.type) {
    case XS_READ: {
      const [path] = strings(p, 1);
      return store.read(conn, tx, path);
    }
    case XS_WRITE: {
      const nul = p.indexOf(0);
      if (nul < 0) throw new XsError("EINVAL");
      store.write(conn, tx, latin1(p.subarray(0, nul)), p.subarray(nul + 1));
      return OK;
    }
    case XS_MKDIR: {
      const [path] = strings(p, 1);
      store.mkdir(conn, tx, path);
      return OK;
    }
    case XS_RM: {
      const [path] = strings(p, 1);
      store.rm(conn, tx, path);
      return OK;
    }
    case XS_DIRECTORY: {
      const [path] = strings(p, 1);
      return bytes(store.directory(conn, tx, path).map((c) => `${c}\0`).join(""));
    }
    case XS_DIRECTORY_PART: {
      const [path, off] = strings(p, 2);
      if (!/^[0-9]{1,10}$/.test(off)) throw new XsError("EINVAL");
      // Room for "gen\0" (a generation has at most 16 digits) and the final extra NUL.
      const part = store.directoryPart(conn, tx, path, Number(off), XENSTORE_PAYLOAD_MAX - 16 - 2);
      return bytes(`${part.gen}\0${part.names.map((c) => `${c}\0`).join("")}${part.done ? "\0" : ""}`);
    }
    case XS_GET_PERMS: {
      const [path] = strings(p, 1);
      return bytes(store.getPerms(conn, tx, path).map((x) => `${formatPerm(x)}\0`).join(""));
    }
    case XS_SET_PERMS: {
      // path\0perm\0perm\0…: at least one perm.
      const parts = latin1(p).split("\0");
      if (parts.length < 3 || parts[parts.length - 1] !== "") throw new XsError("EINVAL");
      const [path, ...perms] = parts.slice(0, -1);
      store.setPerms(conn, tx, path, perms.map(parsePerm));
      return OK;
    }
    case XS_WATCH: {
      const [path, token] = strings(p, 2);
      store.watch(conn, path, token);
      return OK;
    }
    case XS_UNWATCH: {
      const [path, token] = strings(p, 2);
      store.unwatch(conn, path, token);
      return OK;
    }
    case XS_TRANSACTION_START:
      return bytes(`${store.transactionStart(conn, tx)}\0`);
    case XS_TRANSACTION_END: {
      const [arg] = strings(p, 1);
      if (arg !== "T" && arg !== "F") throw new XsError("EINVAL");
      store.transactionEnd(conn, tx, arg === "T");
      return OK;
    }
    case XS_GET_DOMAIN_PATH: {
      const [dom] = strings(p, 1);
      if (!/^[0-9]{1,5}$/.test(dom) || Number(dom) > 0xffff) throw new XsError("EINVAL");
      return bytes(`${domainPath(Number(dom))}\0`);
    }
    case XS_RESET_WATCHES:
      store.resetWatches(conn);
      return OK;
    case XS_CONTROL:
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_RESUME:
    case XS_SET_TARGET:
      throw new XsError("EACCES"); // toolstack-only
    case XS_GET_FEATURE:
    case XS_SET_FEATURE:
    case XS_GET_QUOTA:
    case XS_SET_QUOTA:
      throw new XsError("ENOSYS");
    case XS_WATCH_EVENT:
    case XS_ERROR:
      throw new XsError("EINVAL"); // server-to-client only
    default:
      throw new XsError("ENOSYS");
  }
}
