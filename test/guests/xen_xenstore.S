/* xen_xenstore.elf (64-bit): the xenstore ring protocol against the host's
 * xenstored. Reference: xen-pvh-abi.md sections 4 (STORE_PFN/EVTCHN) and 8,
 * xen/include/public/io/xs_wire.h, docs/misc/xenstore.txt.
 *
 *   1. HVM_PARAM_STORE_PFN / STORE_EVTCHN from hvm_op get_param; the port is
 *      an interdomain channel to dom0; the ring page says "connected";
 *   2. READ domid (equals CPUID base+4's domid) and name (printed as
 *      "xen_xenstore: name=<name>" for the test to compare with -name;
 *      empty without -name, as in QEMU);
 *      GET_DOMAIN_PATH and an absolute READ under it;
 *   3. WRITE / READ / DIRECTORY under our home (relative paths);
 *   4. WATCH: the initial event, then an event per change at or below the
 *      path, in the relative form; UNWATCH stops them;
 *   5. TRANSACTION_START / END: writes invisible outside until commit,
 *      dropped on abort;
 *   6. error replies: ENOENT, EACCES (a dom0-owned key), EINVAL (bad path),
 *      ENOSYS (unknown type);
 *   7. the server notified the store port for its replies, and its error
 *      field stayed 0.
 * Interrupts stay off: the client waits with SCHEDOP_poll (lib/xs_client.S). */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"
#include "lib/xs_client.h"


        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init
        mov     $0x40000004, %eax
        xor     %ecx, %ecx
        cpuid
        mov     %rcx, domid(%rip)

        call    setup_phase
        call    read_phase
        call    write_phase
        call    watch_phase
        call    transaction_phase
        call    error_phase
        mov     xs_ring(%rip), %rax
        mov     XS_ERROR(%rax), %eax
        CHECK   %rax, $0, "the ring's error field is still 0"
        CHECK   xs_stray(%rip), $0, "every reply matched its request's req_id"
        jmp     test_finish

/* ------------------------------------------------------------------------ */
setup_phase:
        mov     $HVM_PARAM_STORE_PFN, %edi
        call    hvm_get_param
        CHECK_RC $0, "get_param STORE_PFN"
        mov     %rdx, %rbx
        CHECK   %rbx, $0xFEFF9, "STORE_PFN is QEMU's 0xfeff9"
        mov     $HVM_PARAM_STORE_EVTCHN, %edi
        call    hvm_get_param
        CHECK_RC $0, "get_param STORE_EVTCHN"
        xor     %eax, %eax
        test    %rdx, %rdx
        setnz   %al
        CHECK   %rax, $1, "STORE_EVTCHN is a port"
        call    xs_init
        CHECK_RC $0, "xs_init"
        mov     $DOMID_SELF, %edi
        mov     xs_port(%rip), %rsi
        call    evtchn_status
        CHECK_RC $0, "status of the store port"
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_interdomain, "the store port is interdomain"
        mov     evtchn_status_buf+16(%rip), %eax
        CHECK   %rax, $DOMID_HOST, "the store port's peer is dom0"
        mov     xs_ring(%rip), %rax
        mov     XS_CONNECTION(%rax), %ecx
        CHECK   %rcx, $0, "the ring says connected (connection = 0)"
        mov     XS_SERVER_FEATURES(%rax), %ecx
        CHECK_BITS %rcx, $3, $3, "server features: reconnection and error"
        ret

/* ------------------------------------------------------------------------ */
read_phase:
        XS      XS_READ, "domid\000"
        CHECK_RC $XS_READ, "READ domid: a READ reply"
        call    xs_reply_number
        CHECK   %rax, domid(%rip), "READ domid: our domid (as CPUID says)"
        mov     xs_port(%rip), %rdi
        call    port_pending
        CHECK   %rax, $1, "the server notified the store port"

        XS      XS_READ, "name\000"
        CHECK_RC $XS_READ, "READ name: a READ reply"
        lea     msg_name(%rip), %rdi
        call    print_str64
        lea     xs_reply(%rip), %rdi
        call    print_str64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        /* Keep the name for the absolute read below. */
        lea     xs_reply(%rip), %rsi
        lea     saved_name(%rip), %rdi
        mov     xs_reply_len(%rip), %rcx
        mov     %rcx, saved_name_len(%rip)
        rep movsb

        /* GET_DOMAIN_PATH "<domid>" -> "/local/domain/<domid>". Build the
         * request from our domid's decimal digits (READ domid gave them). */
        XS      XS_READ, "domid\000"
        lea     xs_reply(%rip), %rsi
        mov     xs_reply_len(%rip), %rcx
        lea     buf(%rip), %rdi
        rep movsb
        movb    $0, (%rdi)
        mov     xs_reply_len(%rip), %rdx
        inc     %rdx
        mov     $10, %edi               /* XS_GET_DOMAIN_PATH */
        lea     buf(%rip), %rsi
        xor     %ecx, %ecx
        call    xs_request
        CHECK_RC $10, "GET_DOMAIN_PATH: its own reply type"
        lea     xs_reply(%rip), %rdi
        lea     str_local_domain(%rip), %rsi
        mov     $14, %ecx               /* "/local/domain/" */
        repe cmpsb
        sete    %al
        movzbl  %al, %eax
        CHECK   %rax, $1, "GET_DOMAIN_PATH: /local/domain/<domid>"
        /* READ "<that path>/name" (absolute) gives the same name. */
        lea     xs_reply(%rip), %rsi
        lea     buf(%rip), %rdi
        call    strcpy_end               /* RDI -> the NUL */
        lea     str_slash_name(%rip), %rsi
        call    strcpy_end
        lea     buf(%rip), %rsi
        sub     %rsi, %rdi
        lea     1(%rdi), %rdx           /* with the NUL */
        mov     $XS_READ, %edi
        xor     %ecx, %ecx
        call    xs_request
        CHECK_RC $XS_READ, "READ /local/domain/<domid>/name (absolute)"
        lea     saved_name(%rip), %rdi
        mov     saved_name_len(%rip), %rsi
        call    xs_reply_is
        CHECK   %rax, $1, "the absolute path names the same node"
        ret

/* strcpy_end(RSI = NUL-terminated source, RDI = destination) -> RDI at the
 * copied NUL. */
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

/* ------------------------------------------------------------------------ */
write_phase:
        XS      XS_WRITE, "data/test\000hello"
        CHECK_RC $XS_WRITE, "WRITE data/test: a WRITE reply"
        CHECK_REPLY "OK\000", "WRITE data/test: OK"
        XS      XS_READ, "data/test\000"
        CHECK_RC $XS_READ, "READ data/test"
        CHECK_REPLY "hello", "READ data/test: the value written"
        XS      XS_WRITE, "data/other\000x"
        CHECK_RC $XS_WRITE, "WRITE data/other"
        XS      XS_DIRECTORY, "data\000"
        CHECK_RC $XS_DIRECTORY, "DIRECTORY data"
        CHECK_REPLY "test\000other\000", "DIRECTORY data: both children, in creation order"
        XS      XS_WRITE, "data/deep/er/node\000v"
        CHECK_RC $XS_WRITE, "WRITE creates missing parents"
        XS      XS_DIRECTORY, "data/deep\000"
        CHECK_REPLY "er\000", "DIRECTORY of a created parent"
        call    big_value
        XS      XS_RM, "data/deep\000"
        CHECK_RC $XS_RM, "RM data/deep (a subtree)"
        XS      XS_READ, "data/deep/er/node\000"
        CHECK_RC $XS_ERROR_TYPE, "READ below a removed subtree: an error"
        CHECK_REPLY "ENOENT\000", "READ below a removed subtree: ENOENT"
        ret

/* big_value: a 2000-byte value, so the request and the reply each span
 * the 1024-byte rings (the client and the server both wait for room). */
#define BIG_LEN 2000
big_value:
        lea     buf_big(%rip), %rdi
        lea     str_data_big(%rip), %rsi
        call    strcpy_end
        inc     %rdi                    /* keep the NUL: path\0value */
        mov     %rdi, %r12              /* the value */
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        xor     %edx, %edx
        mov     $26, %ebx
        div     %ebx
        add     $'a', %dl
        mov     %dl, (%rdi,%rcx)
        inc     %ecx
        cmp     $BIG_LEN, %ecx
        jb      1b
        lea     BIG_LEN(%rdi), %rdx
        lea     buf_big(%rip), %rsi
        sub     %rsi, %rdx
        mov     $XS_WRITE, %edi
        xor     %ecx, %ecx
        call    xs_request
        CHECK_RC $XS_WRITE, "WRITE a 2000-byte value (a request over the ring size)"
        CHECK_REPLY "OK\000", "WRITE a 2000-byte value: OK"
        mov     $XS_READ, %edi
        lea     buf_big(%rip), %rsi
        mov     $9, %edx                /* "data/big\0" */
        xor     %ecx, %ecx
        call    xs_request
        CHECK_RC $XS_READ, "READ it back (a reply over the ring size)"
        mov     %r12, %rdi
        mov     $BIG_LEN, %esi
        call    xs_reply_is
        CHECK   %rax, $1, "the 2000 bytes come back intact"
        XS      XS_RM, "data/big\000"
        CHECK_RC $XS_RM, "RM data/big"
        ret

/* ------------------------------------------------------------------------ */
watch_phase:
        mov     xs_event_count(%rip), %rbx
        XS      XS_WATCH, "data/test\000tok1\000"
        CHECK_RC $XS_WATCH, "WATCH data/test"
        CHECK_REPLY "OK\000", "WATCH: OK"
        call    xs_read_msg
        CHECK_RC $XS_WATCH_EVENT, "WATCH fires once at once"
        CHECK_REPLY "data/test\000tok1\000", "the initial event: path (relative) and token"
        CHECK   xs_in_hdr+4(%rip), $0, "a WATCH_EVENT has req_id 0 and tx_id 0"

        XS      XS_WRITE, "data/test\000changed"
        CHECK_RC $XS_WRITE, "WRITE to the watched node"
        call    xs_read_msg
        CHECK_RC $XS_WATCH_EVENT, "a change fires the watch"
        CHECK_REPLY "data/test\000tok1\000", "the change event: path and token"
        XS      XS_WRITE, "data/test/child\000c"
        CHECK_RC $XS_WRITE, "WRITE below the watched node"
        call    xs_read_msg
        CHECK_RC $XS_WATCH_EVENT, "a change below fires the watch"
        CHECK_REPLY "data/test/child\000tok1\000", "the event names the changed child"
        XS      XS_WRITE, "data/other\000y"
        CHECK_RC $XS_WRITE, "WRITE beside the watched node"
        call    xs_rsp_pending
        CHECK   %rax, $0, "a change elsewhere fires nothing"

        XS      XS_UNWATCH, "data/test\000tok1\000"
        CHECK_RC $XS_UNWATCH, "UNWATCH"
        XS      XS_WRITE, "data/test\000after"
        CHECK_RC $XS_WRITE, "WRITE after UNWATCH"
        call    xs_rsp_pending
        CHECK   %rax, $0, "no event after UNWATCH"
        XS      XS_UNWATCH, "data/test\000tok1\000"
        CHECK_RC $XS_ERROR_TYPE, "UNWATCH of a watch that is gone: an error"
        CHECK_REPLY "ENOENT\000", "UNWATCH of a watch that is gone: ENOENT"
        ret

/* ------------------------------------------------------------------------ */
transaction_phase:
        XS      XS_TRANSACTION_START, "\000"
        CHECK_RC $XS_TRANSACTION_START, "TRANSACTION_START"
        call    xs_reply_number
        mov     %rax, tx(%rip)
        xor     %ecx, %ecx
        test    %rax, %rax
        setnz   %cl
        CHECK   %rcx, $1, "TRANSACTION_START: a nonzero id"
        XS      XS_WRITE, "data/tx\000in-tx", tx(%rip)
        CHECK_RC $XS_WRITE, "WRITE inside the transaction"
        mov     xs_in_hdr+8(%rip), %eax
        CHECK   %rax, tx(%rip), "the reply echoes the tx_id"
        XS      XS_READ, "data/tx\000"
        CHECK_RC $XS_ERROR_TYPE, "READ outside the transaction: not there yet"
        CHECK_REPLY "ENOENT\000", "READ outside the transaction: ENOENT"
        XS      XS_READ, "data/tx\000", tx(%rip)
        CHECK_RC $XS_READ, "READ inside the transaction"
        CHECK_REPLY "in-tx", "READ inside the transaction sees the write"
        XS      XS_TRANSACTION_END, "T\000", tx(%rip)
        CHECK_RC $XS_TRANSACTION_END, "TRANSACTION_END commit"
        CHECK_REPLY "OK\000", "TRANSACTION_END commit: OK"
        XS      XS_READ, "data/tx\000"
        CHECK_RC $XS_READ, "READ after commit"
        CHECK_REPLY "in-tx", "the committed write is visible"

        XS      XS_TRANSACTION_START, "\000"
        CHECK_RC $XS_TRANSACTION_START, "a second TRANSACTION_START"
        call    xs_reply_number
        mov     %rax, tx(%rip)
        XS      XS_WRITE, "data/tx2\000gone", tx(%rip)
        CHECK_RC $XS_WRITE, "WRITE inside the second transaction"
        XS      XS_TRANSACTION_END, "F\000", tx(%rip)
        CHECK_RC $XS_TRANSACTION_END, "TRANSACTION_END abort"
        XS      XS_READ, "data/tx2\000"
        CHECK_RC $XS_ERROR_TYPE, "READ after abort: an error"
        CHECK_REPLY "ENOENT\000", "an aborted write is dropped (ENOENT)"
        XS      XS_TRANSACTION_END, "T\000", tx(%rip)
        CHECK_RC $XS_ERROR_TYPE, "TRANSACTION_END of a finished transaction: an error"
        ret

/* ------------------------------------------------------------------------ */
error_phase:
        XS      XS_READ, "data/nonexistent\000"
        CHECK_RC $XS_ERROR_TYPE, "READ a missing node: an ERROR reply"
        CHECK_REPLY "ENOENT\000", "READ a missing node: ENOENT"
        XS      XS_WRITE, "domid\0007"
        CHECK_RC $XS_ERROR_TYPE, "WRITE the dom0-owned domid: an error"
        CHECK_REPLY "EACCES\000", "WRITE the dom0-owned domid: EACCES"
        XS      XS_READ, "domid\000"
        call    xs_reply_number
        CHECK   %rax, domid(%rip), "domid is unchanged"
        XS      XS_READ, "bad path!\000"
        CHECK_RC $XS_ERROR_TYPE, "READ with a bad character: an error"
        CHECK_REPLY "EINVAL\000", "READ with a bad character: EINVAL"
        XS      99, "\000"
        CHECK_RC $XS_ERROR_TYPE, "message type 99: an error"
        CHECK_REPLY "ENOSYS\000", "message type 99: ENOSYS"
        XS      XS_READ, "no-nul"
        CHECK_RC $XS_ERROR_TYPE, "READ without the path's NUL: an error"
        CHECK_REPLY "EINVAL\000", "READ without the path's NUL: EINVAL"
        XS      XS_READ, "domid\000"
        CHECK_RC $XS_READ, "the connection still works after the errors"
        ret

        .section .rodata
name:   .asciz "xen_xenstore"
msg_name:       .asciz "xen_xenstore: name="
str_local_domain: .asciz "/local/domain/"
str_slash_name: .asciz "/name"
str_data_big:   .asciz "data/big"

        .data
        .balign 8
domid:          .quad 0
tx:             .quad 0
saved_name_len: .quad 0

        .bss
saved_name:     .skip 256
buf:            .skip 256
buf_big:        .skip 4096
