// What -d / -trace can show (QEMU's -d spelling where one exists).
export const TRACE_CATEGORIES = [
  "unimp", // Xen hypercalls and ops xpvh does not implement (once each)
  "guest_errors", // bad hypercall arguments and device protocol errors
  "int", // every exception the guest takes (vector, error code, RIP, CR2)
  "cpu_reset", // a register dump when the machine resets or dies
  "hcall", // every hypercall with its arguments and result
  "exits", // every core exit (I/O, MSR, HLT, notify, ...)
] as const;
