// Random "valid-ish" x86 instruction byte streams and an independent length oracle (iced-x86),
// for cross-checking the core's instruction-length decoder. Shared by
// test/unit/decode_fuzz.test.ts (short, fixed seed) and tools/vectors/fuzz_lengths.ts (long runs).

import iced from "iced-x86";

export const MAX_INSN_BYTES = 15;
/** Each sample occupies one 16-byte slot: 15 instruction bytes and one unused byte. */
export const SLOT_BYTES = 16;

/** Small deterministic PRNG (mulberry32): the same seed always yields the same stream. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(n: number): number {
    return this.u32() % n;
  }
  byte(): number {
    return this.u32() & 0xff;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)];
  }
}

// Legacy prefixes, weighted towards the ones that change decoding (66/67/F2/F3).
const PREFIXES = [0x66, 0x66, 0x66, 0x67, 0x67, 0xf2, 0xf2, 0xf3, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65];

/**
 * Writes one instruction candidate into out[0..15): 0–3 legacy prefixes, an optional REX (64-bit
 * mode), an opcode from the one-byte map, 0F, 0F 38, 0F 3A or a VEX escape, a ModRM biased towards
 * the interesting shapes (register form, SIB, disp32, RIP-relative), then random bytes that supply
 * SIB, displacement and immediate. Most candidates are valid instructions; some are not on
 * purpose (LOCK on a register form, undefined opcodes, over-long prefix runs).
 */
export function randomInstruction(rng: Rng, mode: 64 | 32, out: Uint8Array): void {
  let n = 0;
  const np = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3][rng.below(12)];
  for (let i = 0; i < np; i++) out[n++] = rng.pick(PREFIXES);
  if (mode === 64 && rng.below(100) < 35) out[n++] = 0x40 | rng.below(16);
  const map = rng.below(100);
  if (map < 55) {
    let op = rng.byte();
    while (op === 0x0f || (mode === 64 && op >= 0x40 && op <= 0x4f)) op = rng.byte();
    out[n++] = op;
  } else if (map < 80) {
    out[n++] = 0x0f;
    out[n++] = rng.byte();
  } else if (map < 88) {
    out[n++] = 0x0f;
    out[n++] = 0x38;
    out[n++] = rng.byte();
  } else if (map < 94) {
    out[n++] = 0x0f;
    out[n++] = 0x3a;
    out[n++] = rng.byte();
  } else if (map < 97) {
    out[n++] = 0xc5;
    out[n++] = rng.byte() | (mode === 32 ? 0xc0 : 0);
    out[n++] = rng.byte();
  } else {
    out[n++] = 0xc4;
    out[n++] = rng.byte() | (mode === 32 ? 0xc0 : 0);
    out[n++] = rng.byte();
    out[n++] = rng.byte();
  }
  // ModRM: register form 40%, [base] / [SIB] / [disp32 or RIP] / disp8 / disp32 otherwise.
  const shape = rng.below(10);
  const reg = rng.below(8) << 3;
  let modrm: number;
  if (shape < 4) modrm = 0xc0 | reg | rng.below(8);
  else if (shape < 5) modrm = 0x00 | reg | 0x04; // SIB
  else if (shape < 6) modrm = 0x00 | reg | 0x05; // disp32 / RIP-relative
  else if (shape < 8) modrm = 0x40 | reg | rng.below(8);
  else modrm = 0x80 | reg | rng.below(8);
  if (n < MAX_INSN_BYTES) out[n++] = modrm;
  while (n < MAX_INSN_BYTES) out[n++] = rng.byte();
  out[MAX_INSN_BYTES] = 0;
}

/** Fills `count` slots of SLOT_BYTES with random instructions. */
export function randomBatch(rng: Rng, mode: 64 | 32, count: number): Uint8Array {
  const buf = new Uint8Array(count * SLOT_BYTES);
  for (let i = 0; i < count; i++) randomInstruction(rng, mode, buf.subarray(i * SLOT_BYTES, (i + 1) * SLOT_BYTES));
  return buf;
}

/**
 * iced-x86's length for every slot of a batch: the length in bytes, or -1 when iced reports the
 * bytes as an invalid instruction (#UD, or longer than 15 bytes). Default decoder options, i.e.
 * Intel behaviour where Intel and AMD differ.
 */
export function icedLengths(batch: Uint8Array, mode: 64 | 32, amd = false): Int32Array {
  const count = batch.length / SLOT_BYTES;
  const lengths = new Int32Array(count);
  const decoder = new iced.Decoder(mode, batch, amd ? iced.DecoderOptions.AMD : iced.DecoderOptions.None);
  const insn = new iced.Instruction();
  try {
    for (let i = 0; i < count; i++) {
      decoder.position = i * SLOT_BYTES;
      decoder.decodeOut(insn);
      lengths[i] = decoder.lastError === iced.DecoderError.None ? insn.length : -1;
    }
  } finally {
    insn.free();
    decoder.free();
  }
  return lengths;
}

/** iced's Intel-syntax text for one sample (for reports). */
export function icedText(bytes: Uint8Array, mode: 64 | 32, amd = false): string {
  const decoder = new iced.Decoder(mode, bytes, amd ? iced.DecoderOptions.AMD : iced.DecoderOptions.None);
  const formatter = new iced.Formatter(iced.FormatterSyntax.Intel);
  const insn = decoder.decode();
  try {
    return decoder.lastError === iced.DecoderError.None ? formatter.format(insn) : "(invalid)";
  } finally {
    insn.free();
    formatter.free();
    decoder.free();
  }
}

export const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Opcode key for grouping: prefixes/REX skipped, then the map escape(s) and opcode byte. */
export function opcodeKey(bytes: Uint8Array, mode: 64 | 32): string {
  let i = 0;
  while (i < MAX_INSN_BYTES && (PREFIXES.includes(bytes[i]) || (mode === 64 && (bytes[i] & 0xf0) === 0x40))) i++;
  const b = bytes[i];
  if (b === 0x0f) {
    const b1 = bytes[i + 1];
    if (b1 === 0x38 || b1 === 0x3a) return `0f${b1.toString(16)}${toHex(bytes.subarray(i + 2, i + 3))}`;
    return `0f${toHex(bytes.subarray(i + 1, i + 2))}`;
  }
  if (b === 0xc4 || b === 0xc5) return `vex(${b.toString(16)})`;
  return toHex(bytes.subarray(i, i + 1));
}

export type LengthDecoder = (bytes: Uint8Array, mode: 64 | 32) => number;

export interface Example {
  bytes: string;
  text: string; // iced's disassembly
  iced: number;
  core: number;
}

/** Disagreements of one kind, grouped by opcode key with a few examples each. */
export class Disagreements {
  count = 0;
  readonly byOpcode = new Map<string, { count: number; examples: Example[] }>();
  constructor(private readonly examplesPerOpcode: number) {}
  add(key: string, make: () => Example): void {
    this.count++;
    let g = this.byOpcode.get(key);
    if (!g) this.byOpcode.set(key, (g = { count: 0, examples: [] }));
    g.count++;
    if (g.examples.length < this.examplesPerOpcode) g.examples.push(make());
  }
  /** Opcode groups, largest first. */
  groups(): [string, { count: number; examples: Example[] }][] {
    return [...this.byOpcode.entries()].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1));
  }
  toJSON() {
    return { count: this.count, byOpcode: Object.fromEntries(this.groups()) };
  }
}

export interface LengthCompare {
  mode: 64 | 32;
  samples: number;
  agree: number;
  lengthMismatch: Disagreements; // both decode, lengths differ: a core bug
  coreOnly: Disagreements; // core gives a length, iced says invalid (#UD expected)
  icedOnly: Disagreements; // iced decodes it, core says #UD (often: not implemented yet)
}

/**
 * Runs `count` random samples (seeded) through both decoders and classifies the disagreements.
 * `amd` switches iced to AMD decoding where the vendors differ (e.g. 66-prefixed near branches
 * in 64-bit mode); the default is Intel, like the CPU the vectors come from.
 */
export function compareLengths(decode: LengthDecoder, mode: 64 | 32, seed: number, count: number, amd = false): LengthCompare {
  const rng = new Rng(seed);
  const res: LengthCompare = {
    mode, samples: 0, agree: 0,
    lengthMismatch: new Disagreements(3), coreOnly: new Disagreements(2), icedOnly: new Disagreements(2),
  };
  const CHUNK = 4096;
  for (let done = 0; done < count; done += CHUNK) {
    const n = Math.min(CHUNK, count - done);
    const batch = randomBatch(rng, mode, n);
    const want = icedLengths(batch, mode, amd);
    for (let i = 0; i < n; i++) {
      const bytes = batch.slice(i * SLOT_BYTES, i * SLOT_BYTES + MAX_INSN_BYTES);
      let got: number;
      try {
        got = decode(bytes, mode);
      } catch (e) {
        throw new Error(`length decoder threw on ${toHex(bytes)} (mode ${mode}): ${(e as Error).message}`);
      }
      res.samples++;
      if (got === want[i]) {
        res.agree++;
        continue;
      }
      const ex = (): Example => ({ bytes: toHex(bytes), text: icedText(bytes, mode, amd), iced: want[i], core: got });
      const kind = got >= 0 && want[i] >= 0 ? res.lengthMismatch : got >= 0 ? res.coreOnly : res.icedOnly;
      kind.add(opcodeKey(bytes, mode), ex);
    }
  }
  return res;
}

const fmtEx = (e: Example) => `${e.bytes}  iced ${e.iced} core ${e.core}  ${e.text}`;

function formatGroups(title: string, d: Disagreements, maxGroups: number, lines: string[]): void {
  if (!d.count) return;
  const groups = d.groups();
  lines.push(`  ${title}: ${d.count} in ${groups.length} opcode groups`);
  for (const [key, g] of groups.slice(0, maxGroups)) {
    lines.push(`    ${key} ×${g.count}`);
    for (const e of g.examples) lines.push(`      ${fmtEx(e)}`);
  }
  if (groups.length > maxGroups)
    lines.push(`    ... ${groups.slice(maxGroups).map(([k, g]) => `${k}×${g.count}`).join(" ")}`);
}

/** Text report; `detail` = false prints only the validity summaries' opcode lists. */
export function formatLengthReport(r: LengthCompare, detail = true): string {
  const lines = [
    `mode ${r.mode}: ${r.samples} samples, ${r.agree} agree, ${r.lengthMismatch.count} length mismatches, ` +
      `${r.coreOnly.count} core lengths where iced says invalid, ${r.icedOnly.count} core #UD where iced decodes`,
  ];
  formatGroups("length mismatches (bytes, iced length, core length, iced text)", r.lengthMismatch, 30, lines);
  formatGroups("core decodes, iced says invalid", r.coreOnly, detail ? 12 : 0, lines);
  formatGroups("core #UD, iced decodes", r.icedOnly, detail ? 12 : 0, lines);
  return lines.join("\n");
}
