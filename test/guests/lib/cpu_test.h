/* Shared definitions of the CPU test guests (cpu_*.S), on top of pvh.h:
 * selectors of lib/cpu_test.S's GDT, the test window, exception bookkeeping
 * and the CHECK / EXPECT_FAULT macros. Included after pvh.h. */
#ifndef XPVH_GUEST_CPU_TEST_H
#define XPVH_GUEST_CPU_TEST_H

/* GDT of lib/cpu_test.S. The order is the one SYSCALL/SYSRET need:
 * STAR[47:32] = 0x18 gives CS 0x18 / SS 0x20 on SYSCALL, STAR[63:48] = 0x28
 * gives SS 0x30|3 / CS 0x38|3 on SYSRETQ. */
#define SEL_KCODE64             0x18    /* = SEL_CODE64 of head.S */
#define SEL_KDATA               0x10    /* = SEL_DATA of head.S */
#define SEL_KSTACK              0x20    /* kernel data, SS after SYSCALL */
#define SEL_UCODE32             0x2B    /* user 32-bit code (SYSRETL; unused) */
#define SEL_UDATA               0x33    /* user data, DPL 3 */
#define SEL_UCODE64             0x3B    /* user 64-bit code, DPL 3 */
#define SEL_TSS                 0x40    /* 64-bit TSS, 16-byte descriptor */
#define SEL_NOT_PRESENT         0x50    /* data descriptor with P = 0 */
#define SEL_KDATA_DPL3          0x30    /* the user data selector with RPL 0 */
#define STAR_VALUE_HI           ((0x28 << 16) | 0x18)  /* STAR[63:32] */

/* The test window: a page table of our own behind the PDE of 0x40000000, all
 * entries not present until a test fills them (window_pte). 512 x 4 KiB. */
#define WINDOW_VA               0x40000000
#define WINDOW_PAGE(i)          (WINDOW_VA + 0x1000 * (i))
/* A 2 MiB page of our own: the next PDE after the window (0x40200000). */
#define LARGE_VA                0x40200000
/* TEST_PAGES pages in .bss (test_pages), page i at test_pages + 4096 * i. */
#define TEST_PAGES              16
#define PAGE_MARKER             0x5A5A0000   /* first qword of test page i: PAGE_MARKER + i */

/* Page-table entry bits. */
#define PTE_P                   0x001
#define PTE_W                   0x002
#define PTE_U                   0x004
#define PTE_A                   0x020
#define PTE_D                   0x040
#define PTE_PS                  0x080
#define PTE_G                   0x100
#define PTE_XD                  0x8000000000000000
#define PTE_RSVD51              0x0008000000000000   /* above any MAXPHYADDR < 52 */

/* #PF error code bits (SDM vol. 3, 4.7). */
#define PFEC_P                  0x01
#define PFEC_W                  0x02
#define PFEC_U                  0x04
#define PFEC_RSVD               0x08
#define PFEC_I                  0x10

/* Control registers and MSRs the tests touch. */
#define CR0_MP                  0x00000002
#define CR0_EM                  0x00000004
#define CR0_TS                  0x00000008
#define CR0_WP                  0x00010000
#define CR4_PGE                 0x00000080
#define CR4_OSFXSR              0x00000200
#define EFER_SCE                0x00000001
#define EFER_NXE                0x00000800
#define MSR_STAR                0xC0000081
#define MSR_LSTAR               0xC0000082
#define MSR_SFMASK              0xC0000084
#define MSR_FS_BASE             0xC0000100
#define MSR_GS_BASE             0xC0000101
#define MSR_KERNEL_GS_BASE      0xC0000102

/* RFLAGS bits. */
#define RFL_CF                  0x0001
#define RFL_TF                  0x0100
#define RFL_IF                  0x0200
#define RFL_DF                  0x0400
#define RFL_IOPL3               0x3000
#define RFL_NT                  0x4000
#define RFL_RF                  0x10000
#define RFL_AC                  0x40000

/* Exception vectors. */
#define VEC_DE                  0
#define VEC_DB                  1
#define VEC_BP                  3
#define VEC_UD                  6
#define VEC_NM                  7
#define VEC_DF                  8
#define VEC_NP                  11
#define VEC_SS                  12
#define VEC_GP                  13
#define VEC_PF                  14
/* Software vectors: 0x80 a DPL 3 gate that always returns, 0x81 a DPL 0
 * gate (INT from ring 3 must #GP), 0x82 the DPL 3 "back to the kernel" gate
 * that ends run_user, 0x83 a gate that is not present. */
#define VEC_SYSCALL80           0x80
#define VEC_KERNEL_ONLY         0x81
#define VEC_USER_EXIT           0x82
#define VEC_NOT_PRESENT         0x83

/* exc_resume values other than an address. */
#define EXC_UNEXPECTED          0       /* any exception is a failure */
#define EXC_RETURN              1       /* record it and IRETQ to the frame as is */

/* The exception record: exc_vector, exc_error, exc_rip, exc_cs, exc_rflags,
 * exc_rsp, exc_ss, exc_entry_rsp, exc_cr2, exc_handler_rflags (qwords in this
 * order); exc_prev holds the one before, same layout. */
#define EXC_RECORD_QWORDS       10
#define EXC_PREV_VECTOR         (exc_prev + 0)
#define EXC_PREV_ERROR          (exc_prev + 8)
#define EXC_PREV_RIP            (exc_prev + 16)
#define EXC_PREV_CS             (exc_prev + 24)
#define EXC_PREV_RFLAGS         (exc_prev + 32)
#define EXC_PREV_RSP            (exc_prev + 40)
#define EXC_PREV_SS             (exc_prev + 48)
#define EXC_PREV_ENTRY_RSP      (exc_prev + 56)

/* Gate attribute bytes (P, DPL, type) for set_gate's RDX. */
#define GATE_INTR               0x8E
#define GATE_TRAP               0x8F
#define GATE_INTR_DPL3          0xEE
#define GATE_IST(n)             ((n) << 8)

/* Stacks of lib/cpu_test.S (16-byte aligned tops). */
#define KSTACK_BYTES            8192

#ifdef __ASSEMBLER__
/* CHECK actual, expected, "name": prints "PASS: name" or
 * "FAIL: name: got X, expected Y" and counts. actual and expected are any
 * operands PUSH accepts (registers, memory, 32-bit immediates), not
 * RSP-relative. Every register and RFLAGS are preserved. */
.macro CHECK actual, expected, name
        pushfq
        push    \expected
        push    \actual
        push    %rdi
        push    %rsi
        push    %rdx
        mov     24(%rsp), %rdi
        mov     32(%rsp), %rsi
        lea     .Lcheck_name\@(%rip), %rdx
        call    check_eq64
        pop     %rdx
        pop     %rsi
        pop     %rdi
        add     $16, %rsp
        popfq
        .pushsection .rodata
.Lcheck_name\@: .asciz "\name"
        .popsection
.endm

/* CHECK_BITS actual, mask, expected, "name": (actual & mask) == expected.
 * mask and expected must be registers or 32-bit immediates. */
.macro CHECK_BITS actual, mask, expected, name
        pushfq
        push    %rax
        mov     \actual, %rax
        and     \mask, %rax
        CHECK   %rax, \expected, "\name"
        pop     %rax
        popfq
.endm

/* EXPECT_FAULT resume: the next exception (of any kind) is recorded in exc_*
 * and execution continues at `resume` in ring 0 with RSP as it is now and
 * RFLAGS = 2. If nothing faults, execution falls through to `resume` as
 * well (exc_vector stays -1). Always follow `resume:` with END_FAULT. */
.macro EXPECT_FAULT resume
        movq    $-1, exc_vector(%rip)
        movq    $-1, exc_error(%rip)
        movq    $-1, exc_rip(%rip)
        push    %rax
        lea     \resume(%rip), %rax
        mov     %rax, exc_resume(%rip)
        pop     %rax
        mov     %rsp, exc_resume_rsp(%rip)
.endm

/* EXPECT_RETURN: the next exception is recorded and the handler returns to
 * the interrupted code with IRETQ (for traps: INT3, INT n). */
.macro EXPECT_RETURN
        movq    $-1, exc_vector(%rip)
        movq    $-1, exc_error(%rip)
        movq    $-1, exc_rip(%rip)
        movq    $EXC_RETURN, exc_resume(%rip)
.endm

.macro END_FAULT
        movq    $EXC_UNEXPECTED, exc_resume(%rip)
.endm

/* SAY "text": print a line that is neither PASS nor FAIL. */
.macro SAY text
        push    %rdi
        lea     .Lsay\@(%rip), %rdi
        call    print_str64
        pop     %rdi
        .pushsection .rodata
.Lsay\@: .asciz "\text\n"
        .popsection
.endm
#endif

#endif
