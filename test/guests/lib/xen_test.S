/* Library of the Xen ABI test guests (xen_*.S) and the Xen benchmark guests
 * (bench_xen_*.S), on top of lib/cpu_test.S (GDT, IDT, CHECK, test_finish).
 *
 * What it adds:
 *   - hcall: any hypercall through the hypercall page (numbers >= 128, which
 *     have no stub, with a direct VMCALL), every register but RAX preserved;
 *   - xen_test_init: the CPU test harness, shared_info mapped at a page of
 *     our own .bss (XENMEM_add_to_physmap, space 0), the local APIC software
 *     enabled, and IDT gates for the upcall vectors;
 *   - the upcall handler, written the way Linux's 2-level event channel code
 *     is: clear evtchn_upcall_pending, exchange pending_sel with 0, service
 *     pending & ~mask word by word, clear each pending bit it takes, and EOI
 *     the local APIC (x2APIC MSR or xAPIC MMIO, whichever mode it is in) when
 *     it came through the per-vCPU upcall vector. It counts upcalls, records
 *     the TSC, and sets the port's bit in `ports_seen`;
 *   - wrappers for the event channel, HVM param and memory ops the guests
 *     share, and the pvclock read (vcpu_time_info: version seqlock,
 *     tsc_to_system_mul / tsc_shift, RDTSC);
 *   - cmdline_param: `key=N` from the kernel command line.
 * Calling convention as in xen64.S: arguments in RDI, RSI, RDX, result in
 * RAX (a second result in RDX where a routine says so), every other register
 * preserved. */
#include "pvh.h"
#include "cpu_test.h"
#include "xen_test.h"

        .text
        .code64

/* hcall(RAX = number, RDI, RSI, RDX, R10, R8 = arguments) -> RAX */
        .globl  hcall
hcall:
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        cmp     $128, %rax
        jae     1f
        mov     %rax, %r11
        shl     $5, %r11
        lea     hypercall_page(%rip), %rcx
        add     %rcx, %r11
        call    *%r11                   /* the stub sets EAX itself */
        jmp     2f
1:      vmcall
2:      pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        ret

/* xen_test_init(RDI = guest name): cpu_test_init, then shared_info at
 * shinfo_page, the LAPIC enabled (SVR), the upcall gates. Interrupts stay
 * off; the guest decides when to STI. Without Xen the test ends here. */
        .globl  xen_test_init
xen_test_init:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        call    cpu_test_init
        cmpl    $0, hypercall_ready(%rip)
        jne     1f
        lea     msg_no_xen(%rip), %rdi
        call    test_fail
        jmp     test_finish
1:      lea     shinfo_page(%rip), %rax
        mov     %rax, vcpu_info_ptr(%rip)
        mov     $XENMAPSPACE_shared_info, %edi
        xor     %esi, %esi
        lea     shinfo_page(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $0, "add_to_physmap(shared_info) at a page of ours"

        /* The local APIC takes no fixed interrupts while software-disabled. */
        mov     $MSR_APIC_BASE, %ecx
        rdmsr
        test    $APIC_BASE_EXTD, %eax
        jz      2f
        mov     $MSR_X2APIC_SVR, %ecx
        mov     $APIC_SVR_ENABLE_SPURIOUS, %eax
        xor     %edx, %edx
        wrmsr
        jmp     3f
2:      mov     $XAPIC_MMIO, %eax       /* (a 32-bit displacement would sign-extend) */
        movl    $APIC_SVR_ENABLE_SPURIOUS, APIC_SVR(%rax)
3:
        mov     $UPCALL_VECTOR, %edi
        lea     upcall_vector_entry(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate
        mov     $CALLBACK_VECTOR, %edi
        lea     callback_vector_entry(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate
        mov     $0xFF, %edi             /* the LAPIC's spurious vector */
        lea     spurious_entry(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* ------------------------------------------------------------------------
 * The upcall */

upcall_vector_entry:
        push    $1                      /* per-vCPU vector: EOI the LAPIC */
        jmp     upcall_common
callback_vector_entry:
        push    $0                      /* CALLBACK_IRQ type 2: no IRR/ISR, no EOI */
        jmp     upcall_common
spurious_entry:
        incq    spurious_count(%rip)
        iretq

upcall_common:
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %r8
        push    %r9
        rdtsc
        shl     $32, %rdx
        or      %rdx, %rax
        mov     %rax, upcall_tsc(%rip)
        incq    upcall_count(%rip)
        cmpq    $0, 64(%rsp)
        je      1f
        incq    vector_upcalls(%rip)
        jmp     2f
1:      incq    callback_upcalls(%rip)
2:      mov     vcpu_info_ptr(%rip), %rsi
        movb    $0, VCPU_INFO_UPCALL_PENDING(%rsi)
        xor     %eax, %eax
        xchg    %rax, VCPU_INFO_PENDING_SEL(%rsi)
        mov     %rax, last_pending_sel(%rip)
        lea     shinfo_page(%rip), %rdi
        lea     ports_seen(%rip), %r9
        /* for each word w set in the selector: bits = pending[w] & ~mask[w] */
3:      test    %rax, %rax
        jz      6f
        bsf     %rax, %rcx
        btr     %rcx, %rax
        mov     SHINFO_EVTCHN_PENDING(%rdi,%rcx,8), %rdx
        mov     SHINFO_EVTCHN_MASK(%rdi,%rcx,8), %r8
        not     %r8
        and     %r8, %rdx
4:      test    %rdx, %rdx
        jz      3b
        bsf     %rdx, %rbx
        btr     %rbx, %rdx
        lock btrq %rbx, SHINFO_EVTCHN_PENDING(%rdi,%rcx,8)     /* we take it */
        lock btsq %rbx, (%r9,%rcx,8)
        incq    port_events(%rip)
        mov     %rcx, %r8
        shl     $6, %r8
        add     %rbx, %r8
        mov     %r8, last_port(%rip)
        jmp     4b
6:      cmpq    $0, 64(%rsp)
        je      8f
        mov     $MSR_APIC_BASE, %ecx
        rdmsr
        test    $APIC_BASE_EXTD, %eax
        jz      7f
        mov     $MSR_X2APIC_EOI, %ecx
        xor     %eax, %eax
        xor     %edx, %edx
        wrmsr
        incq    x2apic_eois(%rip)
        jmp     8f
7:      mov     $XAPIC_MMIO, %eax
        movl    $0, APIC_EOI(%rax)
        incq    xapic_eois(%rip)
8:      pop     %r9
        pop     %r8
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        add     $8, %rsp
        iretq

/* wait_upcalls(RDI = count) -> RAX = 1 once upcall_count >= count, 0 if that
 * does not happen within a bounded spin (interrupts must be on to see it). */
        .globl  wait_upcalls
wait_upcalls:
        push    %rcx
        mov     $100000, %ecx
1:      cmp     %rdi, upcall_count(%rip)
        jae     2f
        pause
        dec     %ecx
        jnz     1b
        xor     %eax, %eax
        pop     %rcx
        ret
2:      mov     $1, %eax
        pop     %rcx
        ret

/* settle: give a wrongly raised upcall the time to show up (a bounded
 * spin; interrupts must be on to see it). */
        .globl  settle
settle:
        push    %rcx
        mov     $2000, %ecx
1:      pause
        loop    1b
        pop     %rcx
        ret

/* port_seen(RDI = port) -> RAX = 1 if the handler took the port since the
 * last call (clears the record). */
        .globl  port_seen
port_seen:
        push    %rcx
        lea     ports_seen(%rip), %rcx
        xor     %eax, %eax
        lock btr %rdi, (%rcx)           /* bit string: any port number */
        setc    %al
        pop     %rcx
        ret

/* clear_seen: forget every port the handler took. */
        .globl  clear_seen
clear_seen:
        push    %rax
        push    %rcx
        push    %rdi
        lea     ports_seen(%rip), %rdi
        mov     $EVTCHN_2L_NR_PORTS / 64, %ecx
        xor     %eax, %eax
        rep stosq
        pop     %rdi
        pop     %rcx
        pop     %rax
        ret

/* port_pending(RDI = port) -> RAX = shared_info evtchn_pending bit. */
        .globl  port_pending
port_pending:
        push    %rcx
        lea     shinfo_page+SHINFO_EVTCHN_PENDING(%rip), %rcx
        xor     %eax, %eax
        bt      %rdi, (%rcx)
        setc    %al
        pop     %rcx
        ret

/* port_mask(RDI = port, RSI = 1 mask / 0 unmask): the guest's own mask bit. */
        .globl  port_mask
port_mask:
        push    %rcx
        lea     shinfo_page+SHINFO_EVTCHN_MASK(%rip), %rcx
        test    %rsi, %rsi
        jz      1f
        lock bts %rdi, (%rcx)
        pop     %rcx
        ret
1:      lock btr %rdi, (%rcx)
        pop     %rcx
        ret

/* check_cmp64(RDI = actual, RSI = bound, RDX = name, RCX = 0 for
 * "actual >= bound", 1 for "actual < bound"), unsigned. A pass goes through
 * check_eq64 (counted and printed the same way); a failure prints both values. */
        .globl  check_cmp64
check_cmp64:
        push    %rdi
        push    %rsi
        push    %rax
        cmp     %rsi, %rdi
        setae   %al
        movzbl  %al, %eax
        xor     %ecx, %eax              /* 1 when the relation holds */
        jz      1f
        mov     %rax, %rdi
        mov     $1, %esi
        call    check_eq64
        jmp     3f
1:      xor     %edi, %edi              /* counts the failure: "FAIL: name: got 0, expected 1" */
        mov     $1, %esi
        call    check_eq64
        lea     msg_cmp_actual(%rip), %rdi
        call    print_str64
        mov     16(%rsp), %rdi
        call    print_hex64
        lea     msg_cmp_ge(%rip), %rdi
        test    %ecx, %ecx
        jz      2f
        lea     msg_cmp_lt(%rip), %rdi
2:      call    print_str64
        mov     8(%rsp), %rdi
        call    print_hex64
        lea     msg_cmp_end(%rip), %rdi
        call    print_str64
3:      pop     %rax
        pop     %rsi
        pop     %rdi
        ret

/* ------------------------------------------------------------------------
 * Hypercall wrappers. Structs live on the stack. */

/* add_to_physmap(RDI = space, RSI = idx, RDX = gpfn) -> RAX */
        .globl  add_to_physmap
add_to_physmap:
        push    %rdi
        push    %rsi
        sub     $XATP_SIZE, %rsp
        movw    $DOMID_SELF, XATP_DOMID(%rsp)
        movw    $0, 2(%rsp)
        mov     %edi, XATP_SPACE(%rsp)
        mov     %rsi, XATP_IDX(%rsp)
        mov     %rdx, XATP_GPFN(%rsp)
        mov     $XENMEM_add_to_physmap, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_memory_op
        add     $XATP_SIZE, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* hvm_get_param(RDI = index) -> RAX = rc, RDX = value */
        .globl  hvm_get_param
hvm_get_param:
        push    %rdi
        push    %rsi
        sub     $16, %rsp
        movq    $0, (%rsp)
        movw    $DOMID_SELF, (%rsp)
        mov     %edi, 4(%rsp)
        movq    $0, 8(%rsp)
        mov     $HVMOP_get_param, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_hvm_op
        mov     8(%rsp), %rdx
        add     $16, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* hvm_set_param(RDI = index, RSI = value) -> RAX */
        .globl  hvm_set_param
hvm_set_param:
        push    %rdi
        push    %rsi
        sub     $16, %rsp
        movq    $0, (%rsp)
        movw    $DOMID_SELF, (%rsp)
        mov     %edi, 4(%rsp)
        mov     %rsi, 8(%rsp)
        mov     $HVMOP_set_param, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_hvm_op
        add     $16, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* set_upcall_vector(RDI = vcpu, RSI = vector) -> RAX */
        .globl  set_upcall_vector
set_upcall_vector:
        push    %rdi
        push    %rsi
        sub     $8, %rsp
        movq    $0, (%rsp)
        mov     %edi, (%rsp)
        mov     %sil, 4(%rsp)
        mov     $HVMOP_set_evtchn_upcall_vector, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_hvm_op
        add     $8, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* evtchn_port_op(RDI = cmd, RSI = the op's one-field struct: a port, a domid
 * or a gfn, stored as a qword) -> RAX */
        .globl  evtchn_port_op
evtchn_port_op:
        push    %rdi
        push    %rsi
        sub     $8, %rsp
        mov     %rsi, (%rsp)
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        add     $8, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* EVTCHN_ONE_FIELD name, cmd: name(RDI = the field) -> RAX, through
 * evtchn_port_op. */
.macro EVTCHN_ONE_FIELD name, cmd
        .globl  \name
\name:
        push    %rdi
        push    %rsi
        mov     %rdi, %rsi
        mov     $\cmd, %edi
        call    evtchn_port_op
        pop     %rsi
        pop     %rdi
        ret
.endm
        EVTCHN_ONE_FIELD evtchn_send, EVTCHNOP_send                 /* (port) */
        EVTCHN_ONE_FIELD evtchn_close, EVTCHNOP_close               /* (port) */
        EVTCHN_ONE_FIELD evtchn_unmask, EVTCHNOP_unmask             /* (port) */
        EVTCHN_ONE_FIELD evtchn_reset, EVTCHNOP_reset               /* (dom) */
        EVTCHN_ONE_FIELD evtchn_expand_array, EVTCHNOP_expand_array /* (array gfn) */

/* evtchn_set_priority(RDI = port, RSI = priority) -> RAX */
        .globl  evtchn_set_priority
evtchn_set_priority:
        push    %rdi
        push    %rsi
        shl     $32, %rsi
        mov     %edi, %edi
        or      %rdi, %rsi              /* {u32 port, u32 priority} */
        mov     $EVTCHNOP_set_priority, %edi
        call    evtchn_port_op
        pop     %rsi
        pop     %rdi
        ret

/* evtchn_init_control(RDI = vcpu, RSI = control gfn, RDX = offset) -> RAX =
 * rc, RDX = link_bits as written back (0xEE if untouched) */
        .globl  evtchn_init_control
evtchn_init_control:
        push    %rdi
        push    %rsi
        sub     $24, %rsp
        mov     %rsi, (%rsp)
        mov     %edx, 8(%rsp)
        mov     %edi, 12(%rsp)
        movq    $0xEE, 16(%rsp)
        mov     $EVTCHNOP_init_control, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        movzbl  16(%rsp), %edx
        add     $24, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* evtchn_bind_ipi(RDI = vcpu) -> RAX = rc, RDX = port */
        .globl  evtchn_bind_ipi
evtchn_bind_ipi:
        push    %rdi
        push    %rsi
        sub     $8, %rsp
        mov     %edi, (%rsp)
        movl    $0, 4(%rsp)
        mov     $EVTCHNOP_bind_ipi, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        mov     4(%rsp), %edx
        add     $8, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* evtchn_bind_virq(RDI = virq, RSI = vcpu) -> RAX = rc, RDX = port */
        .globl  evtchn_bind_virq
evtchn_bind_virq:
        push    %rdi
        push    %rsi
        sub     $16, %rsp
        mov     %edi, (%rsp)
        mov     %esi, 4(%rsp)
        movl    $0, 8(%rsp)
        mov     $EVTCHNOP_bind_virq, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        mov     8(%rsp), %edx
        add     $16, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* evtchn_alloc_unbound(RDI = dom, RSI = remote_dom) -> RAX = rc, RDX = port */
        .globl  evtchn_alloc_unbound
evtchn_alloc_unbound:
        push    %rdi
        push    %rsi
        sub     $8, %rsp
        mov     %di, (%rsp)
        mov     %si, 2(%rsp)
        movl    $0, 4(%rsp)
        mov     $EVTCHNOP_alloc_unbound, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        mov     4(%rsp), %edx
        add     $8, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* evtchn_bind_interdomain(RDI = remote_dom, RSI = remote_port) -> RAX = rc,
 * RDX = local port */
        .globl  evtchn_bind_interdomain
evtchn_bind_interdomain:
        push    %rdi
        push    %rsi
        sub     $16, %rsp
        movq    $0, (%rsp)
        mov     %di, (%rsp)
        mov     %esi, 4(%rsp)
        movl    $0, 8(%rsp)
        mov     $EVTCHNOP_bind_interdomain, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        mov     8(%rsp), %edx
        add     $16, %rsp
        pop     %rsi
        pop     %rdi
        ret

/* evtchn_status(RDI = dom, RSI = port) -> RAX = rc; the struct is left in
 * evtchn_status_buf (status@8, vcpu@12, u@16, u.interdomain.port@20). */
        .globl  evtchn_status
evtchn_status:
        push    %rdi
        push    %rsi
        push    %rcx
        lea     evtchn_status_buf(%rip), %rcx
        movq    $0, (%rcx)
        movq    $-1, 8(%rcx)
        movq    $-1, 16(%rcx)
        mov     %di, (%rcx)
        mov     %esi, 4(%rcx)
        mov     $EVTCHNOP_status, %edi
        mov     %rcx, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        pop     %rcx
        pop     %rsi
        pop     %rdi
        ret

/* ------------------------------------------------------------------------
 * Time */

/* pvclock_now -> RAX = Xen system time (ns) from our vcpu_info's
 * vcpu_time_info: re-read while the version is odd or changed. */
        .globl  pvclock_now
pvclock_now:
        push    %rcx
        push    %rdx
        push    %rsi
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        mov     vcpu_info_ptr(%rip), %rsi
        add     $VCPU_INFO_TIME, %rsi
1:      mov     PVT_VERSION(%rsi), %r8d
        test    $1, %r8d
        jnz     1b
        lfence
        rdtsc
        shl     $32, %rdx
        or      %rax, %rdx
        mov     %rdx, %r9                       /* TSC */
        mov     PVT_TSC_TIMESTAMP(%rsi), %r10
        mov     PVT_SYSTEM_TIME(%rsi), %r11
        mov     PVT_MUL(%rsi), %eax
        movsbl  PVT_SHIFT(%rsi), %ecx
        lfence
        cmp     PVT_VERSION(%rsi), %r8d
        jne     1b
        sub     %r10, %r9                       /* delta */
        test    %ecx, %ecx
        js      2f
        shl     %cl, %r9
        jmp     3f
2:      neg     %ecx
        shr     %cl, %r9
3:      mov     %eax, %eax
        mul     %r9                             /* RDX:RAX = delta * mul */
        shrd    $32, %rdx, %rax
        add     %r11, %rax
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rsi
        pop     %rdx
        pop     %rcx
        ret

/* spin_until(RDI = system time ns): busy-wait on pvclock_now. */
        .globl  spin_until
spin_until:
        push    %rax
1:      call    pvclock_now
        cmp     %rdi, %rax
        jae     2f
        pause
        jmp     1b
2:      pop     %rax
        ret

/* ------------------------------------------------------------------------
 * Command line */

/* cmdline_param(RDI = "key=", RSI = default) -> RAX: the decimal number after
 * the first "key=" that starts the command line or follows a space. */
        .globl  cmdline_param
cmdline_param:
        push    %rbx
        push    %rcx
        push    %rdx
        push    %r8
        push    %r9
        mov     boot_cmdline(%rip), %r8d
        test    %r8d, %r8d
        jz      .Ldefault
        mov     $' ', %dl                /* previous character */
1:      mov     (%r8), %al
        test    %al, %al
        jz      .Ldefault
        cmp     $' ', %dl
        jne     2f
        mov     %rdi, %r9
        mov     %r8, %rcx
3:      mov     (%r9), %al
        test    %al, %al
        jz      .Lnumber
        cmp     (%rcx), %al
        jne     2f
        inc     %r9
        inc     %rcx
        jmp     3b
2:      mov     (%r8), %dl
        inc     %r8
        jmp     1b
.Lnumber:
        xor     %eax, %eax
        xor     %edx, %edx
4:      movzbl  (%rcx), %ebx
        sub     $'0', %ebx
        cmp     $9, %ebx
        ja      5f
        imul    $10, %rax, %rax
        add     %rbx, %rax
        inc     %rcx
        inc     %edx
        jmp     4b
5:      test    %edx, %edx
        jnz     6f
.Ldefault:
        mov     %rsi, %rax
6:      pop     %r9
        pop     %r8
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

/* utoa(RDI = value, RSI = buffer) -> RAX = number of digits: the decimal
 * digits of RDI and a NUL at RSI. */
        .globl  utoa
utoa:
        push    %rcx
        push    %rdx
        push    %rdi
        push    %rsi
        push    %r8
        sub     $24, %rsp
        lea     24(%rsp), %r8
        mov     %rdi, %rax
        mov     $10, %ecx
1:      xor     %edx, %edx
        div     %rcx
        add     $'0', %dl
        dec     %r8
        mov     %dl, (%r8)
        test    %rax, %rax
        jnz     1b
        lea     24(%rsp), %rcx
        sub     %r8, %rcx               /* digits */
        mov     %rcx, %rax
        mov     %rsi, %rdi
        mov     %r8, %rsi
        rep movsb
        movb    $0, (%rdi)
        add     $24, %rsp
        pop     %r8
        pop     %rsi
        pop     %rdi
        pop     %rdx
        pop     %rcx
        ret

/* has_word(RDI = word) -> RAX = 1 when the command line contains it as a
 * whole space-separated word (a flag without "=N"). */
        .globl  has_word
has_word:
        push    %rcx
        push    %rdx
        push    %r8
        push    %r9
        xor     %eax, %eax
        mov     boot_cmdline(%rip), %r8d
        test    %r8d, %r8d
        jz      9f
        mov     $' ', %dl
1:      cmpb    $0, (%r8)
        je      9f
        cmp     $' ', %dl
        jne     2f
        mov     %rdi, %r9
        mov     %r8, %rcx
3:      mov     (%r9), %dl
        test    %dl, %dl
        jz      4f
        cmp     (%rcx), %dl
        jne     2f
        inc     %r9
        inc     %rcx
        jmp     3b
4:      mov     (%rcx), %dl             /* the word must end here */
        test    %dl, %dl
        jz      8f
        cmp     $' ', %dl
        je      8f
2:      mov     (%r8), %dl
        inc     %r8
        jmp     1b
8:      mov     $1, %eax
9:      pop     %r9
        pop     %r8
        pop     %rdx
        pop     %rcx
        ret

        .section .rodata
msg_no_xen:     .asciz "no Xen: the Xen ABI tests need a hypervisor"
msg_cmp_actual: .asciz "  (value "
msg_cmp_ge:     .asciz ", wanted at least "
msg_cmp_lt:     .asciz ", wanted below "
msg_cmp_end:    .asciz ")\n"

        .data
        .balign 8
        .globl  vcpu_info_ptr, upcall_count, vector_upcalls, callback_upcalls
        .globl  upcall_tsc, last_pending_sel, last_port, port_events
        .globl  xapic_eois, x2apic_eois, spurious_count, evtchn_status_buf
vcpu_info_ptr:  .quad 0         /* where our vcpu_info is (shared_info slot 0 or registered) */
upcall_count:   .quad 0         /* upcalls taken, either vector */
vector_upcalls: .quad 0         /* through UPCALL_VECTOR (per-vCPU, LAPIC) */
callback_upcalls: .quad 0       /* through CALLBACK_VECTOR (CALLBACK_IRQ type 2) */
upcall_tsc:     .quad 0         /* TSC at the start of the last upcall */
last_pending_sel: .quad 0       /* pending_sel the last upcall exchanged */
last_port:      .quad 0         /* the last port the handler took */
port_events:    .quad 0         /* ports taken, over all upcalls */
xapic_eois:     .quad 0
x2apic_eois:    .quad 0
spurious_count: .quad 0
evtchn_status_buf: .skip 24

        .bss
        .balign 4096
        .globl  shinfo_page, ports_seen, scratch_pages
shinfo_page:    .skip 4096      /* shared_info is overlaid here */
scratch_pages:  .skip 4 * 4096  /* guest pages for registrations, grants, copies */
ports_seen:     .skip EVTCHN_2L_NR_PORTS / 8
