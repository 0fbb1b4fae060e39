/*
 * native.c: the native runner behind gen.c.
 *
 * vx_enter loads MXCSR, xmm0-15, RFLAGS, the 16 GPRs and finally RSP from vx_state.in, then jumps
 * to the snippet in an executable page below 4 GiB. The snippet is followed by a return stub that
 * reaches vx_exit64, which stores RSP first, restores the host stack and saves everything to
 * vx_state.out. Nothing between the two touches the stack, so RSP is an ordinary input.
 *
 * Mode-32 snippets are entered by a far jump through the kernel's 32-bit user code segment
 * (Linux __USER32_CS = 0x23) and return with a far jump to the 64-bit one (0x33): native
 * compatibility-mode execution without a 32-bit toolchain.
 *
 * A fault in the snippet (only #DE is expected) arrives as a signal on the alternate stack; the
 * handler notes the vector and resumes at the return stub, so the saved registers are those at
 * the fault.
 */
#define _GNU_SOURCE
#include "native.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

/* The state block read by vx_enter and written by vx_exit64. Offsets are used by the asm below. */
struct VxState {
  Regs in, out;
  uint64_t hostRsp;
  uint32_t hostMxcsr, pad;
  uint64_t entry; /* where vx_enter jumps once the inputs are loaded */
};
struct VxState vx_state __attribute__((aligned(64)));

_Static_assert(sizeof(Regs) == 400, "Regs layout");
_Static_assert(offsetof(Regs, rflags) == 128 && offsetof(Regs, mxcsr) == 136 &&
                   offsetof(Regs, xmm) == 144, "Regs offsets");
_Static_assert(offsetof(struct VxState, out) == 400 && offsetof(struct VxState, hostRsp) == 800 &&
                   offsetof(struct VxState, hostMxcsr) == 808 &&
                   offsetof(struct VxState, entry) == 816, "VxState offsets");

void vx_enter(void);
extern const uint8_t vx_exit64[];

#define LD(r, off) " mov " #r ", [rip + vx_state + " #off "]\n"
#define ST(r, off) " mov [rip + vx_state + 400 + " #off "], " #r "\n"
#define LDX(i, off) " movdqu xmm" #i ", [rip + vx_state + " #off "]\n"
#define STX(i, off) " movdqu [rip + vx_state + 400 + " #off "], xmm" #i "\n"
__asm__(".text\n.intel_syntax noprefix\n"
        ".globl vx_enter\n.type vx_enter, @function\n"
        "vx_enter:\n"
        " push rbx\n push rbp\n push r12\n push r13\n push r14\n push r15\n"
        " mov [rip + vx_state + 800], rsp\n"
        " stmxcsr [rip + vx_state + 808]\n"
        " ldmxcsr [rip + vx_state + 136]\n"
        LDX(0, 144) LDX(1, 160) LDX(2, 176) LDX(3, 192) LDX(4, 208) LDX(5, 224) LDX(6, 240)
        LDX(7, 256) LDX(8, 272) LDX(9, 288) LDX(10, 304) LDX(11, 320) LDX(12, 336) LDX(13, 352)
        LDX(14, 368) LDX(15, 384)
        " push qword ptr [rip + vx_state + 128]\n popfq\n"
        LD(rax, 0) LD(rcx, 8) LD(rdx, 16) LD(rbx, 24) LD(rbp, 40) LD(rsi, 48) LD(rdi, 56)
        LD(r8, 64) LD(r9, 72) LD(r10, 80) LD(r11, 88) LD(r12, 96) LD(r13, 104) LD(r14, 112)
        LD(r15, 120)
        " mov rsp, [rip + vx_state + 32]\n"
        " jmp qword ptr [rip + vx_state + 816]\n"
        ".globl vx_exit64\n"
        "vx_exit64:\n"
        ST(rsp, 32)
        " mov rsp, [rip + vx_state + 800]\n"
        " pushfq\n pop qword ptr [rip + vx_state + 528]\n"
        ST(rax, 0) ST(rcx, 8) ST(rdx, 16) ST(rbx, 24) ST(rbp, 40) ST(rsi, 48) ST(rdi, 56)
        ST(r8, 64) ST(r9, 72) ST(r10, 80) ST(r11, 88) ST(r12, 96) ST(r13, 104) ST(r14, 112)
        ST(r15, 120)
        STX(0, 144) STX(1, 160) STX(2, 176) STX(3, 192) STX(4, 208) STX(5, 224) STX(6, 240)
        STX(7, 256) STX(8, 272) STX(9, 288) STX(10, 304) STX(11, 320) STX(12, 336) STX(13, 352)
        STX(14, 368) STX(15, 384)
        " stmxcsr [rip + vx_state + 536]\n"
        " ldmxcsr [rip + vx_state + 808]\n"
        " pop r15\n pop r14\n pop r13\n pop r12\n pop rbp\n pop rbx\n ret\n"
        ".att_syntax prefix\n");

/*
 * The executable page, mapped below 4 GiB so 32-bit code and absolute disp32 operands reach it.
 *   J_FAR32  m16:32 far pointer to the snippet, selector = 32-bit user code segment
 *   J_EXIT64 qword: address of vx_exit64
 *   J_TO32   64-bit stub: jmp far [J_FAR32]            (vx_state.entry for mode-32 forms)
 *   J_BACK64 64-bit stub: jmp [J_EXIT64]               (mode-32 snippets far-jump here)
 *   J_SNIP   the snippet, then a return stub: jmp [J_EXIT64] (mode 64) or jmp far J_BACK64 (mode 32)
 */
enum { J_FAR32 = 0x000, J_EXIT64 = 0x008, J_TO32 = 0x040, J_BACK64 = 0x080, J_SNIP = 0x100,
       J_SIZE = 0x1000 };
static uint8_t *jit;
static uint16_t cs64, cs32 = 0x23; /* Linux __USER_CS / __USER32_CS */
static volatile int faultVector = -1;
static volatile uintptr_t snipStart, snipEnd;

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void on_fault(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  if (rip < snipStart || rip >= snipEnd) { /* not ours: die the ordinary way */
    signal(sig, SIG_DFL);
    return;
  }
  faultVector = sig == SIGFPE ? 0 : sig == SIGILL ? 6 : sig == SIGTRAP ? 1 : 13;
  uc->uc_mcontext.gregs[REG_RIP] = (greg_t)snipEnd; /* resume at the return stub */
}

void native_init(void) {
  jit = mmap(NULL, J_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (jit == MAP_FAILED) { perror("mmap"); exit(1); }
  memset(jit, 0xcc, J_SIZE);
  uint64_t exit64 = (uint64_t)(uintptr_t)vx_exit64;
  memcpy(jit + J_EXIT64, &exit64, 8);
  put32(jit + J_FAR32, (uint32_t)(uintptr_t)(jit + J_SNIP));
  memcpy(jit + J_FAR32 + 4, &cs32, 2);
  uint8_t *p = jit + J_TO32; /* jmp far m16:32 [disp32] */
  p[0] = 0xff, p[1] = 0x2c, p[2] = 0x25, put32(p + 3, (uint32_t)(uintptr_t)(jit + J_FAR32));
  p = jit + J_BACK64; /* jmp qword [disp32] */
  p[0] = 0xff, p[1] = 0x24, p[2] = 0x25, put32(p + 3, (uint32_t)(uintptr_t)(jit + J_EXIT64));
  __asm__("mov %%cs, %0" : "=r"(cs64));

  static uint8_t altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
  if (sigaltstack(&ss, NULL)) { perror("sigaltstack"); exit(1); }
  struct sigaction sa = {0};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

int native_has_mode32(void) { return cs64 == 0x33; }

int run_native(const uint8_t *code, size_t len, int mode, const Regs *in, Regs *out) {
  uint8_t *s = jit + J_SNIP;
  memcpy(s, code, len);
  uint8_t *r = s + len;
  if (mode == 64) {
    r[0] = 0xff, r[1] = 0x24, r[2] = 0x25, put32(r + 3, (uint32_t)(uintptr_t)(jit + J_EXIT64));
    vx_state.entry = (uint64_t)(uintptr_t)s;
  } else {
    r[0] = 0xea, put32(r + 1, (uint32_t)(uintptr_t)(jit + J_BACK64));
    memcpy(r + 5, &cs64, 2);
    vx_state.entry = (uint64_t)(uintptr_t)(jit + J_TO32);
  }
  memset(r + 7, 0xcc, 16);
  snipStart = (uintptr_t)s, snipEnd = (uintptr_t)r;
  faultVector = -1;
  vx_state.in = *in;
  memset(&vx_state.out, 0, sizeof vx_state.out);
  vx_enter();
  *out = vx_state.out;
  return faultVector;
}

