// The one source of the core's memory layout and of the core↔host ABI numbers.
// Run `npm run gen` after editing; it writes assembly/layout.ts and
// src/core/layout.gen.ts, which must never be edited by hand.
import { writeFileSync } from "node:fs";

type Entry = [name: string, value: number, why: string];
type Group = { title: string; entries: Entry[] };

const groups: Group[] = [
  {
    title: "wasm linear memory map (offsets into core.wasm's one memory)",
    entries: [
      ["CTL_OFF", 0x1000, "control block: exit record, host↔core arguments, machine config"],
      ["CPU_OFF", 0x2000, "vCPU register file (layout below), 4 KiB"],
      ["LAPIC_OFF", 0x3000, "local APIC register page as the guest sees it, 4 KiB"],
      ["XEN_OFF", 0x4000, "Xen-facing latches the core consults (upcall vector, vcpu_info), 4 KiB"],
      ["TLB_OFF", 0x10000, "software TLB: 4 arrays x 4096 entries x 16 B"],
      ["TLB_ENTRIES", 4096, "entries per TLB array (direct mapped by page number)"],
      ["TLB_LOG_OFF", 0x50000, "indices of filled TLB slots, so a flush touches only those"],
      ["TLB_LOG_MAX", 16384, "log capacity; past it a flush clears everything"],
      ["DEV_OFF", 0x80000, "device models: PCI config spaces, MSI-X tables, virtqueue state (512 KiB)"],
      ["DEV_SIZE", 0x80000, "bytes reserved for device models"],
      ["AS_DATA_OFF", 0x100000, "AssemblyScript static data and stub heap start here (--memoryBase)"],
      ["FRAME_TABLE_OFF", 0x400000, "guest RAM page -> linear frame table (u32 per guest page, 0 = not backed yet)"],
    ],
  },
  {
    title: "control block fields (CTL_OFF + ...)",
    entries: [
      ["CTL_EXIT_REASON", 0x00, "u32 ExitReason of the last run()"],
      ["CTL_EXIT_QUAL", 0x04, "u32 reason-specific detail (I/O size, MSR number, error kind)"],
      ["CTL_IO_PORT", 0x08, "u32 I/O port of an IO exit"],
      ["CTL_IO_SIZE", 0x0c, "u32 1, 2 or 4"],
      ["CTL_IO_WRITE", 0x10, "u32 1 = OUT, 0 = IN"],
      ["CTL_IO_DATA", 0x18, "u64 value written (OUT) / to be returned by the host (IN)"],
      ["CTL_MMIO_GPA", 0x20, "u64 guest-physical address of an unclaimed MMIO access"],
      ["CTL_MMIO_SIZE", 0x28, "u32"],
      ["CTL_MMIO_WRITE", 0x2c, "u32"],
      ["CTL_MMIO_DATA", 0x30, "u64"],
      ["CTL_MSR_INDEX", 0x38, "u32 MSR of a WRMSR exit (host-owned MSRs)"],
      ["CTL_MSR_VALUE", 0x40, "u64 value written"],
      ["CTL_ARG0", 0x48, "u64 argument of a host->core call"],
      ["CTL_ARG1", 0x50, "u64"],
      ["CTL_RET0", 0x58, "u64 result of a host->core call"],
      ["CTL_INSN_COUNT", 0x60, "u64 guest instructions retired"],
      ["CTL_RAM_LOW_BASE", 0x80, "u64 ram-low-base"],
      ["CTL_RAM_LOW_SIZE", 0x88, "u64 ram-low-size"],
      ["CTL_RAM_HIGH_BASE", 0x90, "u64 ram-high-base"],
      ["CTL_RAM_HIGH_SIZE", 0x98, "u64 ram-high-size"],
      ["CTL_POOL_START", 0xa0, "u32 first linear frame number of the RAM pool"],
      ["CTL_POOL_NEXT", 0xa4, "u32 next free linear frame number (bump allocator shared with the host)"],
      ["CTL_POOL_END", 0xa8, "u32 one past the last linear frame number"],
      ["CTL_ZERO_FRAME", 0xac, "u32 reserved"],
      ["CTL_ECAM_BASE", 0xb0, "u64 pci-ecam-base"],
      ["CTL_ECAM_SIZE", 0xb8, "u64 pci-ecam-size"],
      ["CTL_MMIO32_BASE", 0xc0, "u64 pci-mmio-base"],
      ["CTL_MMIO32_SIZE", 0xc8, "u64 pci-mmio-size"],
      ["CTL_MMIO64_BASE", 0xd0, "u64 pci-mmio-high-base"],
      ["CTL_MMIO64_SIZE", 0xd8, "u64 pci-mmio-high-size"],
      ["CTL_XEN_VERSION", 0xe0, "u32 XENVER_version value: major<<16 | minor"],
      ["CTL_XEN_CPUID_BASE", 0xe4, "u32 first Xen CPUID leaf (0x40000000)"],
      ["CTL_XEN_HCALL_MSR", 0xe8, "u32 hypercall-page MSR index"],
      ["CTL_VCPU_ID", 0xec, "u32 this vCPU's Xen id"],
      ["CTL_DOMID", 0xf0, "u32 the guest's domid"],
      ["CTL_TSC_KHZ", 0xf4, "u32 nominal TSC frequency"],
      ["CTL_VIRTUAL_CLOCK", 0xf8, "u32 1 = TSC advances with retired instructions only"],
      ["CTL_TSC_BASE", 0x100, "u64 host-maintained TSC at the last run() entry (real-time clock mode)"],
      ["CTL_FAULT_VECTOR", 0x108, "u32 exception vector of a host->core call that faulted (translate), or 0xffffffff"],
      ["CTL_FAULT_CODE", 0x10c, "u32"],
      ["CTL_LAST_RIP", 0x110, "u64 RIP of the instruction that caused the exit"],
      ["CTL_INSN_BYTES", 0x118, "16 bytes: first bytes of that instruction (for diagnostics)"],
      ["CTL_OVERLAY_COUNT", 0x128, "u32 overlay pages in use"],
      ["CTL_OVERLAY_TABLE", 0x200, "overlay table: 256 x {u64 gfn, u32 frame, u32 pad}"],
      ["CTL_OVERLAY_MAX", 256, "overlay entries"],
    ],
  },
  {
    title: "vCPU register file (CPU_OFF + ...); the host reads it between runs",
    entries: [
      ["CPU_GPR", 0x000, "16 x u64, SDM order rax rcx rdx rbx rsp rbp rsi rdi r8..r15"],
      ["CPU_RIP", 0x080, "u64"],
      ["CPU_RFLAGS", 0x088, "u64, materialized on every exit and reloaded on entry"],
      ["CPU_SEG", 0x100, "8 segments x 32 B: es cs ss ds fs gs ldtr tr"],
      ["SEG_SIZE", 32, "bytes per segment record"],
      ["SEG_SEL", 0, "u16 selector"],
      ["SEG_ATTR", 4, "u32 access rights in VMX layout: type|S<<4|DPL<<5|P<<7|AVL<<12|L<<13|DB<<14|G<<15"],
      ["SEG_LIMIT", 8, "u32 byte-granular limit"],
      ["SEG_BASE", 16, "u64"],
      ["CPU_GDTR_BASE", 0x200, "u64"],
      ["CPU_GDTR_LIMIT", 0x208, "u32"],
      ["CPU_IDTR_BASE", 0x210, "u64"],
      ["CPU_IDTR_LIMIT", 0x218, "u32"],
      ["CPU_CR0", 0x220, "u64"],
      ["CPU_CR2", 0x228, "u64"],
      ["CPU_CR3", 0x230, "u64"],
      ["CPU_CR4", 0x238, "u64"],
      ["CPU_CR8", 0x240, "u64 task priority"],
      ["CPU_EFER", 0x248, "u64"],
      ["CPU_XCR0", 0x250, "u64"],
      ["CPU_DR", 0x260, "8 x u64 debug registers"],
      ["CPU_STAR", 0x2a0, "u64"],
      ["CPU_LSTAR", 0x2a8, "u64"],
      ["CPU_CSTAR", 0x2b0, "u64"],
      ["CPU_SFMASK", 0x2b8, "u64"],
      ["CPU_KERNEL_GS_BASE", 0x2c0, "u64"],
      ["CPU_TSC_AUX", 0x2c8, "u64"],
      ["CPU_PAT", 0x2d0, "u64"],
      ["CPU_SYSENTER_CS", 0x2d8, "u64"],
      ["CPU_SYSENTER_ESP", 0x2e0, "u64"],
      ["CPU_SYSENTER_EIP", 0x2e8, "u64"],
      ["CPU_APIC_BASE", 0x2f0, "u64"],
      ["CPU_MISC_ENABLE", 0x2f8, "u64"],
      ["CPU_TSC_OFFSET", 0x300, "u64 added to the clock to form the guest TSC"],
      ["CPU_MTRR_DEF", 0x308, "u64"],
      ["CPU_HALTED", 0x310, "u32 1 while in HLT"],
      ["CPU_SHADOW", 0x314, "u32 interrupt shadow (STI / MOV SS) pending"],
      ["CPU_PENDING_EXT", 0x318, "u32 external vector queued by the host for delivery, or 0"],
      ["CPU_NMI_PENDING", 0x31c, "u32"],
      ["CPU_FXSAVE", 0x400, "512 B FXSAVE image: x87 control/status, MXCSR @+0x18, ST @+0x20, XMM @+0xa0"],
      ["CPU_X87_PRIVATE", 0x600, "x87 working state (f64 stack etc.), 256 B"],
      ["CPU_MTRR_VAR", 0x700, "u64 x 32 variable/fixed MTRRs"],
    ],
  },
  {
    title: "exit reasons returned by run()",
    entries: [
      ["EXIT_NONE", 0, ""],
      ["EXIT_BUDGET", 1, "instruction budget spent"],
      ["EXIT_HYPERCALL", 2, "VMCALL/VMMCALL at CPL 0: number and arguments are in the GPRs"],
      ["EXIT_IO", 3, "port I/O the core does not handle"],
      ["EXIT_MMIO", 4, "physical access to an address no core device claims"],
      ["EXIT_HLT", 5, "HLT with interrupts enabled: wait for an event"],
      ["EXIT_SHUTDOWN", 6, "triple fault"],
      ["EXIT_INTERNAL", 7, "core bug or unsupported state; CTL_EXIT_QUAL says which"],
      ["EXIT_WRMSR", 8, "WRMSR to a host-owned MSR (the hypercall page)"],
      ["EXIT_VIRTIO_NOTIFY", 9, "a virtqueue was kicked"],
      ["EXIT_OUT_OF_MEMORY", 10, "no linear frame left to back a guest page"],
      ["EXIT_DEAD", 11, "HLT with interrupts disabled and nothing to wake it"],
    ],
  },
  {
    title: "access kinds for translate()",
    entries: [
      ["ACC_READ", 0, ""],
      ["ACC_WRITE", 1, ""],
      ["ACC_EXEC", 2, ""],
      ["ACC_USER", 4, "or-ed in: check as a CPL 3 access"],
    ],
  },
];

const header = "// GENERATED by tools/gen_layout.ts — do not edit\n";
let as = header;
let ts = header;
for (const g of groups) {
  as += `\n// ${g.title}\n`;
  ts += `\n// ${g.title}\n`;
  for (const [name, value, why] of g.entries) {
    const hex = "0x" + value.toString(16);
    const comment = why ? ` // ${why}` : "";
    as += `// @ts-ignore: decorator\n@inline export const ${name}: u32 = ${hex};${comment}\n`;
    ts += `export const ${name} = ${hex};${comment}\n`;
  }
}
writeFileSync(new URL("../assembly/layout.ts", import.meta.url), as);
writeFileSync(new URL("../src/core/layout.gen.ts", import.meta.url), ts);
console.log("wrote assembly/layout.ts and src/core/layout.gen.ts");
