/* bench_xen_evtchn.elf (64-bit): event-channel send -> upcall latency.
 * An IPI port bound on vCPU 0 with the per-vCPU upcall vector (0xF3, LAPIC,
 * EOI'd by the handler; `callback=1` on the command line uses
 * HVM_PARAM_CALLBACK_IRQ type 2 instead). `count=N` times (default 100000):
 * read the TSC, EVTCHNOP_send to ourselves (a direct VMCALL, as Linux makes
 * it), spin until the handler has run.
 * Prints the average TSC ticks from before the send to the handler's first
 * instruction and to the return to the loop, and the smallest round trip:
 *   bench_xen_evtchn: sends=N upcall_ticks=A roundtrip_ticks=R min_roundtrip_ticks=M
 * The TSC runs at a nominal 1 GHz but advances one tick per instruction
 * within a run slice, so these are guest-visible costs (about instructions);
 * bench/hypercall.ts times the run on the wall clock as well. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"

#define DEFAULT_COUNT 100000

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init
        lea     key_count(%rip), %rdi
        mov     $DEFAULT_COUNT, %esi
        call    cmdline_param
        mov     %rax, count(%rip)
        lea     key_callback(%rip), %rdi
        xor     %esi, %esi
        call    cmdline_param
        test    %rax, %rax
        jz      1f
        mov     $HVM_PARAM_CALLBACK_IRQ, %edi
        mov     $((HVM_CALLBACK_TYPE_VECTOR << HVM_CALLBACK_TYPE_VECTOR_SHIFT) | CALLBACK_VECTOR), %rsi
        call    hvm_set_param
        CHECK_RC $0, "CALLBACK_IRQ = vector 0xf2"
        jmp     2f
1:      xor     %edi, %edi
        mov     $UPCALL_VECTOR, %esi
        call    set_upcall_vector
        CHECK_RC $0, "upcall vector 0xf3"
2:      xor     %edi, %edi
        call    evtchn_bind_ipi
        CHECK_RC $0, "bind_ipi"
        mov     %rdx, port(%rip)
        mov     %edx, send_arg(%rip)
        sti

        mov     count(%rip), %r12
        xor     %r13d, %r13d            /* sum of send -> handler */
        xor     %r14d, %r14d            /* sum of send -> back in the loop */
        mov     $-1, %r15               /* smallest round trip */
        xor     %r9d, %r9d              /* upcalls that did not come */
        test    %r12, %r12
        jz      6f
3:      mov     upcall_count(%rip), %rbx
        inc     %rbx
        rdtsc
        shl     $32, %rdx
        or      %rax, %rdx
        mov     %rdx, %rbp              /* t0 */
        /* EVTCHNOP_send the way Linux makes it: a direct VMCALL (XSA-466). */
        mov     $__HYPERVISOR_event_channel_op, %eax
        mov     $EVTCHNOP_send, %edi
        lea     send_arg(%rip), %rsi
        vmcall
        mov     $1000000, %ecx
4:      cmp     %rbx, upcall_count(%rip)
        jae     5f
        dec     %ecx
        jnz     4b
        inc     %r9
5:      rdtsc
        shl     $32, %rdx
        or      %rax, %rdx
        sub     %rbp, %rdx
        add     %rdx, %r14
        cmp     %r15, %rdx
        jae     7f
        mov     %rdx, %r15
7:      mov     upcall_tsc(%rip), %rax
        sub     %rbp, %rax
        add     %rax, %r13
        dec     %r12
        jnz     3b
6:      cli
        CHECK   %r9, $0, "every send raised an upcall"
        lea     msg_sends(%rip), %rdi
        call    print_str64
        mov     count(%rip), %rdi
        call    print_dec64
        mov     count(%rip), %rcx
        test    %rcx, %rcx
        jnz     8f
        inc     %rcx
8:      lea     msg_upcall(%rip), %rdi
        call    print_str64
        mov     %r13, %rax
        xor     %edx, %edx
        div     %rcx
        mov     %rax, %rdi
        call    print_dec64
        lea     msg_roundtrip(%rip), %rdi
        call    print_str64
        mov     %r14, %rax
        xor     %edx, %edx
        div     %rcx
        mov     %rax, %rdi
        call    print_dec64
        lea     msg_min(%rip), %rdi
        call    print_str64
        mov     %r15, %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        jmp     test_finish

        .section .rodata
name:           .asciz "bench_xen_evtchn"
key_count:      .asciz "count="
key_callback:   .asciz "callback="
msg_sends:      .asciz "bench_xen_evtchn: sends="
msg_upcall:     .asciz " upcall_ticks="
msg_roundtrip:  .asciz " roundtrip_ticks="
msg_min:        .asciz " min_roundtrip_ticks="

        .data
        .balign 8
count:  .quad 0
port:   .quad 0
send_arg: .long 0               /* struct evtchn_send { evtchn_port_t port; } */
