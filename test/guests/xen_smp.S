/* xen_smp.elf: secondary vCPUs (run with -smp 3). vCPU 0 brings vCPU 1 up with
 * VCPUOP_initialise + VCPUOP_up in 32-bit flat mode; vCPU 1 says hello, waits
 * for a flag, takes itself down with VCPUOP_down and resumes after the next
 * VCPUOP_up; then it idles with interrupts on, and a fixed IPI from vCPU 0
 * through the xAPIC ICR wakes it into its handler. vCPU 2 stays down and
 * answers the error cases. One PASS/FAIL line per check, a summary, then PASS
 * and poweroff. */
#include "lib/pvh.h"

#define __HYPERVISOR_vcpu_op    24
#define VCPUOP_initialise       0
#define VCPUOP_up               1
#define VCPUOP_down             2
#define VCPUOP_is_up            3
#define ENOENT                  2
#define EEXIST                  17
#define EINVAL                  22
#define APIC                    0xfee00000
#define APIC_EOI                0xb0
#define APIC_SVR                0xf0
#define APIC_ICR_LO             0x300
#define APIC_ICR_HI             0x310
#define IPI_VECTOR              0x40
#define SPINS                   20000000

/* vcpu_op(cmd, vcpu, arg) -> EAX */
.macro VCPU_OP cmd, vcpu, arg
        mov     $\cmd, %ebx
        mov     $\vcpu, %ecx
        mov     $\arg, %edx
        call    HYPERCALL(__HYPERVISOR_vcpu_op)
.endm

/* CHECK expected, message: EAX against an immediate. */
.macro CHECK expected, msg
        mov     $\expected, %edx
        mov     $\msg, %ecx
        call    check
.endm

/* WAIT_FOR var, message: spin (PAUSE) until the dword is nonzero, or FAIL. */
.macro WAIT_FOR var, msg
        mov     $SPINS, %ecx
1:      cmpl    $0, \var
        jne     2f
        pause
        loop    1b
2:      mov     \var, %eax
        mov     $1, %edx
        mov     $\msg, %ecx
        call    check_nonzero
.endm

        .text
        .code32
        .globl  main32
main32:
        call    xen_init
        mov     $banner, %eax
        call    print_str
        call    build_idt
        movl    $0x1ff, APIC + APIC_SVR         /* our LAPIC on: we send an IPI */

        VCPU_OP VCPUOP_is_up, 1, 0
        CHECK   0, m_down_at_boot
        VCPU_OP VCPUOP_up, 1, 0
        CHECK   -EINVAL, m_up_uninitialised
        VCPU_OP VCPUOP_initialise, 7, ctx
        CHECK   -ENOENT, m_init_no_vcpu
        VCPU_OP VCPUOP_initialise, 2, bad_ctx
        CHECK   -EINVAL, m_init_bad_mode
        VCPU_OP VCPUOP_initialise, 1, ctx
        CHECK   0, m_init
        VCPU_OP VCPUOP_initialise, 1, ctx
        CHECK   -EEXIST, m_init_twice
        VCPU_OP VCPUOP_up, 1, 0
        CHECK   0, m_up
        VCPU_OP VCPUOP_is_up, 1, 0
        CHECK   1, m_is_up
        WAIT_FOR ap_started, m_ap_runs
        mov     ap_esp, %eax
        CHECK   ap_stack_top, m_ap_stack

        movl    $1, go
        WAIT_FOR ack, m_ap_acks
        /* vCPU 1 takes itself down right after the ack. */
        mov     $SPINS, %esi
1:      VCPU_OP VCPUOP_is_up, 1, 0
        test    %eax, %eax
        jz      2f
        pause
        dec     %esi
        jnz     1b
2:      CHECK   0, m_went_down
        mov     resumed, %eax
        CHECK   0, m_stays_down
        VCPU_OP VCPUOP_up, 1, 0
        CHECK   0, m_up_again
        WAIT_FOR resumed, m_resumes

        /* A fixed IPI to APIC id 1 while it idles in HLT. */
        WAIT_FOR ap_idle, m_ap_idles
        movl    $(1 << 24), APIC + APIC_ICR_HI
        movl    $IPI_VECTOR, APIC + APIC_ICR_LO
        WAIT_FOR ipi_count, m_ipi
        mov     ipi_count, %eax
        CHECK   1, m_ipi_once
        mov     ipi_cpu, %eax
        CHECK   1, m_ipi_where

        VCPU_OP VCPUOP_is_up, 2, 0
        CHECK   0, m_other_down

        /* summary */
        mov     $m_summary, %eax
        call    print_str
        mov     passed, %eax
        call    print_dec
        mov     $m_passed, %eax
        call    print_str
        mov     failed, %eax
        call    print_dec
        mov     $m_failed, %eax
        call    print_str
        cmpl    $0, failed
        jne     3f
        mov     $m_pass, %eax
        call    print_str
        mov     $SHUTDOWN_poweroff, %eax
        call    shutdown
3:      mov     $SHUTDOWN_crash, %eax
        call    shutdown

/* check(EAX = got, EDX = expected, ECX = message) */
check:
        push    %eax
        cmp     %edx, %eax
        jne     1f
        incl    passed
        mov     $m_pass_prefix, %eax
        call    print_str
        mov     %ecx, %eax
        call    print_str
        mov     $msg_newline, %eax
        call    print_str
        pop     %eax
        ret
1:      incl    failed
        mov     $m_fail_prefix, %eax
        call    print_str
        mov     %ecx, %eax
        call    print_str
        mov     $m_got, %eax
        call    print_str
        mov     (%esp), %eax
        call    print_hex
        mov     $msg_newline, %eax
        call    print_str
        pop     %eax
        ret

/* check_nonzero(EAX = value, ECX = message) */
check_nonzero:
        test    %eax, %eax
        jz      1f
        mov     %eax, %edx
1:      jmp     check

/* IDT entry for IPI_VECTOR: a 32-bit interrupt gate to ipi_handler. */
build_idt:
        mov     $ipi_handler, %eax
        mov     $idt + IPI_VECTOR * 8, %edx
        mov     %ax, (%edx)
        movw    $SEL_CODE32, 2(%edx)
        movw    $0x8e00, 4(%edx)
        shr     $16, %eax
        mov     %ax, 6(%edx)
        lidt    idt_desc
        ret

ipi_handler:
        push    %eax
        lock incl ipi_count
        mov     APIC + 0x20, %eax               /* APIC ID register: bits 31:24 */
        shr     $24, %eax
        mov     %eax, ipi_cpu
        movl    $0, APIC + APIC_EOI
        pop     %eax
        iret

/* vCPU 1 starts here, as VCPUOP_initialise's context says: flat 32-bit, no GDT
 * of its own yet, ESP = ap_stack_top. */
ap_entry:
        mov     %esp, ap_esp
        lgdt    gdt_desc
        ljmp    $SEL_CODE32, $1f
1:      mov     $SEL_DATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        lidt    idt_desc
        movl    $0x1ff, APIC + APIC_SVR
        mov     $m_ap_hello, %eax
        call    print_str
        lock incl ap_started
2:      pause
        cmpl    $0, go
        je      2b
        movl    $1, ack
        VCPU_OP VCPUOP_down, 1, 0
        movl    $1, resumed
        movl    $1, ap_idle
        sti
3:      hlt
        jmp     3b

        .data
        .balign 8
/* struct vcpu_hvm_context, mode VCPU_HVM_MODE_32B */
ctx:    .long   0, 0                    /* mode, pad */
        .long   0, 0, 0, 0              /* eax ecx edx ebx */
        .long   ap_stack_top            /* esp */
        .long   0, 0, 0                 /* ebp esi edi */
        .long   ap_entry                /* eip */
        .long   2                       /* eflags */
        .long   0x11, 0, 0              /* cr0 (PE, ET), cr3, cr4 */
        .long   0                       /* pad1 */
        .quad   0                       /* efer */
        .long   0, 0, 0, 0, 0           /* cs ds ss es tr base */
        .long   0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x67
        .word   0xc9b, 0xc93, 0xc93, 0xc93, 0x8b
        .word   0, 0, 0
bad_ctx:
        .long   7, 0                    /* no such mode */
        .fill   120, 1, 0
idt_desc:
        .word   256 * 8 - 1
        .long   idt

        .section .rodata
banner:         .asciz "xen_smp: start\n"
m_pass_prefix:  .asciz "PASS: "
m_fail_prefix:  .asciz "FAIL: "
m_got:          .asciz ": got "
m_summary:      .asciz "xen_smp: "
m_passed:       .asciz " passed, "
m_failed:       .asciz " failed, 0 skipped\n"
m_pass:         .asciz "PASS\n"
m_ap_hello:     .asciz "xen_smp: hello from vCPU 1\n"
m_down_at_boot: .asciz "vCPU 1 is down at boot (is_up = 0)"
m_up_uninitialised: .asciz "up before initialise: -EINVAL"
m_init_no_vcpu: .asciz "initialise vCPU 7 (no such vCPU): -ENOENT"
m_init_bad_mode: .asciz "initialise with an unknown mode: -EINVAL"
m_init:         .asciz "initialise vCPU 1 (32-bit context)"
m_init_twice:   .asciz "initialise vCPU 1 again: -EEXIST"
m_up:           .asciz "up vCPU 1"
m_is_up:        .asciz "vCPU 1 is up (is_up = 1)"
m_ap_runs:      .asciz "vCPU 1 runs its entry point"
m_ap_stack:     .asciz "vCPU 1 starts with the context's ESP"
m_ap_acks:      .asciz "vCPU 1 sees a flag vCPU 0 set"
m_went_down:    .asciz "vCPU 1 took itself down (is_up = 0)"
m_stays_down:   .asciz "a down vCPU does not run"
m_up_again:     .asciz "up vCPU 1 again"
m_resumes:      .asciz "vCPU 1 resumes after its VCPUOP_down"
m_ap_idles:     .asciz "vCPU 1 idles in HLT"
m_ipi:          .asciz "a fixed IPI through the ICR reaches vCPU 1"
m_ipi_once:     .asciz "the IPI arrives once"
m_ipi_where:    .asciz "the handler ran on APIC id 1"
m_other_down:   .asciz "vCPU 2 stays down"

        .bss
        .balign 8
passed:         .long 0
failed:         .long 0
ap_started:     .long 0
ap_esp:         .long 0
go:             .long 0
ack:            .long 0
resumed:        .long 0
ap_idle:        .long 0
ipi_count:      .long 0
ipi_cpu:        .long 0
        .balign 8
idt:            .skip 256 * 8
        .balign 16
ap_stack:       .skip 4096
ap_stack_top:
