// The xenstore database: a tree of nodes with values, permissions and generation
// counts; copy-on-write transactions; watches. Pure and serializable — no rings,
// no event channels (ring.ts and protocol.ts sit on top).
//
// The tree is persistent: every node is immutable and a change rebuilds only the
// path from the root, so a transaction's snapshot is just a root pointer.
//
// Semantics (reference §8, docs/misc/xenstore.txt):
// - Paths are absolute ("/local/domain/1/name") or relative to the caller's
//   /local/domain/<domid>; relative watches report events relatively.
// - Permissions: a list of {n,r,w,b}<domid>; the first entry names the owner and
//   gives everyone else's default. dom0 and the owner may do anything.
// - New nodes (and missing parents) inherit their parent's permissions, as in QEMU.
// - A watch fires once when set, then for every change at or below its path
//   (removing a node also fires watches below it). Transaction changes fire on
//   commit. Watchers other than dom0 only see changes to nodes they may read.
// - Transactions record the generation of every node they touch; a commit
//   conflicts (EAGAIN) when any of those changed meanwhile. Otherwise its
//   operations are replayed on the live tree, atomically.
// - Quotas for unprivileged domains are QEMU's: 1000 nodes, 2048-byte values,
//   128 watches, 10 transactions, 5 permissions per node.

import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX, type XsErrorName } from "../abi/xs_wire.js";

export type XsPermKind = "n" | "r" | "w" | "b";
export interface XsPerm {
  readonly dom: number;
  readonly perm: XsPermKind;
}

/** A failure reported to the client as an xenstore ERROR reply. */
export class XsError extends Error {
  constructor(readonly code: XsErrorName) {
    super(code);
    this.name = "XsError";
  }
}

export interface XsQuota {
  maxNodes: number;
  maxValueBytes: number;
  maxWatches: number;
  maxTransactions: number;
  maxPerms: number;
}

/** QEMU's hw/i386/kvm/xenstore_impl.c limits. */
export const XS_DEFAULT_QUOTA: Readonly<XsQuota> = {
  maxNodes: 1000,
  maxValueBytes: 2048,
  maxWatches: 128,
  maxTransactions: 10,
  maxPerms: 5,
};

interface XsNode {
  readonly value: Uint8Array;
  readonly perms: readonly XsPerm[];
  /** Changes when this node's value, permissions or set of children change. */
  readonly gen: number;
  readonly children: ReadonlyMap<string, XsNode>;
}

interface Tree {
  readonly root: XsNode;
  readonly nodes: number;
}

type TxOp =
  | { kind: "write"; path: string; value: Uint8Array }
  | { kind: "mkdir"; path: string }
  | { kind: "rm"; path: string }
  | { kind: "setperms"; path: string; perms: readonly XsPerm[] };

interface Transaction {
  readonly id: number;
  readonly conn: XsConn;
  tree: Tree;
  /** Absolute path -> generation seen at first access in the base snapshot (-1: absent). */
  readonly seen: Map<string, number>;
  readonly base: Tree;
  readonly ops: TxOp[];
}

interface Watch {
  readonly conn: XsConn;
  /** Absolute path, or a special "@…" name. */
  readonly path: string;
  readonly token: string;
  /** Characters to strip from event paths: the "/local/domain/N/" prefix for a relative watch. */
  readonly relPrefix: number;
}

/** One client of the store: a guest's ring, or a host backend (dom0). */
export interface XsConn {
  readonly id: number;
  readonly dom: number;
  /** Receives watch events (path in the client's own form, token). */
  readonly sink: (path: string, token: string) => void;
}

/** Serialized store (JSON-safe). Values are hex. */
export interface XsStoreState {
  gen: number;
  nodes: { path: string; value: string; perms: string[]; gen: number }[];
  watches: { conn: number; path: string; token: string; relPrefix: number }[];
}

const VALID_PATH = /^[A-Za-z0-9\-/_@]*$/;
const EMPTY = new Uint8Array(0);

// ---- paths and permissions ----

export function domainPath(dom: number): string {
  return `/local/domain/${dom}`;
}

/** Absolute, canonical form of a client path; throws EINVAL. `special` allows "@names" (watches). */
export function canonicalPath(dom: number, path: string, special = false): string {
  if (special && path.startsWith("@")) {
    if (!VALID_PATH.test(path) || path.includes("/") || path.length > XENSTORE_REL_PATH_MAX) throw new XsError("EINVAL");
    return path;
  }
  if (path.length === 0 || !VALID_PATH.test(path)) throw new XsError("EINVAL");
  let abs: string;
  if (path.startsWith("/")) {
    if (path.length > XENSTORE_ABS_PATH_MAX) throw new XsError("EINVAL");
    abs = path;
  } else {
    if (path.length > XENSTORE_REL_PATH_MAX) throw new XsError("EINVAL");
    abs = `${domainPath(dom)}/${path}`;
  }
  if (abs !== "/" && (abs.endsWith("/") || abs.includes("//"))) throw new XsError("EINVAL");
  return abs;
}

function segments(abs: string): string[] {
  return abs === "/" ? [] : abs.slice(1).split("/");
}

function parentOf(abs: string): string {
  const i = abs.lastIndexOf("/");
  return i <= 0 ? "/" : abs.slice(0, i);
}

/** `a` is `b` or lies below it. */
function atOrBelow(a: string, b: string): boolean {
  return a === b || b === "/" || a.startsWith(b + "/");
}

export function parsePerm(s: string): XsPerm {
  const kind = s[0];
  const dom = s.slice(1);
  if ((kind !== "n" && kind !== "r" && kind !== "w" && kind !== "b") || !/^[0-9]{1,5}$/.test(dom))
    throw new XsError("EINVAL");
  const d = Number(dom);
  if (d > 0xffff) throw new XsError("EINVAL");
  return { perm: kind, dom: d };
}

export function formatPerm(p: XsPerm): string {
  return `${p.perm}${p.dom}`;
}

function access(dom: number, perms: readonly XsPerm[]): { read: boolean; write: boolean; owner: boolean } {
  if (dom === 0 || perms[0].dom === dom) return { read: true, write: true, owner: true };
  let kind = perms[0].perm;
  for (let i = 1; i < perms.length; i++) if (perms[i].dom === dom) kind = perms[i].perm;
  return { read: kind === "r" || kind === "b", write: kind === "w" || kind === "b", owner: false };
}

// ---- the persistent tree ----

function lookup(t: Tree, abs: string): XsNode | undefined {
  let n: XsNode | undefined = t.root;
  for (const s of segments(abs)) {
    n = n.children.get(s);
    if (!n) return undefined;
  }
  return n;
}

/** Deepest existing node on the way to abs, and its path. */
function nearest(t: Tree, abs: string): [XsNode, string] {
  let n = t.root;
  let p = "/";
  for (const s of segments(abs)) {
    const c = n.children.get(s);
    if (!c) break;
    n = c;
    p = p === "/" ? `/${s}` : `${p}/${s}`;
  }
  return [n, p];
}

function withChild(n: XsNode, name: string, child: XsNode | undefined, gen: number): XsNode {
  const children = new Map(n.children);
  const had = children.has(name);
  if (child) children.set(name, child);
  else children.delete(name);
  // The child set changed (not just a descendant): this node gets a new generation.
  const changed = had !== (child !== undefined);
  return { value: n.value, perms: n.perms, gen: changed ? gen : n.gen, children };
}

/** Rebuild the path to abs with `fn` applied to the node there (creating missing
 * parents with the permissions of theirs). `fn` returning undefined removes the node. */
function update(
  t: Tree,
  abs: string,
  gen: number,
  fn: (old: XsNode | undefined, parentPerms: readonly XsPerm[]) => XsNode | undefined,
): Tree {
  let created = 0;
  let removed = 0;
  const rec = (n: XsNode, segs: string[]): XsNode => {
    if (segs.length === 0) throw new Error("xenstore: update of the root");
    const [s, ...rest] = segs;
    const old = n.children.get(s);
    let next: XsNode | undefined;
    if (rest.length === 0) {
      next = fn(old, n.perms);
      if (!old && next) created++;
      if (old && !next) removed += countNodes(old);
    } else {
      let c = old;
      if (!c) {
        c = { value: EMPTY, perms: n.perms, gen, children: new Map() };
        created++;
      }
      next = rec(c, rest);
    }
    return next === old ? n : withChild(n, s, next, gen);
  };
  const root = rec(t.root, segments(abs));
  return { root, nodes: t.nodes + created - removed };
}

function countNodes(n: XsNode): number {
  let c = 1;
  for (const ch of n.children.values()) c += countNodes(ch);
  return c;
}

/** Paths that `abs` would create (abs itself and missing parents). */
function missingPaths(t: Tree, abs: string): number {
  const [, p] = nearest(t, abs);
  return segments(abs).length - segments(p).length;
}

// ---- the store ----

export class XenStore {
  private tree: Tree;
  private gen = 0;
  private readonly txs = new Map<number, Transaction>();
  private nextTxId = 1;
  private watches: Watch[] = [];
  private readonly conns = new Map<number, XsConn>();
  private nextConnId = 1;
  private readonly queue: { conn: XsConn; path: string; token: string }[] = [];
  private depth = 0;
  private flushing = false;
  readonly quota: XsQuota;

  constructor(quota: Partial<XsQuota> = {}) {
    this.quota = { ...XS_DEFAULT_QUOTA, ...quota };
    const root: XsNode = { value: EMPTY, perms: [{ dom: 0, perm: "n" }], gen: 0, children: new Map() };
    this.tree = { root, nodes: 1 };
  }

  /** Nodes in the live tree, root included. */
  get nodeCount(): number {
    return this.tree.nodes;
  }

  // ---- connections ----

  private toolstackConn: XsConn | null = null;

  /** A privileged dom0 client for the toolstack's own reads and writes (its watch
   * events are discarded; backends that watch connect() their own). */
  get toolstack(): XsConn {
    return (this.toolstackConn ??= this.connect(0, () => {}));
  }

  connect(dom: number, sink: (path: string, token: string) => void): XsConn {
    const c: XsConn = { id: this.nextConnId++, dom, sink };
    this.conns.set(c.id, c);
    return c;
  }

  /** Drop a client: its watches and transactions go with it. */
  disconnect(conn: XsConn): void {
    this.resetConn(conn);
    this.conns.delete(conn.id);
  }

  /** Forget a client's watches and open transactions (XS_RESET_WATCHES does watches only). */
  resetConn(conn: XsConn): void {
    this.resetWatches(conn);
    for (const [id, t] of this.txs) if (t.conn === conn) this.txs.delete(id);
  }

  // ---- event delivery ----

  /** Run a store operation; queued watch events go out when the outermost one ends. */
  private op<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let e = this.queue.shift(); e; e = this.queue.shift()) e.conn.sink(e.path, e.token);
    } finally {
      this.flushing = false;
    }
  }

  private queueEvent(w: Watch, abs: string): void {
    this.queue.push({ conn: w.conn, path: w.relPrefix ? abs.slice(w.relPrefix) : abs, token: w.token });
  }

  /** Queue events for a change at `abs`. `perms` decide who may see it; `removed`
   * also fires watches below abs. */
  private fire(abs: string, perms: readonly XsPerm[], removed: boolean): void {
    for (const w of this.watches) {
      if (w.path.startsWith("@")) continue;
      const hit = atOrBelow(abs, w.path) || (removed && atOrBelow(w.path, abs));
      if (!hit) continue;
      if (!access(w.conn.dom, perms).read) continue;
      this.queueEvent(w, atOrBelow(abs, w.path) ? abs : w.path);
    }
  }

  /** Fire a special watch ("@introduceDomain", "@releaseDomain"). */
  fireSpecial(name: string): void {
    this.op(() => {
      for (const w of this.watches) if (w.path === name) this.queueEvent(w, name);
    });
  }

  // ---- transaction plumbing ----

  private txFor(conn: XsConn, txId: number): Transaction | null {
    if (txId === 0) return null;
    const t = this.txs.get(txId);
    if (!t || t.conn !== conn) throw new XsError("ENOENT");
    return t;
  }

  /** Record the base generation of a node a transaction depends on. */
  private touch(t: Transaction | null, abs: string): void {
    if (!t || t.seen.has(abs)) return;
    t.seen.set(abs, lookup(t.base, abs)?.gen ?? -1);
  }

  /** Touch abs and every ancestor down from the nearest existing one (creation path). */
  private touchPath(t: Transaction | null, abs: string): void {
    if (!t) return;
    for (let p = abs; ; p = parentOf(p)) {
      this.touch(t, p);
      if (p === "/" || lookup(t.tree, p)) break;
    }
  }

  // ---- operations (conn = caller; txId 0 = none) ----

  read(conn: XsConn, txId: number, path: string): Uint8Array {
    return this.op(() => this.readableNode(conn, txId, path).value);
  }

  directory(conn: XsConn, txId: number, path: string): string[] {
    return this.op(() => [...this.readableNode(conn, txId, path).children.keys()]);
  }

  /** DIRECTORY_PART: the node generation and the children list from byte offset `offset`
   * of the NUL-joined names, cut at `budget` bytes on a name boundary. `done` is true when
   * the list reaches its end. */
  directoryPart(
    conn: XsConn,
    txId: number,
    path: string,
    offset: number,
    budget: number,
  ): { gen: number; names: string[]; done: boolean } {
    return this.op(() => {
      const n = this.readableNode(conn, txId, path);
      const names: string[] = [];
      let pos = 0;
      let used = 0;
      for (const name of n.children.keys()) {
        const len = new TextEncoder().encode(name).length + 1;
        if (pos >= offset) {
          if (used + len > budget) return { gen: n.gen, names, done: false };
          names.push(name);
          used += len;
        }
        pos += len;
      }
      if (offset > pos) throw new XsError("EINVAL");
      return { gen: n.gen, names, done: true };
    });
  }

  /** The node at path as `conn` sees it (in its transaction), if it may read it. */
  private readableNode(conn: XsConn, txId: number, path: string): XsNode {
    const t = this.txFor(conn, txId);
    const abs = canonicalPath(conn.dom, path);
    this.touch(t, abs);
    const n = lookup(t ? t.tree : this.tree, abs);
    if (!n) throw new XsError("ENOENT");
    if (!access(conn.dom, n.perms).read) throw new XsError("EACCES");
    return n;
  }

  getPerms(conn: XsConn, txId: number, path: string): XsPerm[] {
    return this.op(() => [...this.readableNode(conn, txId, path).perms]);
  }

  write(conn: XsConn, txId: number, path: string, value: Uint8Array): void {
    this.mutate(conn, txId, { kind: "write", path: canonicalPath(conn.dom, path), value: value.slice() });
  }

  mkdir(conn: XsConn, txId: number, path: string): void {
    this.mutate(conn, txId, { kind: "mkdir", path: canonicalPath(conn.dom, path) });
  }

  rm(conn: XsConn, txId: number, path: string): void {
    this.mutate(conn, txId, { kind: "rm", path: canonicalPath(conn.dom, path) });
  }

  setPerms(conn: XsConn, txId: number, path: string, perms: readonly XsPerm[]): void {
    if (perms.length === 0) throw new XsError("EINVAL");
    this.mutate(conn, txId, { kind: "setperms", path: canonicalPath(conn.dom, path), perms: [...perms] });
  }

  private mutate(conn: XsConn, txId: number, o: TxOp): void {
    this.op(() => {
      const t = this.txFor(conn, txId);
      if (t) {
        this.touchPath(t, o.path);
        if (o.kind === "rm") this.touch(t, parentOf(o.path));
        t.tree = this.apply(t.tree, conn.dom, o, null);
        t.ops.push(o);
      } else {
        const fired: [string, readonly XsPerm[], boolean][] = [];
        this.tree = this.apply(this.tree, conn.dom, o, fired);
        for (const [p, perms, removed] of fired) this.fire(p, perms, removed);
      }
    });
  }

  /** Apply one operation to a tree on behalf of `dom`: permission and quota checks, then
   * the new tree. `fired` collects the watch events it causes (null: don't). */
  private apply(t: Tree, dom: number, o: TxOp, fired: [string, readonly XsPerm[], boolean][] | null): Tree {
    const q = this.quota;
    const old = lookup(t, o.path);
    const gen = ++this.gen;
    switch (o.kind) {
      case "write":
      case "mkdir": {
        if (o.kind === "mkdir" && old) return t;
        if (old) {
          if (!access(dom, old.perms).write) throw new XsError("EACCES");
        } else {
          if (o.path === "/") throw new XsError("EINVAL");
          const [anc] = nearest(t, o.path);
          if (!access(dom, anc.perms).write) throw new XsError("EACCES");
          if (dom !== 0 && t.nodes + missingPaths(t, o.path) > q.maxNodes) throw new XsError("ENOSPC");
        }
        const value = o.kind === "write" ? o.value : EMPTY;
        if (dom !== 0 && value.length > q.maxValueBytes) throw new XsError("E2BIG");
        const next = update(t, o.path, gen, (n, parentPerms) => ({
          value,
          perms: n ? n.perms : parentPerms,
          gen,
          children: n ? n.children : new Map(),
        }));
        fired?.push([o.path, lookup(next, o.path)!.perms, false]);
        return next;
      }
      case "rm": {
        if (o.path === "/") throw new XsError("EINVAL");
        if (!old) {
          if (!lookup(t, parentOf(o.path))) throw new XsError("ENOENT");
          return t;
        }
        if (!access(dom, old.perms).write) throw new XsError("EACCES");
        fired?.push([o.path, old.perms, true]);
        return update(t, o.path, gen, () => undefined);
      }
      case "setperms": {
        if (!old) throw new XsError("ENOENT");
        if (!access(dom, old.perms).owner) throw new XsError("EACCES");
        if (dom !== 0) {
          if (o.perms[0].dom !== dom) throw new XsError("EPERM");
          if (o.perms.length > q.maxPerms) throw new XsError("ENOSPC");
        }
        fired?.push([o.path, o.perms, false]);
        return update(t, o.path, gen, (n) => ({ value: n!.value, perms: o.perms, gen, children: n!.children }));
      }
    }
  }

  // ---- transactions ----

  transactionStart(conn: XsConn, txId = 0): number {
    return this.op(() => {
      if (txId !== 0) throw new XsError("EBUSY");
      let open = 0;
      for (const t of this.txs.values()) if (t.conn === conn) open++;
      if (conn.dom !== 0 && open >= this.quota.maxTransactions) throw new XsError("ENOSPC");
      let id = this.nextTxId;
      while (id === 0 || this.txs.has(id)) id = (id + 1) >>> 0;
      this.nextTxId = (id + 1) >>> 0;
      this.txs.set(id, { id, conn, tree: this.tree, base: this.tree, seen: new Map(), ops: [] });
      return id;
    });
  }

  /** End a transaction: commit (EAGAIN on conflict, nothing applied) or abort. */
  transactionEnd(conn: XsConn, txId: number, commit: boolean): void {
    this.op(() => {
      const t = this.txFor(conn, txId);
      if (!t) throw new XsError("EINVAL");
      this.txs.delete(txId);
      if (!commit) return;
      for (const [p, g] of t.seen) if ((lookup(this.tree, p)?.gen ?? -1) !== g) throw new XsError("EAGAIN");
      // Replay on a scratch copy so a failure (quota) leaves the live tree untouched.
      const fired: [string, readonly XsPerm[], boolean][] = [];
      let next = this.tree;
      for (const o of t.ops) next = this.apply(next, conn.dom, o, fired);
      this.tree = next;
      for (const [p, perms, removed] of fired) this.fire(p, perms, removed);
    });
  }

  // ---- watches ----

  watch(conn: XsConn, path: string, token: string): void {
    this.op(() => {
      const abs = canonicalPath(conn.dom, path, true);
      if (this.watches.some((w) => w.conn === conn && w.path === abs && w.token === token))
        throw new XsError("EEXIST");
      if (conn.dom !== 0 && this.watches.filter((w) => w.conn === conn).length >= this.quota.maxWatches)
        throw new XsError("E2BIG");
      const relPrefix = path.startsWith("/") || path.startsWith("@") ? 0 : domainPath(conn.dom).length + 1;
      const w: Watch = { conn, path: abs, token, relPrefix };
      this.watches.push(w);
      this.queueEvent(w, abs); // the initial fire
    });
  }

  unwatch(conn: XsConn, path: string, token: string): void {
    this.op(() => {
      const abs = canonicalPath(conn.dom, path, true);
      const i = this.watches.findIndex((w) => w.conn === conn && w.path === abs && w.token === token);
      if (i < 0) throw new XsError("ENOENT");
      this.watches.splice(i, 1);
    });
  }

  resetWatches(conn: XsConn): void {
    this.watches = this.watches.filter((w) => w.conn !== conn);
  }

  watchCount(conn: XsConn): number {
    return this.watches.filter((w) => w.conn === conn).length;
  }

  // ---- snapshots ----

  /** The tree and the watches (transactions are not kept, like QEMU's migration). */
  save(): XsStoreState {
    const nodes: XsStoreState["nodes"] = [];
    const walk = (n: XsNode, p: string): void => {
      nodes.push({ path: p, value: toHex(n.value), perms: n.perms.map(formatPerm), gen: n.gen });
      for (const [name, c] of n.children) walk(c, p === "/" ? `/${name}` : `${p}/${name}`);
    };
    walk(this.tree.root, "/");
    return {
      gen: this.gen,
      nodes,
      watches: this.watches.map((w) => ({ conn: w.conn.id, path: w.path, token: w.token, relPrefix: w.relPrefix })),
    };
  }

  /** Rebuild from save(). Watches reattach to connections with the same id (connect()
   * clients in the same order first); watches of unknown connections are dropped. */
  restore(s: XsStoreState): void {
    const byPath = new Map<string, { value: Uint8Array; perms: XsPerm[]; gen: number; children: Map<string, XsNode> }>();
    for (const n of s.nodes)
      byPath.set(n.path, { value: fromHex(n.value), perms: n.perms.map(parsePerm), gen: n.gen, children: new Map() });
    // Parents come before children in save() order; link bottom-up.
    for (const n of [...s.nodes].reverse()) {
      if (n.path === "/") continue;
      const parent = byPath.get(parentOf(n.path));
      if (!parent) throw new Error(`xenstore restore: orphan ${n.path}`);
      parent.children.set(n.path.slice(n.path.lastIndexOf("/") + 1), byPath.get(n.path)!);
    }
    const root = byPath.get("/");
    if (!root) throw new Error("xenstore restore: no root");
    // Children were inserted in reverse; restore the saved order.
    for (const n of byPath.values()) {
      const entries = [...n.children].reverse();
      n.children.clear();
      for (const [k, v] of entries) n.children.set(k, v);
    }
    this.tree = { root, nodes: byPath.size };
    this.gen = s.gen;
    this.txs.clear();
    this.watches = [];
    for (const w of s.watches) {
      const conn = this.conns.get(w.conn);
      if (conn) this.watches.push({ conn, path: w.path, token: w.token, relPrefix: w.relPrefix });
    }
  }
}

function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
