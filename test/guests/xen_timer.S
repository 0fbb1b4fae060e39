/* xen_timer.elf (64-bit): Xen system time and the per-vCPU timers.
 * Reference: xen-pvh-abi.md sections 3 (vcpu_op, set_timer_op, sched_op) and
 * 5 (vcpu_time_info), xen/include/public/vcpu.h.
 *
 *   1. pvclock: the vcpu_time_info record (version even, mul/shift for the
 *      1 GHz TSC, TSC_STABLE) and a monotonic system time read the way Linux
 *      reads it (version seqlock, RDTSC, (delta << shift) * mul >> 32);
 *   2. VIRQ_TIMER bound; VCPUOP_set_singleshot_timer a few ms ahead, then
 *      STI;HLT until the timer upcall: the upcall takes the VIRQ port, and
 *      system time is at or past the deadline; a deadline in the past fires
 *      at once and returns 0; stop_singleshot cancels;
 *   3. set_timer_op (hypercall 15): the same single-shot timer; 0 cancels;
 *   4. VCPUOP_set_periodic_timer at 1 ms: N upcalls, at least N ms apart in
 *      all; stop_periodic stops them; periods below 1 ms are -EINVAL;
 *   5. SCHEDOP_block sleeps until the timer event, SCHEDOP_poll returns at
 *      its timeout, or at once when a listed port is pending.
 * The time checks are lower bounds (never early); upper bounds are loose
 * (under a second) so a loaded host cannot make them flaky. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"

#define MS                      1000000
#define SINGLESHOT_NS           (3 * MS)
#define PERIODIC_FIRES          5
#define LATE_LIMIT_NS           1000000000      /* "not absurdly late": 1 s */

/* EXPECT_TIMER_PORT "name": the handler took the VIRQ_TIMER port. */
.macro EXPECT_TIMER_PORT name
        mov     timer_port(%rip), %rdi
        call    port_seen
        CHECK   %rax, $1, "\name"
.endm

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init
        xor     %edi, %edi
        mov     $UPCALL_VECTOR, %esi
        call    set_upcall_vector
        CHECK_RC $0, "upcall vector 0xf3"
        mov     $VIRQ_TIMER, %edi
        xor     %esi, %esi
        call    evtchn_bind_virq
        CHECK_RC $0, "bind_virq(VIRQ_TIMER)"
        mov     %rdx, timer_port(%rip)
        sti

        call    pvclock_phase
        call    singleshot_phase
        call    timer_op_phase
        call    periodic_phase
        call    sched_phase
        jmp     test_finish

/* ------------------------------------------------------------------------ */
pvclock_phase:
        mov     vcpu_info_ptr(%rip), %rsi
        mov     VCPU_INFO_TIME+PVT_VERSION(%rsi), %eax
        CHECK_BITS %rax, $1, $0, "vcpu_time_info version is even (not mid-update)"
        mov     VCPU_INFO_TIME+PVT_MUL(%rsi), %eax
        mov     $0x80000000, %ecx
        CHECK   %rax, %rcx, "tsc_to_system_mul for the 1 GHz TSC: 2^31"
        movsbq  VCPU_INFO_TIME+PVT_SHIFT(%rsi), %rax
        CHECK   %rax, $1, "tsc_shift for the 1 GHz TSC: 1"
        movzbl  VCPU_INFO_TIME+29(%rsi), %eax
        CHECK_BITS %rax, $1, $1, "flags: PVCLOCK_TSC_STABLE"
        /* Monotonic over many reads, and moving. */
        call    pvclock_now
        mov     %rax, %r12
        mov     %rax, %r13
        mov     $1000, %ecx
        xor     %ebx, %ebx                      /* backwards steps */
1:      call    pvclock_now
        cmp     %r13, %rax
        jae     2f
        inc     %ebx
2:      mov     %rax, %r13
        loop    1b
        CHECK   %rbx, $0, "system time never goes backwards over 1000 reads"
        cmp     %r12, %r13
        seta    %al
        movzbl  %al, %eax
        CHECK   %rax, $1, "system time advances"
        ret

/* ------------------------------------------------------------------------ */
singleshot_phase:
        call    clear_seen
        call    pvclock_now
        mov     %rax, %r12
        add     $SINGLESHOT_NS, %rax
        mov     %rax, deadline(%rip)
        mov     upcall_count(%rip), %rax
        mov     %rax, timer_fired_base(%rip)
        mov     deadline(%rip), %rdi
        mov     $VCPU_SSHOTTMR_future, %esi
        call    set_singleshot
        CHECK_RC $0, "set_singleshot_timer 3 ms ahead (future flag)"
        call    wait_timer
        CHECK   %rax, $1, "HLT until the singleshot upcall"
        EXPECT_TIMER_PORT "the singleshot upcall takes the VIRQ_TIMER port"
        call    pvclock_now
        mov     %rax, %r13
        CHECK_AT_LEAST %r13, deadline(%rip), "the singleshot timer is not early (now >= deadline)"
        sub     %r12, %r13
        CHECK_BELOW %r13, $LATE_LIMIT_NS, "the singleshot timer fires within a second"
        /* It fired once: no second event. */
        mov     upcall_count(%rip), %rbx
        call    pvclock_now
        lea     (2 * MS)(%rax), %rdi
        call    spin_until
        CHECK   upcall_count(%rip), %rbx, "a singleshot timer fires once"

        /* A deadline already past fires at once and returns 0 (current Xen). */
        mov     upcall_count(%rip), %rbx
        inc     %rbx
        call    pvclock_now
        sub     $MS, %rax
        mov     %rax, %rdi
        mov     $VCPU_SSHOTTMR_future, %esi
        call    set_singleshot
        CHECK_RC $0, "set_singleshot_timer in the past: 0"
        WAIT_UPCALLS %rbx, "a past deadline fires at once"
        EXPECT_TIMER_PORT "the past-deadline upcall takes the VIRQ_TIMER port"

        /* stop_singleshot cancels an armed timer. */
        call    pvclock_now
        lea     MS(%rax), %rdi
        xor     %esi, %esi
        call    set_singleshot
        CHECK_RC $0, "arm a singleshot 1 ms ahead"
        mov     $VCPUOP_stop_singleshot_timer, %edi
        xor     %esi, %esi
        xor     %edx, %edx
        HCALL   __HYPERVISOR_vcpu_op
        CHECK_RC $0, "stop_singleshot_timer"
        mov     upcall_count(%rip), %rbx
        call    pvclock_now
        lea     (3 * MS)(%rax), %rdi
        call    spin_until
        CHECK   upcall_count(%rip), %rbx, "a stopped singleshot timer does not fire"

        mov     $VCPUOP_set_singleshot_timer, %edi
        mov     $1, %esi
        lea     scratch_pages(%rip), %rdx
        HCALL   __HYPERVISOR_vcpu_op
        CHECK_RC $-ENOENT, "set_singleshot_timer for vCPU 1: -ENOENT"
        mov     $VCPUOP_set_singleshot_timer, %edi
        xor     %esi, %esi
        mov     $0x100000000, %rdx
        HCALL   __HYPERVISOR_vcpu_op
        CHECK_RC $-EFAULT, "set_singleshot_timer with an unmapped argument: -EFAULT"
        mov     $99, %edi
        xor     %esi, %esi
        xor     %edx, %edx
        HCALL   __HYPERVISOR_vcpu_op
        CHECK_RC $-ENOSYS, "vcpu_op 99: -ENOSYS"
        ret

/* ------------------------------------------------------------------------ */
timer_op_phase:
        call    clear_seen
        call    pvclock_now
        mov     %rax, %r12
        add     $(2 * MS), %rax
        mov     %rax, deadline(%rip)
        mov     upcall_count(%rip), %rax
        mov     %rax, timer_fired_base(%rip)
        mov     deadline(%rip), %rdi
        HCALL   __HYPERVISOR_set_timer_op
        CHECK_RC $0, "set_timer_op 2 ms ahead"
        call    wait_timer
        CHECK   %rax, $1, "HLT until the set_timer_op upcall"
        EXPECT_TIMER_PORT "the set_timer_op upcall takes the VIRQ_TIMER port"
        call    pvclock_now
        CHECK_AT_LEAST %rax, deadline(%rip), "set_timer_op is not early"

        /* set_timer_op(0) cancels. */
        call    pvclock_now
        lea     MS(%rax), %rdi
        HCALL   __HYPERVISOR_set_timer_op
        CHECK_RC $0, "set_timer_op 1 ms ahead"
        xor     %edi, %edi
        HCALL   __HYPERVISOR_set_timer_op
        CHECK_RC $0, "set_timer_op(0)"
        mov     upcall_count(%rip), %rbx
        call    pvclock_now
        lea     (3 * MS)(%rax), %rdi
        call    spin_until
        CHECK   upcall_count(%rip), %rbx, "set_timer_op(0) cancels the timer"
        ret

/* ------------------------------------------------------------------------ */
periodic_phase:
        mov     $(MS - 1), %edi
        call    set_periodic
        CHECK_RC $-EINVAL, "periodic timer below 1 ms: -EINVAL"
        call    clear_seen
        call    pvclock_now
        mov     %rax, %r12
        mov     upcall_count(%rip), %rax
        mov     %rax, timer_fired_base(%rip)
        mov     $MS, %edi
        call    set_periodic
        CHECK_RC $0, "set_periodic_timer 1 ms"
        xor     %ebx, %ebx
1:      call    wait_timer
        test    %rax, %rax
        jz      2f
        inc     %ebx
        mov     upcall_count(%rip), %rax
        mov     %rax, timer_fired_base(%rip)
        cmp     $PERIODIC_FIRES, %ebx
        jb      1b
2:      CHECK   %rbx, $PERIODIC_FIRES, "the periodic timer fires 5 times"
        call    pvclock_now
        sub     %r12, %rax
        CHECK_AT_LEAST %rax, $(PERIODIC_FIRES * MS), "5 periods take at least 5 ms"
        EXPECT_TIMER_PORT "the periodic upcalls take the VIRQ_TIMER port"
        mov     $VCPUOP_stop_periodic_timer, %edi
        xor     %esi, %esi
        xor     %edx, %edx
        HCALL   __HYPERVISOR_vcpu_op
        CHECK_RC $0, "stop_periodic_timer"
        mov     upcall_count(%rip), %rbx
        call    pvclock_now
        lea     (3 * MS)(%rax), %rdi
        call    spin_until
        CHECK   upcall_count(%rip), %rbx, "no periodic upcalls after stop"
        ret

/* ------------------------------------------------------------------------ */
sched_phase:
        /* SCHEDOP_block: sleeps until the timer's event. */
        call    clear_seen
        call    pvclock_now
        add     $(2 * MS), %rax
        mov     %rax, deadline(%rip)
        mov     %rax, %rdi
        mov     $VCPU_SSHOTTMR_future, %esi
        call    set_singleshot
        mov     upcall_count(%rip), %rbx
        inc     %rbx
        mov     $SCHEDOP_block, %edi
        xor     %esi, %esi
        HCALL   __HYPERVISOR_sched_op
        CHECK_RC $0, "SCHEDOP_block returns 0"
        WAIT_UPCALLS %rbx, "SCHEDOP_block: the timer upcall follows"
        call    pvclock_now
        CHECK_AT_LEAST %rax, deadline(%rip), "SCHEDOP_block slept until the timer"

        /* SCHEDOP_poll on the timer port, no timer: returns at the timeout. */
        sub     $32, %rsp
        lea     timer_port(%rip), %rax
        mov     %rax, (%rsp)                    /* ports: one u32 (low half of timer_port) */
        movl    $1, 8(%rsp)
        call    pvclock_now
        add     $(2 * MS), %rax
        mov     %rax, deadline(%rip)
        mov     %rax, 16(%rsp)
        mov     $SCHEDOP_poll, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_sched_op
        CHECK_RC $0, "SCHEDOP_poll with a timeout returns 0"
        call    pvclock_now
        CHECK_AT_LEAST %rax, deadline(%rip), "SCHEDOP_poll returns at its timeout, not before"

        /* With the port pending (masked, so the handler leaves it): at once. */
        mov     timer_port(%rip), %rdi
        mov     $1, %esi
        call    port_mask
        call    pvclock_now
        lea     MS(%rax), %rdi
        mov     $VCPU_SSHOTTMR_future, %esi
        call    set_singleshot
        call    pvclock_now
        lea     (2 * MS)(%rax), %rdi
        call    spin_until
        mov     timer_port(%rip), %rdi
        call    port_pending
        CHECK   %rax, $1, "a masked timer port goes pending"
        call    pvclock_now
        mov     %rax, %r12
        add     $(500 * MS), %rax
        mov     %rax, 16(%rsp)
        mov     $SCHEDOP_poll, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_sched_op
        CHECK_RC $0, "SCHEDOP_poll on a pending port returns 0"
        call    pvclock_now
        sub     %r12, %rax
        CHECK_BELOW %rax, $(100 * MS), "SCHEDOP_poll on a pending port returns at once"
        movl    $129, 8(%rsp)
        mov     $SCHEDOP_poll, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_sched_op
        CHECK_RC $-EINVAL, "SCHEDOP_poll with 129 ports: -EINVAL"
        add     $32, %rsp
        mov     timer_port(%rip), %rdi
        xor     %esi, %esi
        call    port_mask
        call    clear_seen
        mov     $SCHEDOP_yield, %edi
        xor     %esi, %esi
        HCALL   __HYPERVISOR_sched_op
        CHECK_RC $0, "SCHEDOP_yield"
        ret

/* ------------------------------------------------------------------------ */

/* wait_timer -> RAX = 1 once upcall_count passes timer_fired_base with the
 * timer port taken, sleeping in HLT between upcalls; 0 after 2 s of system
 * time without it. */
wait_timer:
        push    %rbx
        push    %rdi
        call    pvclock_now
        lea     2000000000(%rax), %rbx
1:      cli
        mov     timer_fired_base(%rip), %rax
        cmp     %rax, upcall_count(%rip)
        ja      2f
        sti
        hlt                                     /* STI's shadow covers the HLT */
        call    pvclock_now
        cmp     %rbx, %rax
        jb      1b
        xor     %eax, %eax
        jmp     3f
2:      sti
        mov     $1, %eax
3:      pop     %rdi
        pop     %rbx
        ret

/* set_singleshot(RDI = deadline, RSI = flags) -> RAX */
set_singleshot:
        push    %rdi
        push    %rsi
        push    %rdx
        sub     $16, %rsp
        mov     %rdi, (%rsp)
        mov     %esi, 8(%rsp)
        movl    $0, 12(%rsp)
        mov     $VCPUOP_set_singleshot_timer, %edi
        xor     %esi, %esi
        mov     %rsp, %rdx
        HCALL   __HYPERVISOR_vcpu_op
        add     $16, %rsp
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

/* set_periodic(RDI = period ns) -> RAX */
set_periodic:
        push    %rdi
        push    %rsi
        push    %rdx
        sub     $8, %rsp
        mov     %rdi, (%rsp)
        mov     $VCPUOP_set_periodic_timer, %edi
        xor     %esi, %esi
        mov     %rsp, %rdx
        HCALL   __HYPERVISOR_vcpu_op
        add     $8, %rsp
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

        .section .rodata
name:   .asciz "xen_timer"

        .data
        .balign 8
timer_port:       .quad 0
deadline:         .quad 0
timer_fired_base: .quad 0
