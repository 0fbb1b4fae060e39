/* A xenstore client for the test guests (xen_xenstore.S, bench_xen_xsread.S):
 * the xenstore_domain_interface ring (xen-pvh-abi.md section 8,
 * xen/include/public/io/xs_wire.h, docs/misc/xenstore-ring.txt) driven the
 * way Linux's xenbus_comms.c drives it, with interrupts off:
 *   - requests are copied into req[] at req_prod & 1023, then req_prod moves
 *     and the store event channel is notified;
 *   - replies are read from rsp[] at rsp_cons & 1023; the reader notifies the
 *     server when it frees space in a full ring;
 *   - waiting is SCHEDOP_poll on the store port with a 1 s timeout, after
 *     clearing the port's pending bit and upcall_pending (so a notification
 *     that lands between the check and the poll ends the poll at once).
 * WATCH_EVENT messages that arrive while a reply is awaited are kept as the
 * last event (xs_event, xs_event_len, xs_event_count).
 * Needs lib/xen_test.S (hcall, pvclock_now, hvm_get_param, evtchn_send) and
 * shared_info mapped (xen_test_init). Calling convention as in xen64.S. */
#include "pvh.h"
#include "cpu_test.h"
#include "xen_test.h"

#define XS_TIMEOUT_NS           1000000000
#define XS_PAYLOAD_MAX          4096

        .text
        .code64

/* xs_init -> RAX = 0, or the failing get_param's errno: the ring and its port
 * from HVM_PARAM_STORE_PFN / HVM_PARAM_STORE_EVTCHN. */
        .globl  xs_init
xs_init:
        push    %rdx
        push    %rdi
        mov     $HVM_PARAM_STORE_PFN, %edi
        call    hvm_get_param
        test    %rax, %rax
        jnz     1f
        shl     $12, %rdx
        mov     %rdx, xs_ring(%rip)
        mov     $HVM_PARAM_STORE_EVTCHN, %edi
        call    hvm_get_param
        test    %rax, %rax
        jnz     1f
        mov     %rdx, xs_port(%rip)
1:      pop     %rdi
        pop     %rdx
        ret

/* xs_request(RDI = type, RSI = payload, RDX = length, RCX = tx_id) -> RAX =
 * the reply's type (XS_ERROR_TYPE for an error reply), or -1 when no reply
 * came. The reply's payload is in xs_reply (NUL-terminated one past its
 * end), its length in xs_reply_len, its header in xs_in_hdr. */
        .globl  xs_request
xs_request:
        push    %rbx
        push    %rdi
        push    %rsi
        incl    xs_req_id(%rip)
        lea     xs_out_hdr(%rip), %rbx
        mov     %edi, 0(%rbx)
        mov     xs_req_id(%rip), %eax
        mov     %eax, 4(%rbx)
        mov     %ecx, 8(%rbx)
        mov     %edx, 12(%rbx)
        mov     %rbx, %rdi
        push    %rsi
        mov     $XSD_HEADER_SIZE, %esi
        call    xs_put
        pop     %rdi                    /* the payload */
        mov     %rdx, %rsi
        call    xs_put
        mov     xs_port(%rip), %rdi
        call    evtchn_send
1:      call    xs_read_msg
        cmp     $-1, %rax
        je      2f
        cmp     $XS_WATCH_EVENT, %rax
        je      1b                      /* kept by xs_read_msg */
        mov     xs_in_hdr+4(%rip), %ebx
        cmp     xs_req_id(%rip), %ebx
        je      2f
        incq    xs_stray(%rip)          /* a reply to someone else: not ours */
        jmp     1b
2:      pop     %rsi
        pop     %rdi
        pop     %rbx
        ret

/* xs_strings(RDI = type, RSI = first string, RDX = second string or 0,
 * RCX = 1 to keep the second string's NUL) -> RAX = reply type: a request
 * whose payload is "first\0second" (READ/RM: RDX = 0; WRITE: second = the
 * value, RCX = 0; WATCH: second = the token, RCX = 1). */
        .globl  xs_strings
xs_strings:
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %r8
        mov     %rdi, %r8               /* type */
        lea     xs_build(%rip), %rdi
1:      lodsb                           /* first string with its NUL */
        stosb
        test    %al, %al
        jnz     1b
        test    %rdx, %rdx
        jz      3f
        mov     %rdx, %rsi
2:      lodsb
        stosb
        test    %al, %al
        jnz     2b
        test    %rcx, %rcx
        jnz     3f
        dec     %rdi                    /* drop the value's NUL */
3:      lea     xs_build(%rip), %rsi
        mov     %rdi, %rdx
        sub     %rsi, %rdx
        mov     %r8, %rdi
        xor     %ecx, %ecx
        call    xs_request
        pop     %r8
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

/* xs_read_msg -> RAX = the type of the next message from the server, or -1
 * (timeout, or a length over XENSTORE_PAYLOAD_MAX). Payload in xs_reply;
 * a WATCH_EVENT is also copied to xs_event. */
        .globl  xs_read_msg
xs_read_msg:
        push    %rcx
        push    %rdi
        push    %rsi
        lea     xs_in_hdr(%rip), %rdi
        mov     $XSD_HEADER_SIZE, %esi
        call    xs_get
        test    %rax, %rax
        jnz     9f
        mov     xs_in_hdr+12(%rip), %esi
        cmp     $XS_PAYLOAD_MAX, %esi
        ja      9f
        mov     %rsi, xs_reply_len(%rip)
        lea     xs_reply(%rip), %rdi
        movb    $0, (%rdi,%rsi)
        call    xs_get
        test    %rax, %rax
        jnz     9f
        mov     xs_in_hdr(%rip), %eax
        cmp     $XS_WATCH_EVENT, %eax
        jne     8f
        incq    xs_event_count(%rip)
        mov     xs_reply_len(%rip), %rcx
        mov     %rcx, xs_event_len(%rip)
        inc     %rcx                    /* with the NUL */
        lea     xs_reply(%rip), %rsi
        lea     xs_event(%rip), %rdi
        rep movsb
        mov     $XS_WATCH_EVENT, %eax
8:      pop     %rsi
        pop     %rdi
        pop     %rcx
        ret
9:      mov     $-1, %rax
        jmp     8b

/* xs_rsp_pending -> RAX = reply bytes waiting on the ring. */
        .globl  xs_rsp_pending
xs_rsp_pending:
        push    %rcx
        mov     xs_ring(%rip), %rcx
        mov     XS_RSP_PROD(%rcx), %eax
        sub     XS_RSP_CONS(%rcx), %eax
        pop     %rcx
        ret

/* xs_put(RDI = src, RSI = length): copy into req[] as room allows, publishing
 * each piece with req_prod; when the ring is full, notify the server (it
 * takes a message piece by piece) and wait for room. */
xs_put:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rdi
        push    %rsi
        push    %r8
        push    %r9
        mov     xs_ring(%rip), %r8
        movq    $0, xs_deadline(%rip)
1:      test    %rsi, %rsi
        jz      9f
        mov     XS_REQ_PROD(%r8), %edx
        mov     %edx, %eax
        sub     XS_REQ_CONS(%r8), %eax
        neg     %eax
        add     $XS_RING_SIZE, %eax     /* room */
        jnz     2f
        push    %rdi
        mov     xs_port(%rip), %rdi     /* full: let the server catch up */
        call    evtchn_send
        pop     %rdi
        call    xs_wait
        test    %rax, %rax
        jz      1b
        jmp     9f                      /* timed out: give up (the reply wait fails too) */
2:      cmp     %rsi, %rax              /* this piece: the room, the rest of */
        jbe     3f                      /* the message, up to the ring's end */
        mov     %rsi, %rax
3:      mov     %edx, %r9d
        and     $(XS_RING_SIZE - 1), %r9d
        mov     $XS_RING_SIZE, %ecx
        sub     %r9d, %ecx
        cmp     %rcx, %rax
        jbe     4f
        mov     %rcx, %rax
4:      push    %rsi
        push    %rdi
        mov     %rdi, %rsi
        lea     XS_REQ(%r8,%r9), %rdi
        mov     %rax, %rcx
        rep movsb
        pop     %rdi
        pop     %rsi
        add     %eax, %edx
        sfence                          /* data before the index (wmb) */
        mov     %edx, XS_REQ_PROD(%r8)
        add     %rax, %rdi
        sub     %rax, %rsi
        jmp     1b
9:      pop     %r9
        pop     %r8
        pop     %rsi
        pop     %rdi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* xs_get(RDI = dst, RSI = length) -> RAX = 0, or -1 when the server sent
 * nothing for XS_TIMEOUT_NS. */
xs_get:
        push    %rcx
        push    %rdx
        push    %rdi
        push    %rsi
        push    %r8
        push    %r9
        push    %r10
        mov     xs_ring(%rip), %r8
        movq    $0, xs_deadline(%rip)
1:      test    %rsi, %rsi
        jz      8f
        mov     XS_RSP_CONS(%r8), %edx
        mov     XS_RSP_PROD(%r8), %eax
        sub     %edx, %eax              /* available */
        jnz     2f
        call    xs_wait
        test    %rax, %rax
        jz      1b
        mov     $-1, %rax
        jmp     9f
2:      lfence                          /* the index before the data (rmb) */
        mov     %eax, %r10d             /* avail, to see whether the ring was full */
        cmp     %rsi, %rax              /* this piece: what is there, what we */
        jbe     3f                      /* still need, up to the ring's end */
        mov     %rsi, %rax
3:      mov     %edx, %r9d
        and     $(XS_RING_SIZE - 1), %r9d
        mov     $XS_RING_SIZE, %ecx
        sub     %r9d, %ecx
        cmp     %rcx, %rax
        jbe     4f
        mov     %rcx, %rax
4:      push    %rsi
        lea     XS_RSP(%r8,%r9), %rsi
        mov     %rax, %rcx
        rep movsb                       /* advances RDI */
        pop     %rsi
        add     %eax, %edx
        mfence                          /* data read before the index moves (mb) */
        mov     %edx, XS_RSP_CONS(%r8)
        sub     %rax, %rsi
        cmp     $XS_RING_SIZE, %r10d
        jne     1b
        push    %rdi
        mov     xs_port(%rip), %rdi     /* we freed a full ring: the server may have more */
        call    evtchn_send
        pop     %rdi
        jmp     1b
8:      xor     %eax, %eax
9:      pop     %r10
        pop     %r9
        pop     %r8
        pop     %rsi
        pop     %rdi
        pop     %rdx
        pop     %rcx
        ret

/* xs_wait -> RAX = 0 after a notification (or a spurious wakeup), -1 once
 * xs_deadline (set on the first wait of an operation) has passed. */
xs_wait:
        push    %rcx
        push    %rdi
        push    %rsi
        incq    xs_waits(%rip)
        call    pvclock_now
        mov     xs_deadline(%rip), %rcx
        test    %rcx, %rcx
        jnz     1f
        lea     XS_TIMEOUT_NS(%rax), %rcx
        mov     %rcx, xs_deadline(%rip)
1:      cmp     %rcx, %rax
        jae     8f
        /* Consume the notification state, then poll: a notification after this
         * point leaves the port pending and SCHEDOP_poll returns at once. */
        mov     xs_port(%rip), %rdi
        lea     shinfo_page+SHINFO_EVTCHN_PENDING(%rip), %rsi
        lock btr %rdi, (%rsi)
        mov     vcpu_info_ptr(%rip), %rsi
        movb    $0, VCPU_INFO_UPCALL_PENDING(%rsi)
        call    xs_rsp_pending          /* data may have come before the clear */
        test    %eax, %eax
        jnz     7f
        sub     $24, %rsp
        lea     xs_port(%rip), %rax
        mov     %rax, (%rsp)            /* ports: one u32 */
        movq    $1, 8(%rsp)
        mov     %rcx, 16(%rsp)          /* timeout: absolute system time */
        mov     $SCHEDOP_poll, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_sched_op
        add     $24, %rsp
7:      xor     %eax, %eax
        jmp     9f
8:      mov     $-1, %rax
9:      pop     %rsi
        pop     %rdi
        pop     %rcx
        ret

/* xs_reply_is(RDI = bytes, RSI = length) -> RAX = 1 when the last reply's
 * payload is exactly those bytes; otherwise 0, and the reply is printed
 * ("  (reply: ...)", NULs as '|'). */
        .globl  xs_reply_is
xs_reply_is:
        push    %rcx
        push    %rdi
        push    %rsi
        xor     %eax, %eax
        cmp     xs_reply_len(%rip), %rsi
        jne     1f
        mov     %rsi, %rcx
        lea     xs_reply(%rip), %rsi
        repe cmpsb
        jne     1f
        mov     $1, %eax
        jmp     2f
1:      call    xs_print_reply
        xor     %eax, %eax
2:      pop     %rsi
        pop     %rdi
        pop     %rcx
        ret

/* xs_print_reply: "  (reply type T: payload)" with NULs shown as '|'. */
        .globl  xs_print_reply
xs_print_reply:
        push    %rax
        push    %rcx
        push    %rdi
        push    %rsi
        lea     msg_xs_reply(%rip), %rdi
        call    print_str64
        mov     xs_in_hdr(%rip), %edi
        call    print_dec64
        lea     msg_xs_colon(%rip), %rdi
        call    print_str64
        xor     %ecx, %ecx
1:      cmp     xs_reply_len(%rip), %rcx
        jae     3f
        cmp     $256, %rcx
        jae     3f
        lea     xs_reply(%rip), %rsi
        movzbl  (%rsi,%rcx), %eax
        test    %al, %al
        jnz     2f
        mov     $'|', %al
2:      mov     %al, xs_char(%rip)
        lea     xs_char(%rip), %rdi
        mov     $1, %esi
        call    console_write64
        inc     %rcx
        jmp     1b
3:      lea     msg_xs_end(%rip), %rdi
        call    print_str64
        pop     %rsi
        pop     %rdi
        pop     %rcx
        pop     %rax
        ret

/* xs_reply_number -> RAX: the decimal number the reply payload starts with. */
        .globl  xs_reply_number
xs_reply_number:
        push    %rcx
        push    %rsi
        lea     xs_reply(%rip), %rsi
        xor     %eax, %eax
1:      movzbl  (%rsi), %ecx
        sub     $'0', %ecx
        cmp     $9, %ecx
        ja      2f
        imul    $10, %rax, %rax
        add     %rcx, %rax
        inc     %rsi
        jmp     1b
2:      pop     %rsi
        pop     %rcx
        ret

        .section .rodata
msg_xs_reply:   .asciz "  (reply type "
msg_xs_colon:   .asciz ": "
msg_xs_end:     .asciz ")\n"

        .data
        .balign 8
        .globl  xs_ring, xs_port, xs_reply_len, xs_event_len, xs_event_count, xs_stray, xs_waits
xs_ring:        .quad 0         /* the ring page (identity mapped) */
xs_port:        .quad 0         /* the store event channel (low u32 is SCHEDOP_poll's list) */
xs_reply_len:   .quad 0
xs_event_len:   .quad 0
xs_event_count: .quad 0
xs_stray:       .quad 0         /* replies whose req_id was not the awaited one */
xs_waits:       .quad 0         /* times a reader or writer had to poll */
xs_deadline:    .quad 0
xs_req_id:      .long 0
xs_char:        .byte 0

        .bss
        .balign 8
        .globl  xs_in_hdr, xs_reply, xs_event
xs_out_hdr:     .skip XSD_HEADER_SIZE
xs_in_hdr:      .skip XSD_HEADER_SIZE   /* type, req_id, tx_id, len of the last message */
xs_reply:       .skip XS_PAYLOAD_MAX + 1
xs_event:       .skip XS_PAYLOAD_MAX + 1
xs_build:       .skip XS_PAYLOAD_MAX + 1
