/* bench_xen_xsread.elf (64-bit): xenstore READ round trips over the ring.
 * `count=N` (default 20000) READs of "domid" through lib/xs_client.S (request
 * on req[], EVTCHNOP_send on the store port, reply from rsp[]); each reply
 * must be a READ reply with our domid. bench/hypercall.ts turns the wall time
 * into microseconds per READ. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"
#include "lib/xs_client.h"

#define DEFAULT_COUNT 20000

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init
        lea     key_count(%rip), %rdi
        mov     $DEFAULT_COUNT, %esi
        call    cmdline_param
        mov     %rax, %r12
        call    xs_init
        CHECK_RC $0, "xenstore ring"
        mov     $0x40000004, %eax
        xor     %ecx, %ecx
        cpuid
        mov     %rcx, %r13              /* our domid */
        xor     %r14d, %r14d            /* bad replies */
        test    %r12, %r12
        jz      3f
1:      XS      XS_READ, "domid\000"
        cmp     $XS_READ, %rax
        jne     2f
        call    xs_reply_number
        cmp     %r13, %rax
        je      4f
2:      inc     %r14
4:      dec     %r12
        jnz     1b
3:      CHECK   %r14, $0, "every READ answered with our domid"
        lea     msg_done(%rip), %rdi
        call    print_str64
        jmp     test_finish

        .section .rodata
name:           .asciz "bench_xen_xsread"
key_count:      .asciz "count="
msg_done:       .asciz "bench_xen_xsread: done\n"
