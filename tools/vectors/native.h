/*
 * native.h: runs one instruction's bytes on this CPU, in 64-bit mode or in compatibility mode.
 * See native.c for how, and README.md for why.
 */
#ifndef XPVH_VECTORS_NATIVE_H
#define XPVH_VECTORS_NATIVE_H
#include <stddef.h>
#include <stdint.h>

/* The register file loaded before and saved after the snippet. Offsets are used by native.c's asm. */
typedef struct {
  uint64_t gpr[16]; /* SDM order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
  uint64_t rflags;
  uint32_t mxcsr, pad;
  uint64_t xmm[16][2]; /* [i][0] = low qword */
} Regs;

/* Maps the executable page and installs the fault handlers; call once. */
void native_init(void);

/* True when the kernel's 32-bit user code segment is usable (mode-32 forms can run). */
int native_has_mode32(void);

/*
 * Runs code (one instruction, at most 15 bytes) once in the given mode (64 or 32), starting from
 * *in. Writes the resulting registers to *out and returns the exception vector the CPU raised
 * (0 = #DE, 6 = #UD, 13 = #GP/other) or -1. After a fault, *out is the state at the fault.
 */
int run_native(const uint8_t *code, size_t len, int mode, const Regs *in, Regs *out);

#endif
