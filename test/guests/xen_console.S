/* xen_console.elf (64-bit): the Xen console, both ways in.
 * Reference: xen-pvh-abi.md sections 3 (console_io), 4 (CONSOLE_PFN/EVTCHN)
 * and 9, xen/include/public/io/console.h.
 *
 *   1. HVM_PARAM_CONSOLE_PFN / CONSOLE_EVTCHN; the port is interdomain to
 *      dom0; grant ref 0 is not needed to write (the ring is already mapped);
 *   2. the PV ring's `out`: a line, then 40 numbered lines (2.4 KB, more than
 *      the 2048-byte ring, so the indices wrap and the writer waits for room
 *      the way hvc_xen does: notify, then SCHEDOP_yield), then a line written
 *      without a notification that SCHEDOP_yield alone must drain;
 *   3. console_io: CONSOLEIO_write prints, CONSOLEIO_read returns 0 bytes
 *      (the host queues nothing for a domU there), bad buffer -EFAULT,
 *      unknown command -ENOSYS;
 *   4. with `input` on the command line: waits (SCHEDOP_poll on the console
 *      port, up to 10 s) for a line on the ring's `in` and prints it as
 *      "xen_console: input=<line>"; the test feeds "ping" on stdin.
 * The test checks that every ring line reached stdout, in order. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"

#define RING_LINES              40
#define INPUT_TIMEOUT_NS        10000000000

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init

        mov     $HVM_PARAM_CONSOLE_PFN, %edi
        call    hvm_get_param
        CHECK_RC $0, "get_param CONSOLE_PFN"
        CHECK   %rdx, $0xFEFF8, "CONSOLE_PFN is QEMU's 0xfeff8"
        shl     $12, %rdx
        mov     %rdx, ring(%rip)
        mov     $HVM_PARAM_CONSOLE_EVTCHN, %edi
        call    hvm_get_param
        CHECK_RC $0, "get_param CONSOLE_EVTCHN"
        mov     %rdx, port(%rip)
        xor     %eax, %eax
        test    %rdx, %rdx
        setnz   %al
        CHECK   %rax, $1, "CONSOLE_EVTCHN is a port"
        mov     $DOMID_SELF, %edi
        mov     port(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_interdomain, "the console port is interdomain"
        mov     evtchn_status_buf+16(%rip), %eax
        CHECK   %rax, $DOMID_HOST, "the console port's peer is dom0"

        call    ring_phase
        call    console_io_phase
        lea     w_input(%rip), %rdi
        call    has_word
        test    %rax, %rax
        jz      1f
        call    input_phase
1:      jmp     test_finish

/* ------------------------------------------------------------------------ */
ring_phase:
        lea     msg_hello(%rip), %rdi
        call    ring_write
        mov     port(%rip), %rdi
        call    evtchn_send
        CHECK_RC $0, "notify the console port"
        call    out_drained
        CHECK   %rax, $1, "the host drained the ring on the notification"

        /* 40 lines: "xen_console: ring line NN of 40 ...\n" */
        xor     %ebx, %ebx
1:      lea     line_buf(%rip), %rdi
        lea     msg_line_a(%rip), %rsi
        call    strcpy_end
        push    %rdi
        mov     %rbx, %rdi
        inc     %rdi
        pop     %rsi
        call    utoa
        lea     (%rsi,%rax), %rdi
        lea     msg_line_b(%rip), %rsi
        call    strcpy_end
        lea     line_buf(%rip), %rdi
        call    ring_write              /* notifies only when the ring is full */
        inc     %ebx
        cmp     $RING_LINES, %ebx
        jb      1b
        mov     port(%rip), %rdi
        call    evtchn_send
        call    out_drained
        CHECK   %rax, $1, "40 lines through the ring (wrapping it)"
        CHECK_AT_LEAST ring_full_waits(%rip), $1, "the writer found the ring full and waited"
        mov     ring(%rip), %rax
        mov     XENCONS_OUT_PROD(%rax), %eax
        CHECK_AT_LEAST %rax, $2048, "out_prod went past the ring size"

        /* No notification: SCHEDOP_yield must drain (hvc_xen spins on it). */
        lea     msg_yield(%rip), %rdi
        call    ring_write
        mov     $SCHEDOP_yield, %edi
        xor     %esi, %esi
        HCALL   __HYPERVISOR_sched_op
        CHECK_RC $0, "SCHEDOP_yield"
        call    out_drained
        CHECK   %rax, $1, "SCHEDOP_yield drained the ring without a notification"

        mov     ring(%rip), %rax
        mov     XENCONS_IN_PROD(%rax), %ecx
        sub     XENCONS_IN_CONS(%rax), %ecx
        mov     %ecx, %eax
        lea     w_input(%rip), %rdi
        call    has_word
        test    %rax, %rax
        jnz     2f
        CHECK   %rcx, $0, "no input queued on the ring's in"
2:      ret

/* ring_write(RDI = NUL-terminated text): copy it into `out`, waiting for room
 * as hvc_xen does (notify, SCHEDOP_yield, look again). No final notify. */
ring_write:
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        mov     ring(%rip), %rbx
        mov     %rdi, %rsi
1:      movzbl  (%rsi), %eax
        test    %al, %al
        jz      4f
        mov     XENCONS_OUT_PROD(%rbx), %edx
        mov     %edx, %ecx
        sub     XENCONS_OUT_CONS(%rbx), %ecx
        cmp     $XENCONS_OUT_SIZE, %ecx
        jb      2f
        incq    ring_full_waits(%rip)   /* full */
        push    %rsi
        mov     port(%rip), %rdi
        call    evtchn_send
        mov     $SCHEDOP_yield, %edi
        xor     %esi, %esi
        HCALL   __HYPERVISOR_sched_op
        pop     %rsi
        jmp     1b
2:      mov     %edx, %ecx
        and     $(XENCONS_OUT_SIZE - 1), %ecx
        mov     %al, XENCONS_OUT(%rbx,%rcx)
        sfence
        inc     %edx
        mov     %edx, XENCONS_OUT_PROD(%rbx)
        inc     %rsi
        jmp     1b
4:      pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        ret

/* out_drained -> RAX = 1 when out_cons == out_prod. */
out_drained:
        push    %rcx
        mov     ring(%rip), %rcx
        mov     XENCONS_OUT_CONS(%rcx), %eax
        cmp     XENCONS_OUT_PROD(%rcx), %eax
        sete    %al
        movzbl  %al, %eax
        pop     %rcx
        ret

/* ------------------------------------------------------------------------ */
console_io_phase:
        mov     $CONSOLEIO_write, %edi
        lea     msg_console_io(%rip), %rdx
        mov     %rdx, %rax
        push    %rdi
        mov     %rdx, %rdi
        call    strlen64
        pop     %rdi
        mov     %rax, %rsi
        HCALL   __HYPERVISOR_console_io
        CHECK_RC $0, "CONSOLEIO_write"
        mov     $CONSOLEIO_write, %edi
        xor     %esi, %esi
        lea     msg_console_io(%rip), %rdx
        HCALL   __HYPERVISOR_console_io
        CHECK_RC $0, "CONSOLEIO_write of 0 bytes"
        mov     $CONSOLEIO_read, %edi
        mov     $16, %esi
        lea     line_buf(%rip), %rdx
        HCALL   __HYPERVISOR_console_io
        CHECK_RC $0, "CONSOLEIO_read: nothing queued for a domU (0 bytes)"
        mov     $CONSOLEIO_write, %edi
        mov     $16, %esi
        mov     $0x100000000, %rdx
        HCALL   __HYPERVISOR_console_io
        CHECK_RC $-EFAULT, "CONSOLEIO_write from an unmapped buffer: -EFAULT"
        mov     $7, %edi
        mov     $1, %esi
        lea     line_buf(%rip), %rdx
        HCALL   __HYPERVISOR_console_io
        CHECK_RC $-ENOSYS, "console_io command 7: -ENOSYS"
        ret

/* ------------------------------------------------------------------------ */
/* input_phase: read one line from `in` (up to INPUT_TIMEOUT_NS). */
input_phase:
        call    pvclock_now
        mov     $INPUT_TIMEOUT_NS, %rcx
        add     %rcx, %rax
        mov     %rax, deadline(%rip)
        mov     ring(%rip), %rbx
        lea     line_buf(%rip), %r12    /* where the line goes */
        xor     %r13d, %r13d            /* its length */
1:      mov     XENCONS_IN_CONS(%rbx), %edx
        cmp     XENCONS_IN_PROD(%rbx), %edx
        je      3f
        lfence
        mov     %edx, %ecx
        and     $(XENCONS_IN_SIZE - 1), %ecx
        movzbl  XENCONS_IN(%rbx,%rcx), %eax
        inc     %edx
        mfence
        mov     %edx, XENCONS_IN_CONS(%rbx)
        cmp     $'\n', %al
        je      5f
        cmp     $'\r', %al
        je      5f
        cmp     $200, %r13
        jae     1b
        mov     %al, (%r12,%r13)
        inc     %r13
        jmp     1b
3:      /* Nothing yet: take the notification state, look again, then poll. */
        mov     port(%rip), %rdi
        lea     shinfo_page+SHINFO_EVTCHN_PENDING(%rip), %rsi
        lock btr %rdi, (%rsi)
        mov     vcpu_info_ptr(%rip), %rsi
        movb    $0, VCPU_INFO_UPCALL_PENDING(%rsi)
        mov     XENCONS_IN_CONS(%rbx), %edx
        cmp     XENCONS_IN_PROD(%rbx), %edx
        jne     1b
        call    pvclock_now
        cmp     deadline(%rip), %rax
        jae     4f
        sub     $24, %rsp
        lea     port(%rip), %rax
        mov     %rax, (%rsp)
        movq    $1, 8(%rsp)
        mov     deadline(%rip), %rax
        mov     %rax, 16(%rsp)
        mov     $SCHEDOP_poll, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_sched_op
        add     $24, %rsp
        jmp     1b
4:      lea     msg_no_input(%rip), %rdi
        call    test_fail
        ret
5:      movb    $0, (%r12,%r13)
        mov     port(%rip), %rdi        /* we consumed input: tell dom0 */
        call    evtchn_send
        lea     msg_input(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        call    print_str64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        CHECK   %r13, $4, "a 4-character line arrived on the ring's in"
        mov     (%r12), %eax
        CHECK   %rax, $0x676e6970, "the line is \"ping\""
        ret

/* strcpy_end(RSI = source, RDI = destination) -> RDI at the copied NUL. */
strcpy_end:
        push    %rax
1:      lodsb
        mov     %al, (%rdi)
        test    %al, %al
        jz      2f
        inc     %rdi
        jmp     1b
2:      pop     %rax
        ret

        .section .rodata
name:           .asciz "xen_console"
w_input:        .asciz "input"
msg_hello:      .asciz "xen_console: hello through the PV console ring\n"
msg_line_a:     .asciz "xen_console: ring line "
msg_line_b:     .asciz " of 40 abcdefghijklmnopqrstuvwxyz0123456789\n"
msg_yield:      .asciz "xen_console: drained by SCHEDOP_yield\n"
msg_console_io: .asciz "xen_console: hello through console_io\n"
msg_input:      .asciz "xen_console: input="
msg_no_input:   .asciz "no input line on the ring's in within 10 s"

        .data
        .balign 8
ring:           .quad 0
port:           .quad 0
deadline:       .quad 0
ring_full_waits: .quad 0

        .bss
line_buf:       .skip 256
