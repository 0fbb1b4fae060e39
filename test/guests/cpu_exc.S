/* cpu_exc.elf: exception delivery in long mode (SDM vol. 3, chapter 6). Each
 * check prints PASS/FAIL (lib/cpu_test.S); poweroff when all passed, crash
 * otherwise. Checked:
 *   - #GP(0) for non-canonical data addresses and branch targets, #SS(0) for
 *     non-canonical stack references (RBP-based, and a PUSH delivered on an
 *     IST stack);
 *   - #UD for UD2, opcodes invalid in 64-bit mode, a LOCK prefix where it is
 *     not allowed, VEX without AVX, MOV to CR1; #GP for instructions over 15
 *     bytes;
 *   - #DE for division by zero and for quotients that do not fit (DIV and
 *     IDIV, 8/32/64-bit), with registers untouched; divisions at the edge;
 *   - #NM with CR0.TS for x87 (FLD1), FWAIT with MP and TS, SSE (MOVAPS),
 *     and #UD for SSE with CR0.EM;
 *   - #BP from INT3 and INT 3 with the return RIP after the instruction,
 *     IRETQ restoring RFLAGS, IF cleared by interrupt gates but not by trap
 *     gates;
 *   - error codes: #GP(selector) and #NP(selector) for segment loads,
 *     #NP(vector*8+2) for INT n to a not-present gate, EXT in the error code of
 *     a fault met while delivering an exception; frame sizes;
 *   - IST: #DF delivered on IST1 when a #PF cannot be pushed on a broken
 *     stack, and IST stacks aligned to 16 bytes;
 *   - IRETQ to a non-canonical RIP is a #GP on the IRETQ. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"

        .text
        .code64
        .globl  main64
main64:
        lea     guest_name(%rip), %rdi
        call    cpu_test_init
        call    t_gp_ss
        call    t_ud
        call    t_de
        call    t_nm
        call    t_bp
        call    t_error_codes
        call    t_ist
        call    t_iret
        jmp     test_finish

/* ------------------------------------------------------------------------ */
t_gp_ss:
        movabs  $0x8000000000000000, %rbx
        EXPECT_FAULT 1f
2:      mov     (%rbx), %eax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "read of a non-canonical address: #GP"
        CHECK   exc_error(%rip), $0, "read of a non-canonical address: error code 0"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "read of a non-canonical address: saved RIP"
        mov     exc_resume_rsp(%rip), %rax
        and     $-16, %rax
        sub     $48, %rax
        CHECK   exc_entry_rsp(%rip), %rax, "#GP pushes an error code (6-qword frame)"

        movabs  $0x0000800000000000, %rbx
        EXPECT_FAULT 1f
        movq    $1, (%rbx)
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "write to 0x0000800000000000: #GP"
        movabs  $0xFFFF7FFFFFFFFFF8, %rbx
        EXPECT_FAULT 1f
        mov     (%rbx), %eax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "read of 0xFFFF7FFFFFFFFFF8: #GP"

        /* an access that starts canonical and ends past 0x00007FFFFFFFFFFF */
        movabs  $0x00007FFFFFFFFFFC, %rbx
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "8-byte read crossing the canonical boundary: #GP"

        /* branch targets: the fault is on the branch */
        movabs  $0x0000800000000000, %rbx
        EXPECT_FAULT 1f
2:      jmp     *%rbx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "JMP to a non-canonical address: #GP"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "JMP to a non-canonical address: saved RIP is the JMP"
        EXPECT_FAULT 1f
2:      call    *%rbx
1:      END_FAULT
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "CALL to a non-canonical address: saved RIP is the CALL"
        mov     exc_resume_rsp(%rip), %rax
        CHECK   exc_rsp(%rip), %rax, "CALL to a non-canonical address: nothing pushed"
        EXPECT_FAULT 1f
        push    %rbx
2:      ret
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "RET to a non-canonical address: #GP"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "RET to a non-canonical address: saved RIP is the RET"
        mov     exc_resume_rsp(%rip), %rax
        sub     $8, %rax
        CHECK   exc_rsp(%rip), %rax, "RET to a non-canonical address: RSP not popped"

        /* stack segment: RBP-based address */
        movabs  $0x8000000000001000, %rbp
        EXPECT_FAULT 1f
        mov     8(%rbp), %eax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_SS, "RBP-based non-canonical read: #SS"
        CHECK   exc_error(%rip), $0, "RBP-based non-canonical read: error code 0"
        xor     %ebp, %ebp

        /* PUSH with a non-canonical RSP: #SS, delivered on IST2 */
        mov     $VEC_SS, %edi
        mov     $2, %esi
        call    set_ist
        EXPECT_FAULT 1f
        movabs  $0x8000000000000010, %rsp
        push    %rax
1:      END_FAULT
        xor     %esi, %esi
        call    set_ist
        CHECK   exc_vector(%rip), $VEC_SS, "PUSH with a non-canonical RSP: #SS"
        CHECK   exc_error(%rip), $0, "PUSH with a non-canonical RSP: error code 0"
        movabs  $0x8000000000000010, %rax
        CHECK   exc_rsp(%rip), %rax, "PUSH with a non-canonical RSP: saved RSP unchanged"
        lea     ist2_top(%rip), %rax
        sub     $48, %rax
        CHECK   exc_entry_rsp(%rip), %rax, "PUSH with a non-canonical RSP: frame on IST2"
        ret

/* ------------------------------------------------------------------------ */
t_ud:
        EXPECT_FAULT 1f
2:      ud2
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "UD2: #UD"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "UD2: saved RIP is the UD2"
        CHECK   exc_error(%rip), $0, "UD2: no error code"
        mov     exc_resume_rsp(%rip), %rax
        and     $-16, %rax
        sub     $40, %rax
        CHECK   exc_entry_rsp(%rip), %rax, "#UD pushes no error code (5-qword frame)"

        EXPECT_FAULT 1f
        .byte   0x06                            /* PUSH ES */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "PUSH ES in 64-bit mode: #UD"
        EXPECT_FAULT 1f
        .byte   0x37                            /* AAA */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "AAA in 64-bit mode: #UD"
        EXPECT_FAULT 1f
        .byte   0xCE                            /* INTO */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "INTO in 64-bit mode: #UD"
        lea     scratch(%rip), %rbx             /* LOCK tests: a valid address */
        EXPECT_FAULT 1f
        .byte   0xF0, 0x90                      /* LOCK NOP */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "LOCK NOP: #UD"
        EXPECT_FAULT 1f
        .byte   0xF0, 0x01, 0xC3                /* LOCK ADD EBX, EAX (register destination) */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "LOCK ADD to a register: #UD"
        EXPECT_FAULT 1f
        .byte   0xF0, 0x8B, 0x03                /* LOCK MOV EAX, [RBX] */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "LOCK MOV: #UD"
        movl    $5, (%rbx)
        EXPECT_FAULT 1f
        lock addl $3, (%rbx)
        lock xaddl %eax, (%rbx)
        lock btsl $1, (%rbx)
1:      END_FAULT
        CHECK   exc_vector(%rip), $-1, "LOCK ADD/XADD/BTS to memory: allowed"
        EXPECT_FAULT 1f
        .byte   0xC5, 0xF8, 0x77                /* VZEROUPPER */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "VEX instruction without AVX: #UD"
        EXPECT_FAULT 1f
        .byte   0x0F, 0x22, 0xC8                /* MOV CR1, RAX */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "MOV to CR1: #UD"
        EXPECT_FAULT 1f
        .byte   0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        .byte   0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90   /* 16 bytes */
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "instruction longer than 15 bytes: #GP"
        CHECK   exc_error(%rip), $0, "instruction longer than 15 bytes: error code 0"
        EXPECT_FAULT 1f
        .byte   0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        .byte   0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90   /* 15 bytes */
1:      END_FAULT
        CHECK   exc_vector(%rip), $-1, "instruction of exactly 15 bytes: runs"
        ret

/* ------------------------------------------------------------------------ */
t_de:
        mov     $0x1111, %eax
        mov     $0x2222, %edx
        xor     %ecx, %ecx
        EXPECT_FAULT 1f
2:      div     %ecx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DE, "DIV by zero: #DE"
        lea     2b(%rip), %rsi
        CHECK   exc_rip(%rip), %rsi, "DIV by zero: saved RIP is the DIV"
        CHECK   %rax, $0x1111, "DIV by zero: RAX untouched"
        CHECK   %rdx, $0x2222, "DIV by zero: RDX untouched"
        mov     exc_resume_rsp(%rip), %rsi
        and     $-16, %rsi
        sub     $40, %rsi
        CHECK   exc_entry_rsp(%rip), %rsi, "#DE pushes no error code"

        mov     $1, %edx
        xor     %eax, %eax
        mov     $1, %ecx
        EXPECT_FAULT 1f
        div     %ecx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DE, "DIV EDX:EAX=2^32 by 1 (quotient too big): #DE"

        mov     $0x80000000, %eax
        mov     $-1, %edx
        mov     $-1, %ecx
        EXPECT_FAULT 1f
        idiv    %ecx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DE, "IDIV -2^31 / -1 (32-bit): #DE"

        movabs  $0x8000000000000000, %rax
        mov     $-1, %rdx
        mov     $-1, %rcx
        EXPECT_FAULT 1f
        idiv    %rcx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DE, "IDIV -2^63 / -1 (64-bit): #DE"

        mov     $0x8000, %eax
        mov     $-1, %cl
        EXPECT_FAULT 1f
        idiv    %cl
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DE, "IDIV AX=-32768 / -1 (8-bit): #DE"
        CHECK   %rax, $0x8000, "IDIV 8-bit overflow: AX untouched"

        mov     $0x100, %eax
        mov     $2, %cl
        EXPECT_FAULT 1f
        idiv    %cl
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DE, "IDIV AX=256 / 2 (quotient 128 > 127): #DE"

        movabs  $0x8000000000000000, %rax
        mov     $-1, %rdx
        mov     $1, %rcx
        EXPECT_FAULT 1f
        idiv    %rcx
1:      END_FAULT
        CHECK   exc_vector(%rip), $-1, "IDIV -2^63 / 1: no fault"
        movabs  $0x8000000000000000, %rcx
        CHECK   %rax, %rcx, "IDIV -2^63 / 1: quotient"

        mov     $-7, %rax
        cqo
        mov     $2, %rcx
        idiv    %rcx
        CHECK   %rax, $-3, "IDIV -7 / 2: quotient -3"
        CHECK   %rdx, $-1, "IDIV -7 / 2: remainder -1"

        mov     $-1, %rdx
        mov     $-1, %rax
        mov     $-1, %rcx
        EXPECT_FAULT 1f
        div     %rcx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DE, "DIV (2^128-1) / (2^64-1): #DE"
        movabs  $0xFFFFFFFFFFFFFFFE, %rdx
        mov     $-1, %rax
        mov     $-1, %rcx
        div     %rcx
        CHECK   %rax, $-1, "DIV (2^128-2^64-1) / (2^64-1): quotient 2^64-1"
        movabs  $0xFFFFFFFFFFFFFFFE, %rcx
        CHECK   %rdx, %rcx, "DIV (2^128-2^64-1) / (2^64-1): remainder 2^64-2"
        ret

/* ------------------------------------------------------------------------ */
t_nm:
        mov     %cr4, %rax
        or      $CR4_OSFXSR, %eax
        mov     %rax, %cr4
        mov     %cr0, %rax
        and     $~CR0_EM, %eax
        or      $(CR0_TS | CR0_MP), %eax
        mov     %rax, %cr0

        EXPECT_FAULT 1f
2:      fld1
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_NM, "FLD1 with CR0.TS: #NM"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "FLD1 with CR0.TS: saved RIP"
        EXPECT_FAULT 1f
        fwait
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_NM, "FWAIT with CR0.MP and CR0.TS: #NM"
        EXPECT_FAULT 1f
        movaps  %xmm0, %xmm1
1:      END_FAULT
        cmpq    $VEC_UD, exc_vector(%rip)
        jne     3f
        lea     msg_nm_sse_ud(%rip), %rdi
        call    test_fail
        jmp     4f
3:      CHECK   exc_vector(%rip), $VEC_NM, "MOVAPS with CR0.TS: #NM"
4:
        /* CR0.MP clear: FWAIT ignores TS */
        mov     %cr0, %rax
        and     $~CR0_MP, %eax
        mov     %rax, %cr0
        EXPECT_FAULT 1f
        fwait
1:      END_FAULT
        CHECK   exc_vector(%rip), $-1, "FWAIT with CR0.TS but not CR0.MP: no fault"

        clts
        mov     %cr0, %rax
        CHECK_BITS %rax, $CR0_TS, $0, "CLTS clears CR0.TS"
        EXPECT_FAULT 1f
        fninit
        fld1
        fstpl   scratch(%rip)
1:      END_FAULT
        cmpq    $VEC_UD, exc_vector(%rip)
        jne     3f
        lea     msg_x87_ud(%rip), %rdi
        call    test_skip
        jmp     4f
3:      CHECK   exc_vector(%rip), $-1, "x87 after CLTS: runs"
        movabs  $0x3FF0000000000000, %rax
        CHECK   scratch(%rip), %rax, "x87 after CLTS: FLD1; FSTP stores 1.0"
4:      EXPECT_FAULT 1f
        xorps   %xmm0, %xmm0
        movaps  %xmm0, %xmm1
1:      END_FAULT
        cmpq    $VEC_UD, exc_vector(%rip)
        jne     3f
        lea     msg_sse_ud(%rip), %rdi
        call    test_skip
        jmp     4f
3:      CHECK   exc_vector(%rip), $-1, "SSE after CLTS: runs"
4:
        /* CR0.EM: x87 #NM, SSE #UD */
        mov     %cr0, %rax
        or      $CR0_EM, %eax
        mov     %rax, %cr0
        EXPECT_FAULT 1f
        fld1
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_NM, "FLD1 with CR0.EM: #NM"
        EXPECT_FAULT 1f
        movaps  %xmm0, %xmm1
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "MOVAPS with CR0.EM: #UD"
        mov     %cr0, %rax
        and     $~CR0_EM, %eax
        or      $CR0_MP, %eax
        mov     %rax, %cr0
        ret

/* ------------------------------------------------------------------------ */
t_bp:
        EXPECT_RETURN
        mov     $0x1234, %r12
        stc
        int3
2:      setc    %al
        movzbl  %al, %eax
        END_FAULT
        CHECK   exc_vector(%rip), $VEC_BP, "INT3: #BP"
        lea     2b(%rip), %rsi
        CHECK   exc_rip(%rip), %rsi, "INT3: saved RIP is the next instruction"
        CHECK   exc_cs(%rip), $SEL_KCODE64, "INT3: saved CS"
        CHECK   exc_ss(%rip), $SEL_KDATA, "INT3: saved SS"
        CHECK   %rax, $1, "INT3: IRETQ restores RFLAGS (CF)"
        CHECK   %r12, $0x1234, "INT3: registers preserved across the handler"

        EXPECT_RETURN
        .byte   0xCD, 0x03                      /* INT 3 */
2:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_BP, "INT 3 (CD 03): #BP"
        lea     2b(%rip), %rsi
        CHECK   exc_rip(%rip), %rsi, "INT 3 (CD 03): saved RIP after 2 bytes"
        mov     %rsp, %rsi
        and     $-16, %rsi
        sub     $40, %rsi
        CHECK   exc_entry_rsp(%rip), %rsi, "INT3: 5-qword frame"

        /* interrupt gate: IF clear in the handler; trap gate: IF kept */
        EXPECT_RETURN
        sti
        int3
        cli
        END_FAULT
        CHECK_BITS exc_rflags(%rip), $RFL_IF, $RFL_IF, "INT3 with IF=1: IF set in the saved RFLAGS"
        CHECK_BITS exc_handler_rflags(%rip), $RFL_IF, $0, "INT3 through an interrupt gate: IF clear in the handler"
        mov     $VEC_BP, %edi
        call    gate_address
        movb    $GATE_TRAP, 5(%rax)
        EXPECT_RETURN
        sti
        int3
        cli
        END_FAULT
        mov     $VEC_BP, %edi
        call    gate_address
        movb    $GATE_INTR, 5(%rax)
        CHECK_BITS exc_handler_rflags(%rip), $RFL_IF, $RFL_IF, "INT3 through a trap gate: IF still set in the handler"

        /* TF and RF are cleared in the handler; AC/DF are not */
        EXPECT_RETURN
        std
        int3
        cld
        END_FAULT
        CHECK_BITS exc_handler_rflags(%rip), $RFL_DF, $RFL_DF, "INT3: DF kept in the handler"
        ret

/* ------------------------------------------------------------------------ */
t_error_codes:
        mov     $0x1000, %eax
        EXPECT_FAULT 1f
        mov     %eax, %ds
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "MOV DS with a selector past the GDT limit: #GP"
        CHECK   exc_error(%rip), $0x1000, "MOV DS with a selector past the GDT limit: error code = selector"
        mov     $(0x1000 | 3), %eax
        EXPECT_FAULT 1f
        mov     %eax, %es
1:      END_FAULT
        CHECK   exc_error(%rip), $0x1000, "MOV ES, selector with RPL 3 past the limit: error code without RPL"

        mov     $SEL_NOT_PRESENT, %eax
        EXPECT_FAULT 1f
        mov     %eax, %ds
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_NP, "MOV DS with a not-present descriptor: #NP"
        CHECK   exc_error(%rip), $SEL_NOT_PRESENT, "MOV DS with a not-present descriptor: error code = selector"

        mov     $SEL_KDATA_DPL3, %eax
        EXPECT_FAULT 1f
        mov     %eax, %ss
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "MOV SS with a DPL 3 data segment at CPL 0: #GP"
        CHECK   exc_error(%rip), $SEL_KDATA_DPL3, "MOV SS with a DPL 3 data segment: error code = selector"
        mov     $SEL_TSS, %eax
        EXPECT_FAULT 1f
        mov     %eax, %ds
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "MOV DS with a system (TSS) descriptor: #GP"
        CHECK   exc_error(%rip), $SEL_TSS, "MOV DS with a system (TSS) descriptor: error code = selector"
        mov     $SEL_KDATA, %eax
        mov     %eax, %ds

        EXPECT_FAULT 1f
        int     $VEC_NOT_PRESENT
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_NP, "INT n to a not-present gate: #NP"
        CHECK   exc_error(%rip), $(VEC_NOT_PRESENT * 8 + 2), "INT n to a not-present gate: error code vector*8+IDT"

        /* #UD whose gate is not present: #NP with IDT and EXT set (not #DF) */
        mov     $VEC_UD, %edi
        call    gate_address
        andb    $0x7F, 5(%rax)
        EXPECT_FAULT 1f
        ud2
1:      END_FAULT
        mov     $VEC_UD, %edi
        call    gate_address
        orb     $0x80, 5(%rax)
        CHECK   exc_vector(%rip), $VEC_NP, "#UD through a not-present gate: #NP"
        CHECK   exc_error(%rip), $(VEC_UD * 8 + 3), "#UD through a not-present gate: error code vector*8+IDT+EXT"

        /* #GP whose gate is not present: contributory twice, #DF */
        mov     $VEC_GP, %edi
        call    gate_address
        andb    $0x7F, 5(%rax)
        movabs  $0x8000000000000000, %rbx
        EXPECT_FAULT 1f
        mov     (%rbx), %eax
1:      END_FAULT
        mov     $VEC_GP, %edi
        call    gate_address
        orb     $0x80, 5(%rax)
        CHECK   exc_vector(%rip), $VEC_DF, "#GP through a not-present gate (#NP): #DF"
        CHECK   exc_error(%rip), $0, "#DF: error code 0"
        ret

/* ------------------------------------------------------------------------ */
t_ist:
        /* #PF with a broken stack: the #PF cannot be pushed, #DF on IST1 */
        movabs  $0x20000000000, %rbx            /* not mapped (PML4 entry 4) */
        EXPECT_FAULT 1f
        movabs  $0x10000001000, %rsp            /* not mapped (PML4 entry 2) */
        mov     (%rbx), %eax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_DF, "#PF on a broken stack: #DF"
        CHECK   exc_error(%rip), $0, "#PF on a broken stack: #DF error code 0"
        lea     ist1_top(%rip), %rax
        sub     $48, %rax
        CHECK   exc_entry_rsp(%rip), %rax, "#DF: delivered on IST1"
        movabs  $0x10000001000, %rax
        CHECK   exc_rsp(%rip), %rax, "#DF: saved RSP is the broken one"
        mov     exc_cr2(%rip), %rax
        shr     $12, %rax
        CHECK   %rax, $0x10000000, "#DF: CR2 in the broken stack page (the second #PF)"

        /* IST on an ordinary trap, and alignment of the IST stack to 16 */
        lea     ist2_top(%rip), %rax
        mov     %rax, %r12
        sub     $8, %rax
        mov     %rax, cpu_tss+44(%rip)          /* IST2 = top - 8, misaligned */
        mov     $VEC_BP, %edi
        mov     $2, %esi
        call    set_ist
        EXPECT_RETURN
        int3
        END_FAULT
        xor     %esi, %esi
        call    set_ist
        mov     %r12, cpu_tss+44(%rip)
        CHECK   exc_vector(%rip), $VEC_BP, "INT3 through an IST2 gate: #BP"
        lea     -16-40(%r12), %rax
        CHECK   exc_entry_rsp(%rip), %rax, "INT3 through an IST2 gate: RSP = (IST2 & ~15) - 40"
        mov     %rsp, %rax
        CHECK   exc_rsp(%rip), %rax, "INT3 through an IST2 gate: saved RSP is ours"
        ret

/* ------------------------------------------------------------------------ */
t_iret:
        /* IRETQ to a non-canonical RIP */
        EXPECT_FAULT 1f
        mov     %rsp, %rax
        push    $SEL_KDATA
        push    %rax
        pushfq
        push    $SEL_KCODE64
        movabs  $0x8000000000000000, %rax
        push    %rax
2:      iretq
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "IRETQ to a non-canonical RIP: #GP"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "IRETQ to a non-canonical RIP: saved RIP is the IRETQ"

        /* IRETQ in the same ring pops SS:RSP too */
        mov     %rsp, %r12
        lea     -64(%rsp), %rax
        push    $SEL_KDATA
        push    %rax
        pushfq
        push    $SEL_KCODE64
        lea     3f(%rip), %rax
        push    %rax
        iretq
3:      mov     %rsp, %rax
        mov     %r12, %rsp
        lea     -64(%r12), %rcx
        CHECK   %rax, %rcx, "IRETQ to ring 0 loads RSP from the frame"
        ret

        .section .rodata
guest_name:     .asciz "cpu_exc"
msg_nm_sse_ud:  .asciz "MOVAPS with CR0.TS: #UD instead of #NM (SSE not implemented, or the TS check missing)"
msg_x87_ud:     .asciz "x87 after CLTS: #UD (x87 not implemented in this build)"
msg_sse_ud:     .asciz "SSE after CLTS: #UD (SSE not implemented in this build)"

        .bss
        .balign 16
scratch:        .skip 64
