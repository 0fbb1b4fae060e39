/* xen_evtchn_fifo.elf (64-bit): FIFO-based event channels through real
 * hypercalls. Reference: xen/include/public/event_channel.h ("FIFO ABI"),
 * xen-pvh-abi.md section 6.
 *
 *   1. under 2-level: expand_array is -EOPNOTSUPP, set_priority -ENOSYS; an
 *      IPI port is sent (pending in shared_info, no callback yet);
 *   2. EVTCHNOP_init_control: its errors (-ENOENT, -ENXIO, -EINVAL) leave the
 *      domain on 2-level; then vCPU 0's control block goes into a page of ours
 *      (link_bits = 17), a second one is -EINVAL; expand_array adds a page of
 *      event words that we masked first, as Linux does: the port pending under
 *      2-level shows PENDING|MASKED in its word;
 *   3. CALLBACK_IRQ type 2 (vector 0xF2) and our own FIFO upcall handler
 *      (below): unmasking the carried-over port raises the upcall with the port
 *      at HEAD[7] and READY bit 7; an IPI to ourselves does the same;
 *   4. with interrupts off, three sends are chained HEAD -> LINK -> LINK and
 *      make one upcall that takes them in order;
 *   5. set_priority: queues 2, 7 and 15 are served highest priority first;
 *   6. MASKED: a send only sets PENDING; EVTCHNOP_unmask (with MASKED still set,
 *      or after the guest cleared it itself) links it and raises the upcall;
 *   7. an interdomain loopback (alloc_unbound + bind_interdomain to ourselves):
 *      status, sends each way, each arriving at HEAD, close;
 *   8. port 1024, beyond the one page of event words: a send is kept until
 *      expand_array adds the second page;
 *   9. EVTCHNOP_reset closes everything and returns the domain to 2-level.
 * Prints one PASS/FAIL line per check, then PASS + poweroff or FAIL + crash. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"

#define NOT_RAM_GFN             0x7FFF0000      /* 8 TiB: far beyond our RAM */
#define ARRAY_PAGES             2               /* event_array: ports 0..2047 */
#define PORT_LOG_MAX            32
#define W_PENDING               (1 << EVTCHN_FIFO_PENDING)
#define W_MASKED                (1 << EVTCHN_FIFO_MASKED)
#define W_LINKED                (1 << EVTCHN_FIFO_LINKED)
#define HEAD_OF(q)              fifo_control+FIFO_CB_HEAD+4*q

/* CHECK_WORD port, expected, "name": port's event word == expected (a
 * constant; compared as 32-bit unsigned). Every register preserved. */
.macro CHECK_WORD port, expected, name
        push    %rax
        push    %rcx
        push    %rdi
        mov     \port, %rdi
        call    fifo_word
        mov     $(\expected), %ecx
        CHECK   %rax, %rcx, "\name"
        pop     %rdi
        pop     %rcx
        pop     %rax
.endm

/* CHECK_LINK port, next, "name": the LINK field of port's word is `next`. */
.macro CHECK_LINK port, next, name
        push    %rax
        push    %rcx
        push    %rdi
        mov     \port, %rdi
        call    fifo_word
        and     $EVTCHN_FIFO_LINK_MASK, %eax
        mov     \next, %rcx
        CHECK   %rax, %rcx, "\name"
        pop     %rdi
        pop     %rcx
        pop     %rax
.endm

/* NEXT_UPCALL: forget the log (clear_log) and set RBX = upcall_count + 1,
 * the count EXPECT_UPCALL waits for. */
.macro NEXT_UPCALL
        call    clear_log
        mov     upcall_count(%rip), %rbx
        inc     %rbx
.endm

/* EXPECT_UPCALL head_port, priority, "name": after something that raises one
 * event (RBX = upcall_count + 1 beforehand): it arrives, head_port was at
 * HEAD[priority] when the handler read it, and the handler took it. */
.macro EXPECT_UPCALL head_port, prio, name
        WAIT_UPCALLS %rbx, "\name: the upcall arrives"
        CHECK   head_seen+8*\prio(%rip), \head_port, "\name: the port is at HEAD[\prio]"
        mov     \head_port, %rdi
        call    port_seen
        CHECK   %rax, $1, "\name: the handler takes the port (PENDING, not MASKED)"
.endm

/* SEND port...: EVTCHNOP_send on each port, in order (RAX: the last rc). */
.macro SEND ports:vararg
        .irp    port, \ports
        mov     \port, %rdi
        call    evtchn_send
        .endr
.endm

/* SEND_HEAD send_port, head_port, priority, "name": EVTCHNOP_send on
 * send_port raises one upcall with head_port at HEAD[priority]. */
.macro SEND_HEAD send_port, head_port, prio, name
        NEXT_UPCALL
        SEND    \send_port
        CHECK_RC $0, "\name: EVTCHNOP_send returns 0"
        EXPECT_UPCALL \head_port, \prio, "\name"
.endm

/* CHECK_TAKEN first, second, third, "name1", "name2", "name3": the handler
 * took these three ports, in this order. */
.macro CHECK_TAKEN first, second, third, name1, name2, name3
        CHECK   port_log(%rip), \first, "\name1"
        CHECK   port_log+8(%rip), \second, "\name2"
        CHECK   port_log+16(%rip), \third, "\name3"
.endm

/* CHECK_TWO_LEVEL "name": EVTCHNOP_expand_array is -EOPNOTSUPP, the answer
 * of a domain on the 2-level ABI. */
.macro CHECK_TWO_LEVEL name
        lea     event_array(%rip), %rdi
        shr     $12, %rdi
        call    evtchn_expand_array
        CHECK_RC $-EOPNOTSUPP, "\name"
.endm

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init
        /* Our FIFO handler replaces lib/xen_test.S's 2-level one on 0xF2. */
        mov     $CALLBACK_VECTOR, %edi
        lea     fifo_upcall(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate

        call    two_level_phase
        call    init_phase
        call    delivery_phase
        call    queue_phase
        call    priority_phase
        call    mask_phase
        call    loopback_phase
        call    beyond_array_phase
        call    reset_phase
        jmp     test_finish

/* ------------------------------------------------------------------------ */
two_level_phase:
        CHECK_TWO_LEVEL "expand_array before any init_control: -EOPNOTSUPP"
        xor     %edi, %edi
        call    evtchn_bind_ipi
        CHECK_RC $0, "bind_ipi under 2-level"
        mov     %rdx, p_port(%rip)
        mov     p_port(%rip), %rdi
        mov     $EVTCHN_FIFO_PRIORITY_DEFAULT, %esi
        call    evtchn_set_priority
        CHECK_RC $-ENOSYS, "set_priority under 2-level: -ENOSYS"
        SEND    p_port(%rip)
        CHECK_RC $0, "send under 2-level (no callback set yet)"
        mov     p_port(%rip), %rdi
        call    port_pending
        CHECK   %rax, $1, "the port is pending in shared_info"
        /* We take no 2-level upcall for it: forget upcall_pending. */
        mov     vcpu_info_ptr(%rip), %rax
        movb    $0, VCPU_INFO_UPCALL_PENDING(%rax)
        ret

/* ------------------------------------------------------------------------ */
init_phase:
        mov     $1, %edi
        lea     fifo_control(%rip), %rsi
        shr     $12, %rsi
        xor     %edx, %edx
        call    evtchn_init_control
        CHECK_RC $-ENOENT, "init_control for vCPU 1 (we have one): -ENOENT"
        xor     %edi, %edi
        lea     fifo_control(%rip), %rsi
        shr     $12, %rsi
        mov     $(4096 - FIFO_CB_SIZE + 4), %edx
        call    evtchn_init_control
        CHECK_RC $-ENXIO, "init_control with the block crossing the page end: -ENXIO"
        mov     $2, %edx
        call    evtchn_init_control
        CHECK_RC $-ENXIO, "init_control at an offset that is not 4-byte aligned: -ENXIO"
        mov     $NOT_RAM_GFN, %esi
        xor     %edx, %edx
        call    evtchn_init_control
        CHECK_RC $-EINVAL, "init_control in a frame that is not RAM: -EINVAL"
        CHECK_TWO_LEVEL "failed init_controls leave the domain on 2-level"

        xor     %edi, %edi
        lea     fifo_control(%rip), %rsi
        shr     $12, %rsi
        xor     %edx, %edx
        call    evtchn_init_control
        CHECK_RC $0, "init_control: vCPU 0's control block in a page of ours"
        CHECK   %rdx, $EVTCHN_FIFO_LINK_BITS, "init_control answers link_bits = 17"
        mov     $FIFO_CB_SIZE, %edx
        call    evtchn_init_control
        CHECK_RC $-EINVAL, "a second init_control for vCPU 0: -EINVAL"

        mov     p_port(%rip), %rdi
        mov     $EVTCHN_FIFO_PRIORITY_MIN + 1, %esi
        call    evtchn_set_priority
        CHECK_RC $-EINVAL, "set_priority 16: -EINVAL"
        mov     $EVTCHN_FIFO_PRIORITY_DEFAULT, %esi
        call    evtchn_set_priority
        CHECK_RC $0, "set_priority 7 (the default) under FIFO"
        mov     $NOT_RAM_GFN, %edi
        call    evtchn_expand_array
        CHECK_RC $-EINVAL, "expand_array with a frame that is not RAM: -EINVAL"

        lea     event_array(%rip), %rdi
        call    add_event_page
        CHECK_RC $0, "expand_array: the first page of event words"
        CHECK_WORD p_port(%rip), W_PENDING | W_MASKED, "the port pending under 2-level is PENDING in its event word"
        CHECK   HEAD_OF(7)(%rip), $0, "nothing is linked while it is masked"
        CHECK   fifo_control+FIFO_CB_READY(%rip), $0, "READY stays 0"
        ret

/* ------------------------------------------------------------------------ */
delivery_phase:
        mov     $HVM_PARAM_CALLBACK_IRQ, %edi
        mov     $((HVM_CALLBACK_TYPE_VECTOR << HVM_CALLBACK_TYPE_VECTOR_SHIFT) | CALLBACK_VECTOR), %rsi
        call    hvm_set_param
        CHECK_RC $0, "HVM_PARAM_CALLBACK_IRQ = vector 0xf2 (type 2)"
        sti
        CHECK   upcall_count(%rip), $0, "no upcall before anything is linked"

        NEXT_UPCALL
        mov     p_port(%rip), %rdi
        call    fifo_unmask
        CHECK   unmask_hcalls(%rip), $1, "unmasking a pending port takes EVTCHNOP_unmask"
        CHECK   unmask_rc(%rip), $0, "EVTCHNOP_unmask returns 0"
        EXPECT_UPCALL p_port(%rip), 7, "the carried-over port, unmasked"
        CHECK   last_ready(%rip), $(1 << EVTCHN_FIFO_PRIORITY_DEFAULT), "READY had bit 7 set (the default priority)"
        CHECK_WORD p_port(%rip), 0, "the handler unlinked it and cleared PENDING"

        SEND_HEAD p_port(%rip), p_port(%rip), 7, "an IPI to ourselves"
        CHECK   last_ready(%rip), $(1 << EVTCHN_FIFO_PRIORITY_DEFAULT), "READY bit 7 again"
        CHECK   port_log_len(%rip), $1, "one port taken"
        ret

/* ------------------------------------------------------------------------ */
queue_phase:
        xor     %edi, %edi
        call    evtchn_bind_ipi
        CHECK_RC $0, "bind_ipi (second port)"
        mov     %rdx, q_port(%rip)
        xor     %edi, %edi
        call    evtchn_bind_ipi
        CHECK_RC $0, "bind_ipi (third port)"
        mov     %rdx, r_port(%rip)
        mov     q_port(%rip), %rdi
        call    fifo_unmask
        mov     r_port(%rip), %rdi
        call    fifo_unmask
        CHECK   unmask_hcalls(%rip), $1, "ports that are not pending are unmasked by the guest alone"
        CHECK_WORD q_port(%rip), 0, "the second port's word: clear"

        cli
        call    clear_log
        mov     upcall_count(%rip), %rbx
        SEND    p_port(%rip), q_port(%rip), r_port(%rip)
        CHECK   upcall_count(%rip), %rbx, "interrupts off: no upcall yet"
        CHECK   HEAD_OF(7)(%rip), p_port(%rip), "three sends: HEAD[7] is the first port"
        CHECK_LINK p_port(%rip), q_port(%rip), "the first port's LINK is the second"
        CHECK_LINK q_port(%rip), r_port(%rip), "the second port's LINK is the third"
        CHECK_WORD r_port(%rip), W_PENDING | W_LINKED, "the tail is PENDING|LINKED with LINK 0"
        CHECK   fifo_control+FIFO_CB_READY(%rip), $(1 << 7), "READY: bit 7 only"
        mov     vcpu_info_ptr(%rip), %rax
        movzbl  VCPU_INFO_UPCALL_PENDING(%rax), %eax
        CHECK   %rax, $1, "evtchn_upcall_pending is set"
        inc     %rbx
        sti
        WAIT_UPCALLS %rbx, "STI: the upcall arrives"
        CHECK   upcall_count(%rip), %rbx, "one upcall for the three events"
        CHECK   port_log_len(%rip), $3, "the handler took three ports"
        CHECK_TAKEN p_port(%rip), q_port(%rip), r_port(%rip), "first taken: the first sent", "second taken: the second sent", "third taken: the third sent"
        ret

/* ------------------------------------------------------------------------ */
priority_phase:
        mov     r_port(%rip), %rdi
        mov     $2, %esi
        call    evtchn_set_priority
        CHECK_RC $0, "set_priority 2 for the third port"
        mov     q_port(%rip), %rdi
        mov     $EVTCHN_FIFO_PRIORITY_MIN, %esi
        call    evtchn_set_priority
        CHECK_RC $0, "set_priority 15 for the second port"
        cli
        call    clear_log
        mov     upcall_count(%rip), %rbx
        SEND    q_port(%rip), p_port(%rip), r_port(%rip)
        CHECK   fifo_control+FIFO_CB_READY(%rip), $((1 << 2) | (1 << 7) | (1 << 15)), "READY: bits 2, 7 and 15"
        CHECK   HEAD_OF(2)(%rip), r_port(%rip), "HEAD[2]: the priority-2 port"
        CHECK   HEAD_OF(7)(%rip), p_port(%rip), "HEAD[7]: the default-priority port"
        CHECK   HEAD_OF(15)(%rip), q_port(%rip), "HEAD[15]: the priority-15 port"
        inc     %rbx
        sti
        WAIT_UPCALLS %rbx, "STI: one upcall"
        CHECK   port_log_len(%rip), $3, "three ports taken"
        CHECK_TAKEN r_port(%rip), p_port(%rip), q_port(%rip), "priority 2 is served first", "then priority 7", "then priority 15"
        ret

/* ------------------------------------------------------------------------ */
mask_phase:
        mov     q_port(%rip), %rdi
        call    fifo_mask
        mov     upcall_count(%rip), %rbx
        SEND    q_port(%rip)
        CHECK_RC $0, "send on a masked port returns 0"
        call    settle
        CHECK   upcall_count(%rip), %rbx, "a masked port raises no upcall"
        CHECK_WORD q_port(%rip), W_PENDING | W_MASKED, "the masked port is PENDING, not LINKED"
        call    clear_log
        inc     %rbx
        mov     q_port(%rip), %rdi
        call    fifo_unmask
        CHECK   unmask_hcalls(%rip), $2, "unmask of the pending port: EVTCHNOP_unmask"
        EXPECT_UPCALL q_port(%rip), 15, "EVTCHNOP_unmask links the pending port"

        /* Clearing MASKED ourselves does not link a pending port; the
         * hypercall that follows does. */
        mov     r_port(%rip), %rdi
        call    fifo_mask
        mov     upcall_count(%rip), %rbx
        SEND    r_port(%rip)
        lea     event_array(%rip), %rax
        mov     r_port(%rip), %rdi
        lock btrl $EVTCHN_FIFO_MASKED, (%rax,%rdi,4)
        CHECK   upcall_count(%rip), %rbx, "the guest clearing MASKED: no upcall by itself"
        CHECK_WORD r_port(%rip), W_PENDING, "PENDING, unmasked, not yet LINKED"
        call    clear_log
        inc     %rbx
        mov     r_port(%rip), %rdi
        call    evtchn_unmask
        CHECK_RC $0, "EVTCHNOP_unmask after the guest cleared MASKED"
        EXPECT_UPCALL r_port(%rip), 2, "EVTCHNOP_unmask after the guest cleared MASKED"
        ret

/* ------------------------------------------------------------------------ */
loopback_phase:
        mov     $DOMID_SELF, %edi
        mov     $DOMID_SELF, %esi
        call    evtchn_alloc_unbound
        CHECK_RC $0, "alloc_unbound(remote = ourselves)"
        mov     %rdx, u_port(%rip)
        mov     $DOMID_SELF, %edi
        mov     u_port(%rip), %rsi
        call    evtchn_bind_interdomain
        CHECK_RC $0, "bind_interdomain to our own unbound port"
        mov     %rdx, l_port(%rip)
        mov     $DOMID_SELF, %edi
        mov     u_port(%rip), %rsi
        call    evtchn_status
        CHECK_RC $0, "status of the first end under FIFO"
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_interdomain, "status: interdomain"
        mov     evtchn_status_buf+20(%rip), %ecx
        CHECK   %rcx, l_port(%rip), "status: the peer is the bound end"
        CHECK_WORD l_port(%rip), W_PENDING | W_MASKED, "bind_interdomain left the new end pending (and masked)"
        mov     u_port(%rip), %rdi
        call    fifo_unmask
        NEXT_UPCALL
        mov     l_port(%rip), %rdi
        call    fifo_unmask
        EXPECT_UPCALL l_port(%rip), 7, "loopback: unmasking the new end"
        SEND_HEAD l_port(%rip), u_port(%rip), 7, "loopback: a send on one end raises the other"
        SEND_HEAD u_port(%rip), l_port(%rip), 7, "loopback: and back"
        mov     l_port(%rip), %rdi
        call    evtchn_close
        CHECK_RC $0, "close one end"
        mov     $DOMID_SELF, %edi
        mov     u_port(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_unbound, "the other end is unbound again"
        ret

/* ------------------------------------------------------------------------ */
beyond_array_phase:
        mov     $2000, %r12d                    /* bound the loop */
1:      xor     %edi, %edi
        call    evtchn_bind_ipi
        test    %rax, %rax
        jnz     2f
        cmp     $EVTCHN_FIFO_WORDS_PER_PAGE, %rdx
        jae     2f
        dec     %r12d
        jnz     1b
2:      CHECK_RC $0, "bind_ipi up to port 1024"
        CHECK   %rdx, $EVTCHN_FIFO_WORDS_PER_PAGE, "port 1024: the first without an event word"
        mov     %rdx, far_port(%rip)
        mov     upcall_count(%rip), %rbx
        SEND    far_port(%rip)
        CHECK_RC $0, "send on port 1024 returns 0"
        CHECK   upcall_count(%rip), %rbx, "no upcall: the port has no event word yet"
        lea     event_array+4096(%rip), %rdi
        call    add_event_page
        CHECK_RC $0, "expand_array: the second page (ports 1024..2047)"
        CHECK_WORD far_port(%rip), W_PENDING | W_MASKED, "the send that waited for the page is PENDING in its new word"
        call    clear_log
        inc     %rbx
        mov     far_port(%rip), %rdi
        call    fifo_unmask
        EXPECT_UPCALL far_port(%rip), 7, "port 1024, unmasked"
        ret

/* ------------------------------------------------------------------------ */
reset_phase:
        mov     $DOMID_SELF, %edi
        call    evtchn_reset
        CHECK_RC $0, "EVTCHNOP_reset"
        mov     $DOMID_SELF, %edi
        mov     p_port(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_closed, "reset closed our ports"
        CHECK_TWO_LEVEL "after reset the domain is on 2-level again"
        ret

/* ------------------------------------------------------------------------
 * The FIFO upcall (CALLBACK_IRQ type 2: no EOI), written the way Linux's
 * events_fifo.c consumes queues: clear evtchn_upcall_pending, exchange READY
 * with 0, and for each ready queue, highest priority (lowest bit) first,
 * start at HEAD and follow the LINKs; each word is unlinked with a cmpxchg
 * loop (clearing LINKED and LINK), and a port that is PENDING and not MASKED
 * is taken: its PENDING bit cleared, its number logged. Records HEAD[q] as
 * read for each queue (head_seen) and READY (last_ready). */
fifo_upcall:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %r8
        push    %r9
        incq    upcall_count(%rip)
        mov     vcpu_info_ptr(%rip), %rsi
        movb    $0, VCPU_INFO_UPCALL_PENDING(%rsi)
        lea     fifo_control(%rip), %rsi
        xor     %r8d, %r8d
        xchg    %r8d, FIFO_CB_READY(%rsi)
        mov     %r8, last_ready(%rip)
1:      test    %r8d, %r8d
        jz      6f
        bsf     %r8d, %ecx
        btr     %ecx, %r8d
        mov     FIFO_CB_HEAD(%rsi,%rcx,4), %edi
        lea     head_seen(%rip), %rdx
        mov     %rdi, (%rdx,%rcx,8)
2:      test    %edi, %edi
        jz      1b
        cmp     $ARRAY_PAGES * EVTCHN_FIFO_WORDS_PER_PAGE, %edi
        jae     1b
        lea     event_array(%rip), %rdx
        lea     (%rdx,%rdi,4), %rdx
        mov     (%rdx), %eax
3:      mov     %eax, %r9d
        and     $~((1 << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK), %r9d
        lock cmpxchg %r9d, (%rdx)
        jnz     3b
        bt      $EVTCHN_FIFO_PENDING, %eax
        jnc     5f
        bt      $EVTCHN_FIFO_MASKED, %eax
        jc      5f
        lock btrl $EVTCHN_FIFO_PENDING, (%rdx)
        mov     port_log_len(%rip), %r9
        cmp     $PORT_LOG_MAX, %r9
        jae     4f
        lea     port_log(%rip), %rcx
        mov     %rdi, (%rcx,%r9,8)
        incq    port_log_len(%rip)
4:      lea     ports_seen(%rip), %rcx
        lock bts %rdi, (%rcx)
        mov     %rdi, last_port(%rip)
5:      mov     %eax, %edi
        and     $EVTCHN_FIFO_LINK_MASK, %edi
        jmp     2b
6:      xor     %r8d, %r8d                      /* queues that became ready meanwhile */
        xchg    %r8d, FIFO_CB_READY(%rsi)
        or      %r8, last_ready(%rip)
        test    %r8d, %r8d
        jnz     1b
        pop     %r9
        pop     %r8
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        iretq

/* ------------------------------------------------------------------------
 * Helpers (RDI, RSI, RDX arguments; RAX result; others preserved) */

/* clear_log: forget the ports taken and the HEADs seen. */
clear_log:
        push    %rax
        push    %rcx
        push    %rdi
        movq    $0, port_log_len(%rip)
        lea     head_seen(%rip), %rdi
        mov     $EVTCHN_FIFO_PRIORITY_MIN + 1, %ecx
        xor     %eax, %eax
        rep stosq
        pop     %rdi
        pop     %rcx
        pop     %rax
        ret

/* fifo_word(RDI = port) -> RAX = its event word (zero-extended) */
fifo_word:
        lea     event_array(%rip), %rax
        mov     (%rax,%rdi,4), %eax
        ret

/* fifo_mask(RDI = port): set MASKED in its word. */
fifo_mask:
        push    %rax
        lea     event_array(%rip), %rax
        lock btsl $EVTCHN_FIFO_MASKED, (%rax,%rdi,4)
        pop     %rax
        ret

/* fifo_unmask(RDI = port), as Linux's evtchn_fifo_unmask: clear MASKED with a
 * cmpxchg unless the port is PENDING (or BUSY); a pending port is left to
 * EVTCHNOP_unmask, which links it (unmask_hcalls counts those, unmask_rc is
 * the last result). */
fifo_unmask:
        push    %rax
        push    %rcx
        push    %rdx
        lea     event_array(%rip), %rdx
        lea     (%rdx,%rdi,4), %rdx
        mov     (%rdx), %eax
1:      bt      $EVTCHN_FIFO_MASKED, %eax
        jnc     3f
        bt      $EVTCHN_FIFO_PENDING, %eax
        jc      2f
        and     $~(1 << EVTCHN_FIFO_BUSY), %eax
        mov     %eax, %ecx
        and     $~(1 << EVTCHN_FIFO_MASKED), %ecx
        lock cmpxchg %ecx, (%rdx)
        jnz     1b
        jmp     3f
2:      call    evtchn_unmask
        mov     %rax, unmask_rc(%rip)
        incq    unmask_hcalls(%rip)
3:      pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* add_event_page(RDI = a page of event_array) -> RAX: mask every word of the
 * page, as Linux does, then EVTCHNOP_expand_array with it. */
add_event_page:
        push    %rcx
        push    %rdi
        mov     $W_MASKED, %eax
        mov     $EVTCHN_FIFO_WORDS_PER_PAGE, %ecx
        rep stosl
        mov     (%rsp), %rdi
        shr     $12, %rdi
        call    evtchn_expand_array
        pop     %rdi
        pop     %rcx
        ret

        .section .rodata
name:   .asciz  "xen_evtchn_fifo"

        .data
        .balign 8
p_port:         .quad 0         /* IPI, bound under 2-level */
q_port:         .quad 0         /* IPI */
r_port:         .quad 0         /* IPI */
u_port:         .quad 0         /* loopback: the alloc_unbound end */
l_port:         .quad 0         /* loopback: the bind_interdomain end */
far_port:       .quad 0         /* 1024 */
last_ready:     .quad 0         /* READY as the last upcall exchanged it (or'ed over its loop) */
unmask_hcalls:  .quad 0
unmask_rc:      .quad 0
port_log_len:   .quad 0
port_log:       .skip 8 * PORT_LOG_MAX
head_seen:      .skip 8 * (EVTCHN_FIFO_PRIORITY_MIN + 1)

        .bss
        .balign 4096
fifo_control:   .skip 4096                      /* vCPU 0's control block at offset 0 */
event_array:    .skip 4096 * ARRAY_PAGES
