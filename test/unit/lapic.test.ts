// The local APIC in the core (Intel SDM vol. 3 ch. 11): register reset values,
// the timer in its three modes against the TSC (one tick per instruction within
// a run), TPR/PPR masking, ISR nesting and EOI, software disable, x2APIC MSRs,
// self IPIs, MSI delivery and the deadline the host reads. Interrupts are taken
// by real guest code: a 32-bit flat program whose IDT sends every vector to a
// handler that logs it (and ECX, the main loop's counter) and writes EOI.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Core } from "../../src/core/core.js";
import * as L from "../../src/core/layout.gen.js";
import { setPvhEntryState } from "../../src/machine/entry_state.js";
import { lapicDeadline, injectVector, deliverMsi } from "../../src/devices/lapic.js";
import { testCore, ex, pread, pwrite, irr, isr, LAPIC } from "./virtio_driver.js";

const GDT = 0x1000;
const IDT = 0x2000;
const LOG = 0x3000; // u32 count, vectors at +4, ECX at +0x100, no-EOI flag at +0x200, #GP count at +0x300
const COMMON = 0x4000;
const STUBS = 0x5000;
const STACK = 0x7000;
const CODE = 0x8000;

// The handler (GNU as, 32-bit): push eax; push ebx; mov ebx,[0x3000];
// mov eax,[esp+8]; mov [0x3004+ebx*4],eax; mov [0x3100+ebx*4],ecx;
// inc dword [0x3000]; cmp byte [0x3200],0; jne 1f; mov dword [0xfee000b0],0;
// 1: pop ebx; pop eax; add esp,4; iret
const HANDLER = "50538b1d003000008b44240889049d04300000890c9d00310000ff0500300000803d0032000000750ac705b000e0fe000000005b5883c404cf";
// #GP: skip the 2-byte RDMSR/WRMSR, count it, drop the error code.
// add dword [esp+4],2; inc dword [0x3300]; add esp,4; iret
const GP_HANDLER = "8344240402ff050033000083c404cf";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));

/** x86-32 encodings the tests need. */
const asm = {
  sti: [0xfb],
  cli: [0xfa],
  hlt: [0xf4],
  incEcx: [0x41],
  wrmsr: [0x0f, 0x30],
  rdmsr: [0x0f, 0x32],
  movImm: (reg: number, v: number) => [0xb8 + reg, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff],
  storeEax: (a: number) => [0xa3, a & 0xff, (a >>> 8) & 0xff, (a >>> 16) & 0xff, (a >>> 24) & 0xff],
  orEax: (v: number) => [0x0d, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff],
  jmpSelf: [0xeb, 0xfe],
};
const EAX = 0, ECX = 1, EDX = 2;
/** sti; L: inc ecx; jmp L */
const SPIN = [...asm.sti, ...asm.incEcx, 0xeb, 0xfd];

async function machine(code: number[]): Promise<Core> {
  const core = await testCore();
  const m = core.mem;
  m.writeU64(GDT + 8, 0x00cf9b000000ffffn);
  m.writeU64(GDT + 16, 0x00cf93000000ffffn);
  m.write(COMMON, hex(HANDLER));
  for (let v = 0; v < 256; v++) {
    const stub = STUBS + v * 16;
    if (v === 13) m.write(stub, hex(GP_HANDLER));
    else {
      // push imm32 v; jmp COMMON
      const rel = COMMON - (stub + 10);
      m.write(stub, Uint8Array.of(0x68, v, 0, 0, 0, 0xe9, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, (rel >>> 24) & 0xff));
    }
    // 32-bit interrupt gate, selector 0x08, DPL 0.
    m.writeU32(IDT + v * 8, (stub & 0xffff) | (0x08 << 16));
    m.writeU32(IDT + v * 8 + 4, (stub & 0xffff0000) | 0x8e00);
  }
  m.write(CODE, Uint8Array.from(code));
  setPvhEntryState(core, CODE, 0);
  core.setCpu64(L.CPU_GDTR_BASE, GDT);
  core.setCpu32(L.CPU_GDTR_LIMIT, 0x17);
  core.setCpu64(L.CPU_IDTR_BASE, IDT);
  core.setCpu32(L.CPU_IDTR_LIMIT, 0x7ff);
  core.setGpr(4, STACK);
  core.ex.stateChanged();
  core.setCtl64(L.CTL_TSC_BASE, 0);
  return core;
}

function enableApic(core: Core): void {
  pwrite(core, LAPIC + 0xf0, 0x1ff);
}

/** Vectors the guest took, and ECX at each. */
function taken(core: Core): { v: number; ecx: number }[] {
  const n = core.mem.readU32(LOG);
  return Array.from({ length: n }, (_, i) => ({ v: core.mem.readU32(LOG + 4 + 4 * i), ecx: core.mem.readU32(LOG + 0x100 + 4 * i) }));
}

test("lapic: power-on registers (version 0x14 / 6 LVTs, SVR 0xFF, LVTs masked, DFR flat)", async () => {
  const core = await testCore();
  assert.is(pread(core, LAPIC + 0x20), 0, "APIC id 0");
  assert.is(pread(core, LAPIC + 0x30), 0x00050014);
  assert.is(pread(core, LAPIC + 0xf0), 0xff);
  assert.is(pread(core, LAPIC + 0xe0), 0xffffffff);
  for (const r of [0x320, 0x330, 0x340, 0x350, 0x360, 0x370]) assert.is(pread(core, LAPIC + r), 0x10000, `LVT ${r.toString(16)} masked`);
  assert.is(pread(core, LAPIC + 0x80), 0);
  assert.is(pread(core, LAPIC + 0xa0), 0);
  assert.is(core.cpu64(L.CPU_APIC_BASE), 0xfee00900n, "IA32_APIC_BASE: enabled BSP");
  // Software-disabled: LVT writes stay masked.
  pwrite(core, LAPIC + 0x320, 0x30);
  assert.is(pread(core, LAPIC + 0x320), 0x10030);
  // Read-only registers ignore writes.
  pwrite(core, LAPIC + 0x30, 0);
  assert.is(pread(core, LAPIC + 0x30), 0x00050014);
});

test("lapic: a one-shot timer fires exactly when the TSC reaches initial count x divisor", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  core.setCtl64(L.CTL_TSC_BASE, 1000);
  pwrite(core, LAPIC + 0x3e0, 0xb); // divide by 1
  pwrite(core, LAPIC + 0x320, 0x30); // one-shot, vector 0x30
  pwrite(core, LAPIC + 0x380, 500);
  assert.is(pread(core, LAPIC + 0x390), 500, "current count");
  assert.is(lapicDeadline(core), 1500);
  assert.is(ex(core).lapicNextDeadline(), 1);
  assert.is(core.ctl64n(L.CTL_RET0), 1500);
  core.ex.run(2000);
  // sti, then inc/jmp pairs: after 500 instructions ECX is 250.
  assert.equal(taken(core), [{ v: 0x30, ecx: 250 }]);
  assert.is(pread(core, LAPIC + 0x390), 0);
  assert.is(lapicDeadline(core), null);
});

test("lapic: the divide configuration scales the count (divide by 16)", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  pwrite(core, LAPIC + 0x3e0, 0x3); // divide by 16
  pwrite(core, LAPIC + 0x320, 0x30);
  pwrite(core, LAPIC + 0x380, 10);
  assert.is(lapicDeadline(core), 160);
  core.ex.run(159);
  assert.is(taken(core).length, 0);
  assert.is(pread(core, LAPIC + 0x390), 1, "one tick of 16 left");
  core.setCtl64(L.CTL_TSC_BASE, 159);
  core.ex.run(10);
  assert.is(taken(core).length, 1);
});

test("lapic: a periodic timer re-arms on its period", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  pwrite(core, LAPIC + 0x3e0, 0x0); // divide by 2
  pwrite(core, LAPIC + 0x320, 0x20031); // periodic, vector 0x31
  pwrite(core, LAPIC + 0x380, 100); // 200 ticks
  core.ex.run(900);
  assert.is(taken(core).length, 4, "at 200, 400, 600, 800");
  assert.ok(taken(core).every((t) => t.v === 0x31));
  assert.is(lapicDeadline(core), 1000);
  // Masking stops interrupts (and the host's deadline) but not the count.
  pwrite(core, LAPIC + 0x320, 0x30031);
  assert.is(lapicDeadline(core), null);
  core.setCtl64(L.CTL_TSC_BASE, 900);
  core.ex.run(1000);
  assert.is(taken(core).length, 4);
  // Initial count 0 stops it.
  pwrite(core, LAPIC + 0x380, 0);
  assert.is(pread(core, LAPIC + 0x390), 0);
});

test("lapic: TSC-deadline mode through IA32_TSC_DEADLINE (0x6E0)", async () => {
  const deadline = 5300;
  const core = await machine([
    ...asm.movImm(ECX, 0x6e0), ...asm.movImm(EAX, deadline), ...asm.movImm(EDX, 0), ...asm.wrmsr,
    ...asm.rdmsr, ...asm.storeEax(0x3400),
    ...asm.sti, 0xeb, 0xfe,
  ]);
  enableApic(core);
  pwrite(core, LAPIC + 0x320, 0x40032); // TSC-deadline, vector 0x32
  core.setCtl64(L.CTL_TSC_BASE, 5000);
  core.ex.run(299);
  assert.is(core.mem.readU32(0x3400), deadline, "RDMSR reads the armed deadline");
  assert.is(taken(core).length, 0);
  assert.is(lapicDeadline(core), deadline);
  // The next run starts where the TSC stopped: the deadline is one instruction away.
  core.setCtl64(L.CTL_TSC_BASE, 5299);
  core.ex.run(1);
  assert.ok(irr(core, 0x32), "raised by the first instruction of the run");
  core.ex.run(30);
  assert.equal(taken(core).map((t) => t.v), [0x32]);
  assert.is(lapicDeadline(core), null, "disarmed after firing");
  // Writes to the initial count are ignored in this mode.
  pwrite(core, LAPIC + 0x380, 10);
  assert.is(pread(core, LAPIC + 0x380), 0);
});

test("lapic: a deadline that passed while the host waited fires on run() entry, waking HLT", async () => {
  const core = await machine([...asm.sti, ...asm.hlt, 0xeb, 0xfd]);
  enableApic(core);
  pwrite(core, LAPIC + 0x3e0, 0xb);
  pwrite(core, LAPIC + 0x320, 0x33);
  pwrite(core, LAPIC + 0x380, 1_000_000);
  assert.is(core.ex.run(100), L.EXIT_HLT);
  assert.is(taken(core).length, 0);
  assert.is(core.ex.run(100), L.EXIT_HLT, "still waiting");
  core.setCtl64(L.CTL_TSC_BASE, lapicDeadline(core)!);
  core.ex.run(100);
  assert.equal(taken(core).map((t) => t.v), [0x33]);
});

test("lapic: TPR masks vectors of its priority class and below", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  pwrite(core, LAPIC + 0x80, 0x50);
  injectVector(core, 0x45);
  injectVector(core, 0x5f);
  injectVector(core, 0x65);
  core.ex.run(50);
  assert.equal(taken(core).map((t) => t.v), [0x65]);
  assert.ok(irr(core, 0x45) && irr(core, 0x5f));
  assert.is(pread(core, LAPIC + 0xa0), 0x50, "PPR = TPR");
  pwrite(core, LAPIC + 0x80, 0x40);
  core.ex.run(50);
  assert.equal(taken(core).map((t) => t.v), [0x65, 0x5f]);
  pwrite(core, LAPIC + 0x80, 0);
  core.ex.run(50);
  assert.equal(taken(core).map((t) => t.v), [0x65, 0x5f, 0x45]);
});

test("lapic: ISR nesting: a lower class waits for EOI, a higher one preempts; EOI clears the highest", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  core.mem.writeU8(LOG + 0x200, 1); // the handler does not EOI
  injectVector(core, 0x40);
  core.ex.run(30);
  assert.ok(isr(core, 0x40));
  injectVector(core, 0x30);
  injectVector(core, 0x50);
  core.ex.run(30);
  assert.equal(taken(core).map((t) => t.v), [0x40, 0x50]);
  assert.is(pread(core, LAPIC + 0xa0), 0x50, "PPR follows the highest ISR");
  assert.ok(irr(core, 0x30) && !isr(core, 0x30));
  pwrite(core, LAPIC + 0xb0, 0);
  assert.not.ok(isr(core, 0x50));
  assert.ok(isr(core, 0x40));
  core.ex.run(30);
  assert.equal(taken(core).map((t) => t.v), [0x40, 0x50], "0x30 still below 0x40's class");
  pwrite(core, LAPIC + 0xb0, 0);
  core.ex.run(30);
  assert.equal(taken(core).map((t) => t.v), [0x40, 0x50, 0x30]);
});

test("lapic: a software-disabled APIC holds interrupts in IRR until SVR enables it", async () => {
  const core = await machine(SPIN);
  injectVector(core, 0x41);
  core.ex.run(20);
  assert.is(taken(core).length, 0);
  assert.ok(irr(core, 0x41));
  enableApic(core);
  core.ex.run(20);
  assert.equal(taken(core).map((t) => t.v), [0x41]);
});

test("lapic: illegal vectors (< 16) set ESR instead of IRR; ESR latches on write", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  injectVector(core, 5);
  assert.not.ok(irr(core, 5));
  assert.is(pread(core, LAPIC + 0x280), 0, "not latched yet");
  pwrite(core, LAPIC + 0x280, 0);
  assert.is(pread(core, LAPIC + 0x280), 0x40, "receive illegal vector");
  pwrite(core, LAPIC + 0x280, 0);
  assert.is(pread(core, LAPIC + 0x280), 0);
});

test("lapic: self IPIs through the xAPIC ICR (shorthand self, and destination = own id)", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  pwrite(core, LAPIC + 0x300, 0x40057);
  assert.is(pread(core, LAPIC + 0x300) & 0x1000, 0, "delivery status idle");
  pwrite(core, LAPIC + 0x310, 0);
  pwrite(core, LAPIC + 0x300, 0x58);
  pwrite(core, LAPIC + 0x310, 3 << 24);
  pwrite(core, LAPIC + 0x300, 0x59); // to APIC 3: nobody
  pwrite(core, LAPIC + 0x300, 0xc005a); // all excluding self
  core.ex.run(50);
  assert.equal(taken(core).map((t) => t.v).sort(), [0x57, 0x58]);
});

test("lapic: MSI writes raise their vector; delivery mode NMI sets the NMI latch", async () => {
  const core = await machine(SPIN);
  enableApic(core);
  deliverMsi(core, 0xfee00000, 0x61);
  assert.ok(irr(core, 0x61));
  deliverMsi(core, 0xfee00000, 0x400);
  assert.is(core.cpu32(L.CPU_NMI_PENDING), 1);
  deliverMsi(core, 0xfed00000, 0x62);
  assert.not.ok(irr(core, 0x62), "not an MSI address");
});

test("lapic: x2APIC mode through MSRs 0x800-0x8FF, the MMIO page stops decoding", async () => {
  const core = await machine([
    // IA32_APIC_BASE |= EXTD
    ...asm.movImm(ECX, 0x1b), ...asm.rdmsr, ...asm.orEax(0xc00), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x802), ...asm.rdmsr, ...asm.storeEax(0x3400),
    ...asm.movImm(ECX, 0x803), ...asm.rdmsr, ...asm.storeEax(0x3404),
    ...asm.movImm(ECX, 0x80d), ...asm.rdmsr, ...asm.storeEax(0x3408),
    ...asm.movImm(ECX, 0x80f), ...asm.movImm(EAX, 0x1ff), ...asm.movImm(EDX, 0), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x808), ...asm.movImm(EAX, 0x20), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x80a), ...asm.rdmsr, ...asm.storeEax(0x340c),
    ...asm.movImm(ECX, 0x808), ...asm.movImm(EAX, 0), ...asm.wrmsr,
    // SELF IPI 0x55, ICR self IPI 0x56
    ...asm.movImm(ECX, 0x83f), ...asm.movImm(EAX, 0x55), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x830), ...asm.movImm(EAX, 0x40056), ...asm.wrmsr,
    // #GP: reading EOI, writing the read-only version, a reserved MSR
    ...asm.movImm(ECX, 0x80b), ...asm.rdmsr,
    ...asm.movImm(ECX, 0x803), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x8ff), ...asm.rdmsr,
    ...asm.sti, 0xeb, 0xfe,
  ]);
  core.ex.run(200);
  const m = core.mem;
  assert.is(m.readU32(0x3400), 0, "x2APIC id is the full 32-bit id");
  assert.is(m.readU32(0x3404), 0x00050014);
  assert.is(m.readU32(0x3408), 1, "LDR: cluster 0, bit 0");
  assert.is(m.readU32(0x340c), 0x20, "PPR follows TPR");
  assert.is(m.readU32(0x3300), 3, "three #GPs");
  // The handler's EOI goes to the MMIO page, which no longer decodes: 0x56 stays
  // in service and 0x55, of the same priority class, waits behind it.
  assert.equal(taken(core).map((t) => t.v), [0x56]);
  const word = (base: number, v: number) => (core.view.getUint32(L.LAPIC_OFF + base + (v >> 5) * 16, true) >>> (v & 31)) & 1;
  assert.is(word(0x100, 0x56), 1, "ISR");
  assert.is(word(0x200, 0x55), 1, "IRR");
  assert.is(pread(core, LAPIC + 0x30), 0xffffffff, "xAPIC page is gone in x2APIC mode");
});

test("lapic: x2APIC MSRs #GP in xAPIC mode", async () => {
  const core = await machine([...asm.movImm(ECX, 0x803), ...asm.rdmsr, ...asm.jmpSelf]);
  core.ex.run(20);
  assert.is(core.mem.readU32(0x3300), 1);
});

test("lapic: the timer can also be read back through x2APIC current count", async () => {
  const core = await machine([
    ...asm.movImm(ECX, 0x1b), ...asm.rdmsr, ...asm.orEax(0xc00), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x83e), ...asm.movImm(EAX, 0xb), ...asm.movImm(EDX, 0), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x832), ...asm.movImm(EAX, 0x10034), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x838), ...asm.movImm(EAX, 1000), ...asm.wrmsr,
    ...asm.movImm(ECX, 0x839), ...asm.rdmsr, ...asm.storeEax(0x3400),
    ...asm.jmpSelf,
  ]);
  core.ex.run(40);
  // RDMSR runs two instructions after the WRMSR that armed the count.
  assert.is(core.mem.readU32(0x3400), 1000 - 2);
});

test("lapic: the register page is the whole state: a restored copy keeps its armed timer", async () => {
  const a = await machine(SPIN);
  enableApic(a);
  a.setCtl64(L.CTL_TSC_BASE, 1000);
  pwrite(a, LAPIC + 0x3e0, 0xb);
  pwrite(a, LAPIC + 0x320, 0x35);
  pwrite(a, LAPIC + 0x380, 400);
  injectVector(a, 0x70);
  const page = a.bytes.slice(L.LAPIC_OFF, L.LAPIC_OFF + 4096);
  const b = await machine(SPIN);
  b.bytes.set(page, L.LAPIC_OFF);
  ex(b).devicesStateLoaded();
  assert.is(lapicDeadline(b), 1400);
  b.setCtl64(L.CTL_TSC_BASE, 1000);
  b.ex.run(1000);
  assert.equal(taken(b).map((t) => t.v), [0x70, 0x35]);
});

test.run();
