/* cpu_ring3.elf: privilege levels in long mode. Each check prints PASS/FAIL
 * (lib/cpu_test.S); poweroff when all passed, crash otherwise. Checked:
 *   - IRETQ to ring 3 (CS/SS with RPL 3, data segments with DPL 0 nulled),
 *     and the #GP when the SS in the frame has the wrong RPL;
 *   - SYSCALL (EFER.SCE, STAR, LSTAR, SFMASK): RCX = return address, R11 =
 *     RFLAGS, masked RFLAGS, CS/SS from STAR; SWAPGS to the kernel GS base in
 *     the handler; SYSRETQ back to ring 3 with RFLAGS from R11; SYSCALL with
 *     EFER.SCE clear is #UD; SYSRETQ to a non-canonical RIP is #GP in ring 0;
 *   - INT 0x80 through a DPL 3 gate: the frame on TSS.RSP0 with the ring 3
 *     CS/SS/RSP; INT n and INT3 through DPL 0 gates: #GP(vector*8+2);
 *   - ring 3 reads and writes of a supervisor page: #PF with U/S in the
 *     error code;
 *   - privileged instructions in ring 3: #GP(0) for HLT, CLI, STI, IN, OUT,
 *     MOV from/to CRn and DRn, RDMSR, WRMSR, LGDT, LIDT, LTR, INVLPG, SWAPGS,
 *     CLTS, WBINVD, SYSRET; CLI allowed with IOPL 3; POPF in ring 3 does not
 *     change IF or IOPL;
 *   - SWAPGS exchanges GS.base and IA32_KERNEL_GS_BASE. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"

#define USER_GS_MARKER          0x7553657247530000      /* "user GS" */
#define KERNEL_GS_MARKER        0x4B65724E47530000      /* "kernel GS" */
#define SFMASK_VALUE            (RFL_TF | RFL_IF | RFL_DF | RFL_NT | RFL_AC)

.macro RUN_USER fn
        push    %rdi
        lea     \fn(%rip), %rdi
        call    run_user
        pop     %rdi
.endm

/* PRIV_GP fn, "what": fn (a ring 3 function whose first instruction is
 * privileged) must end with #GP(0) on that instruction. */
.macro PRIV_GP fn, what
        RUN_USER \fn
        CHECK   %rax, $VEC_GP, "\what in ring 3: #GP"
        CHECK   exc_error(%rip), $0, "\what in ring 3: error code 0"
        lea     \fn(%rip), %rcx
        CHECK   exc_rip(%rip), %rcx, "\what in ring 3: saved RIP is the instruction"
.endm

.macro WRMSR64 msr, value_reg
        push    %rax
        push    %rcx
        push    %rdx
        mov     \value_reg, %rax
        mov     %rax, %rdx
        shr     $32, %rdx
        mov     $\msr, %ecx
        wrmsr
        pop     %rdx
        pop     %rcx
        pop     %rax
.endm

/* RDMSR64 msr -> RAX */
.macro RDMSR64 msr
        push    %rcx
        push    %rdx
        mov     $\msr, %ecx
        rdmsr
        shl     $32, %rdx
        or      %rdx, %rax
        pop     %rdx
        pop     %rcx
.endm

        .text
        .code64
        .globl  main64
main64:
        lea     guest_name(%rip), %rdi
        call    cpu_test_init
        lea     user_text(%rip), %rdi
        lea     user_text_end(%rip), %rsi
        call    set_user_pages
        lea     user_data(%rip), %rdi
        lea     user_data_end(%rip), %rsi
        call    set_user_pages
        call    flush_tlb

        call    t_enter
        call    t_swapgs
        call    t_syscall
        call    t_int
        call    t_supervisor_page
        call    t_privileged
        call    t_iopl
        jmp     test_finish

/* ------------------------------------------------------------------------ */
t_enter:
        RUN_USER u_identity
        CHECK   %rax, $VEC_USER_EXIT, "IRETQ to ring 3 and INT 0x82 back"
        CHECK   u_cs(%rip), $SEL_UCODE64, "ring 3: CS is the user code selector (RPL 3)"
        CHECK   u_ss(%rip), $SEL_UDATA, "ring 3: SS is the user data selector (RPL 3)"
        CHECK   u_ds(%rip), $0, "ring 3: DS (DPL 0) nulled by IRETQ"
        CHECK   u_es(%rip), $0, "ring 3: ES (DPL 0) nulled by IRETQ"
        CHECK   exc_cs(%rip), $SEL_UCODE64, "INT from ring 3: saved CS"
        CHECK   exc_ss(%rip), $SEL_UDATA, "INT from ring 3: saved SS"
        lea     user_stack_top(%rip), %rax
        CHECK   exc_rsp(%rip), %rax, "INT from ring 3: saved RSP is the ring 3 one"
        lea     kstack0_top(%rip), %rax
        sub     $40, %rax
        CHECK   exc_entry_rsp(%rip), %rax, "INT from ring 3: frame on TSS.RSP0"
        mov     %ds, %eax
        mov     $SEL_KDATA, %ecx
        mov     %ecx, %ds
        mov     %ecx, %es

        /* IRETQ with SS RPL 0 and CS RPL 3 */
        EXPECT_FAULT 1f
        push    $SEL_KDATA_DPL3
        lea     user_stack_top(%rip), %rax
        push    %rax
        push    $2
        push    $SEL_UCODE64
        lea     u_identity(%rip), %rax
        push    %rax
        iretq
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "IRETQ to ring 3 with SS.RPL 0: #GP"
        CHECK   exc_error(%rip), $SEL_KDATA_DPL3, "IRETQ to ring 3 with SS.RPL 0: error code = SS selector"
        CHECK   exc_cs(%rip), $SEL_KCODE64, "IRETQ to ring 3 with SS.RPL 0: fault in ring 0"
        ret

/* ------------------------------------------------------------------------ */
t_swapgs:
        lea     gs_a(%rip), %r12
        lea     gs_b(%rip), %r13
        WRMSR64 MSR_GS_BASE, %r12
        WRMSR64 MSR_KERNEL_GS_BASE, %r13
        mov     %gs:0, %rax
        CHECK   %rax, $0x6161, "GS base from IA32_GS_BASE"
        swapgs
        RDMSR64 MSR_GS_BASE
        CHECK   %rax, %r13, "SWAPGS: GS base is the old IA32_KERNEL_GS_BASE"
        RDMSR64 MSR_KERNEL_GS_BASE
        CHECK   %rax, %r12, "SWAPGS: IA32_KERNEL_GS_BASE is the old GS base"
        mov     %gs:0, %rax
        CHECK   %rax, $0x6262, "SWAPGS: GS-relative read uses the new base"
        swapgs
        mov     %gs:0, %rax
        CHECK   %rax, $0x6161, "SWAPGS twice: back to the first base"
        ret

/* ------------------------------------------------------------------------ */
t_syscall:
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_SCE, %eax
        wrmsr
        mov     $MSR_STAR, %ecx
        xor     %eax, %eax
        mov     $STAR_VALUE_HI, %edx
        wrmsr
        lea     syscall_entry(%rip), %rax
        WRMSR64 MSR_LSTAR, %rax
        mov     $SFMASK_VALUE, %eax
        WRMSR64 MSR_SFMASK, %rax
        lea     user_gs_area(%rip), %rax
        WRMSR64 MSR_GS_BASE, %rax
        lea     kernel_percpu(%rip), %rax
        WRMSR64 MSR_KERNEL_GS_BASE, %rax

        RUN_USER u_syscall
        CHECK   %rax, $VEC_USER_EXIT, "SYSCALL from ring 3 and SYSRETQ back"
        CHECK   sc_rax(%rip), $0x5555, "SYSCALL: RAX reaches the handler"
        lea     u_syscall_ret(%rip), %rax
        CHECK   sc_rcx(%rip), %rax, "SYSCALL: RCX = the next instruction"
        CHECK_BITS sc_r11(%rip), $(RFL_DF | RFL_CF | 2 | RFL_RF), $(RFL_DF | RFL_CF | 2), "SYSCALL: R11 = RFLAGS (DF, CF set, RF clear)"
        CHECK_BITS sc_rflags(%rip), $(RFL_DF | RFL_IF | RFL_TF | RFL_AC), $0, "SYSCALL: RFLAGS masked with SFMASK"
        CHECK_BITS sc_rflags(%rip), $RFL_CF, $RFL_CF, "SYSCALL: bits outside SFMASK kept"
        CHECK   sc_cs(%rip), $SEL_KCODE64, "SYSCALL: CS = STAR[47:32]"
        CHECK   sc_ss(%rip), $SEL_KSTACK, "SYSCALL: SS = STAR[47:32] + 8"
        lea     user_stack_top(%rip), %rax
        CHECK   sc_rsp(%rip), %rax, "SYSCALL: RSP not switched"
        movabs  $KERNEL_GS_MARKER, %rax
        CHECK   sc_kgs(%rip), %rax, "SYSCALL handler: SWAPGS gives the kernel GS base"
        CHECK   u_cs2(%rip), $SEL_UCODE64, "SYSRETQ: CS = STAR[63:48] + 16, RPL 3"
        CHECK   u_ss2(%rip), $SEL_UDATA, "SYSRETQ: SS = STAR[63:48] + 8, RPL 3"
        CHECK_BITS u_flags(%rip), $(RFL_DF | RFL_CF), $(RFL_DF | RFL_CF), "SYSRETQ: RFLAGS from R11"
        movabs  $USER_GS_MARKER, %rax
        CHECK   u_gs(%rip), %rax, "after SYSRETQ: ring 3 GS base is the user one again"

        /* SYSRETQ to a non-canonical RIP: #GP in ring 0 (SDM; AMD differs) */
        movabs  $0x0000800000000000, %rcx
        mov     $2, %r11d
        EXPECT_FAULT 1f
2:      sysretq
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_GP, "SYSRETQ to a non-canonical RIP: #GP"
        CHECK   exc_cs(%rip), $SEL_KCODE64, "SYSRETQ to a non-canonical RIP: raised in ring 0"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "SYSRETQ to a non-canonical RIP: saved RIP is the SYSRETQ"

        /* EFER.SCE clear: SYSCALL is #UD */
        mov     $MSR_EFER, %ecx
        rdmsr
        and     $~EFER_SCE, %eax
        wrmsr
        RUN_USER u_syscall
        CHECK   %rax, $VEC_UD, "SYSCALL with EFER.SCE=0: #UD"
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_SCE, %eax
        wrmsr
        ret

/* SYSCALL entry: ring 0 on the ring 3 stack. Records what it sees. */
syscall_entry:
        swapgs
        mov     %gs:0, %r8
        mov     %r8, sc_kgs(%rip)
        swapgs
        mov     %rax, sc_rax(%rip)
        mov     %rcx, sc_rcx(%rip)
        mov     %r11, sc_r11(%rip)
        mov     %rsp, sc_rsp(%rip)
        pushfq
        pop     %r8
        mov     %r8, sc_rflags(%rip)
        mov     %cs, %r8d
        mov     %r8, sc_cs(%rip)
        mov     %ss, %r8d
        mov     %r8, sc_ss(%rip)
        sysretq

/* ------------------------------------------------------------------------ */
t_int:
        RUN_USER u_int80
        CHECK   %rax, $VEC_USER_EXIT, "INT 0x80 (DPL 3 gate) from ring 3: returns"
        CHECK   EXC_PREV_VECTOR(%rip), $VEC_SYSCALL80, "INT 0x80 from ring 3: vector 0x80"
        lea     u_int80_ret(%rip), %rax
        CHECK   EXC_PREV_RIP(%rip), %rax, "INT 0x80 from ring 3: saved RIP after the INT"
        CHECK   EXC_PREV_CS(%rip), $SEL_UCODE64, "INT 0x80 from ring 3: saved CS"
        CHECK   EXC_PREV_SS(%rip), $SEL_UDATA, "INT 0x80 from ring 3: saved SS"
        mov     u_rsp(%rip), %rax
        CHECK   EXC_PREV_RSP(%rip), %rax, "INT 0x80 from ring 3: saved RSP"
        lea     kstack0_top(%rip), %rax
        sub     $40, %rax
        CHECK   EXC_PREV_ENTRY_RSP(%rip), %rax, "INT 0x80 from ring 3: frame on TSS.RSP0"
        CHECK   u_rax(%rip), $0x80AA, "INT 0x80 from ring 3: IRETQ back with registers kept"

        RUN_USER u_int81
        CHECK   %rax, $VEC_GP, "INT 0x81 (DPL 0 gate) from ring 3: #GP"
        CHECK   exc_error(%rip), $(VEC_KERNEL_ONLY * 8 + 2), "INT 0x81 from ring 3: error code vector*8+IDT"
        lea     u_int81(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "INT 0x81 from ring 3: saved RIP is the INT"
        RUN_USER u_int3
        CHECK   %rax, $VEC_GP, "INT3 through a DPL 0 gate from ring 3: #GP"
        CHECK   exc_error(%rip), $(VEC_BP * 8 + 2), "INT3 through a DPL 0 gate: error code 3*8+IDT"
        ret

/* ------------------------------------------------------------------------ */
t_supervisor_page:
        RUN_USER u_read_kernel
        CHECK   %rax, $VEC_PF, "ring 3 read of a supervisor page: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U), "ring 3 read of a supervisor page: error code P|U"
        lea     kernel_secret(%rip), %rax
        CHECK   exc_cr2(%rip), %rax, "ring 3 read of a supervisor page: CR2"
        RUN_USER u_write_kernel
        CHECK   %rax, $VEC_PF, "ring 3 write to a supervisor page: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U | PFEC_W), "ring 3 write to a supervisor page: error code P|W|U"
        CHECK   kernel_secret(%rip), $0x5EC, "ring 3 write to a supervisor page: memory unchanged"
        RUN_USER u_call_kernel
        CHECK   %rax, $VEC_PF, "ring 3 call into a supervisor page: #PF"
        CHECK_BITS exc_error(%rip), $(PFEC_P | PFEC_U | PFEC_W), $(PFEC_P | PFEC_U), "ring 3 call into a supervisor page: error code P|U"
        ret

/* ------------------------------------------------------------------------ */
t_privileged:
        PRIV_GP u_hlt, "HLT"
        PRIV_GP u_cli, "CLI"
        PRIV_GP u_sti, "STI"
        PRIV_GP u_in, "IN"
        PRIV_GP u_out, "OUT"
        PRIV_GP u_read_cr3, "MOV from CR3"
        PRIV_GP u_write_cr0, "MOV to CR0"
        PRIV_GP u_read_dr7, "MOV from DR7"
        PRIV_GP u_rdmsr, "RDMSR"
        PRIV_GP u_wrmsr, "WRMSR"
        PRIV_GP u_lgdt, "LGDT"
        PRIV_GP u_lidt, "LIDT"
        PRIV_GP u_ltr, "LTR"
        PRIV_GP u_invlpg, "INVLPG"
        PRIV_GP u_swapgs, "SWAPGS"
        PRIV_GP u_clts, "CLTS"
        PRIV_GP u_wbinvd, "WBINVD"
        PRIV_GP u_sysret, "SYSRET"
        ret

t_iopl:
        RUN_USER u_popf
        CHECK   %rax, $VEC_USER_EXIT, "POPF in ring 3: no fault"
        CHECK_BITS u_flags(%rip), $(RFL_IF | RFL_IOPL3), $0, "POPF in ring 3: IF and IOPL unchanged"
        movq    $(RFL_IOPL3 | 2), user_rflags(%rip)
        RUN_USER u_cli
        movq    $2, user_rflags(%rip)
        CHECK   %rax, $VEC_USER_EXIT, "CLI in ring 3 with IOPL 3: allowed"
        ret

/* ------------------------------------------------------------------------
 * Ring 3 code */
        .section .text.user, "ax"
        .balign 4096
user_text:
u_identity:
        mov     %cs, %eax
        mov     %rax, u_cs(%rip)
        mov     %ss, %eax
        mov     %rax, u_ss(%rip)
        mov     %ds, %eax
        mov     %rax, u_ds(%rip)
        mov     %es, %eax
        mov     %rax, u_es(%rip)
        jmp     user_exit

u_syscall:
        std
        stc
        mov     $0x5555, %eax
        syscall
u_syscall_ret:
        pushfq
        pop     %rax
        cld
        mov     %rax, u_flags(%rip)
        mov     %cs, %eax
        mov     %rax, u_cs2(%rip)
        mov     %ss, %eax
        mov     %rax, u_ss2(%rip)
        mov     %gs:0, %rax
        mov     %rax, u_gs(%rip)
        jmp     user_exit

u_int80:
        mov     %rsp, u_rsp(%rip)
        mov     $0x80AA, %eax
        int     $VEC_SYSCALL80
u_int80_ret:
        mov     %rax, u_rax(%rip)
        jmp     user_exit
u_int81:
        int     $VEC_KERNEL_ONLY
        jmp     user_exit
u_int3:
        int3
        jmp     user_exit

u_read_kernel:
        mov     kernel_secret(%rip), %rax
        jmp     user_exit
u_write_kernel:
        movq    $0, kernel_secret(%rip)
        jmp     user_exit
u_call_kernel:
        call    kernel_function
        jmp     user_exit

u_hlt:  hlt
        jmp     user_exit
u_cli:  cli
        jmp     user_exit
u_sti:  sti
        jmp     user_exit
u_in:   in      $0x80, %al
        jmp     user_exit
u_out:  out     %al, $0x80
        jmp     user_exit
u_read_cr3:
        mov     %cr3, %rax
        jmp     user_exit
u_write_cr0:
        mov     %rax, %cr0
        jmp     user_exit
u_read_dr7:
        mov     %dr7, %rax
        jmp     user_exit
u_rdmsr:
        rdmsr
        jmp     user_exit
u_wrmsr:
        wrmsr
        jmp     user_exit
u_lgdt: lgdt    u_scratch(%rip)
        jmp     user_exit
u_lidt: lidt    u_scratch(%rip)
        jmp     user_exit
u_ltr:  ltr     %ax
        jmp     user_exit
u_invlpg:
        invlpg  u_scratch(%rip)
        jmp     user_exit
u_swapgs:
        swapgs
        jmp     user_exit
u_clts: clts
        jmp     user_exit
u_wbinvd:
        wbinvd
        jmp     user_exit
u_sysret:
        sysretq
        jmp     user_exit

u_popf:
        pushfq
        orq     $(RFL_IF | RFL_IOPL3), (%rsp)
        popfq
        pushfq
        pop     %rax
        mov     %rax, u_flags(%rip)
        jmp     user_exit
        .balign 4096
user_text_end:

        .section .data.user, "aw"
        .balign 4096
user_data:
u_cs:           .quad -1
u_ss:           .quad -1
u_ds:           .quad -1
u_es:           .quad -1
u_cs2:          .quad -1
u_ss2:          .quad -1
u_flags:        .quad -1
u_gs:           .quad -1
u_rsp:          .quad -1
u_rax:          .quad -1
u_scratch:      .quad 0, 0
user_gs_area:   .quad USER_GS_MARKER
        .balign 4096
user_data_end:

/* ------------------------------------------------------------------------ */
        .text
kernel_function:
        ret

        .section .rodata
guest_name:     .asciz "cpu_ring3"

        .data
        .balign 8
kernel_secret:  .quad 0x5EC
kernel_percpu:  .quad KERNEL_GS_MARKER
gs_a:           .quad 0x6161
gs_b:           .quad 0x6262
sc_rax:         .quad -1
sc_rcx:         .quad -1
sc_r11:         .quad -1
sc_rsp:         .quad -1
sc_rflags:      .quad -1
sc_cs:          .quad -1
sc_ss:          .quad -1
sc_kgs:         .quad -1
