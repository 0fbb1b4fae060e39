/* xen_evtchn.elf (64-bit): 2-level event channels through real hypercalls.
 * Reference: xen-pvh-abi.md section 6, xen/include/public/event_channel.h.
 *
 *   1. bad arguments first: bad ports, VIRQs, vCPUs, domains, upcall vectors,
 *      a pointer that does not translate, a FIFO init_control for a vCPU we do
 *      not have (which leaves the domain on 2-level; xen_evtchn_fifo.S tests
 *      FIFO): each returns its errno and the guest keeps going;
 *   2. HVM_PARAM_CALLBACK_IRQ type 2 (vector 0xF2, no LAPIC): an IPI port
 *      sent to itself raises the upcall; with IF=0 it waits for STI; a masked
 *      port stays pending without an upcall until EVTCHNOP_unmask re-raises;
 *   3. HVMOP_set_evtchn_upcall_vector (0xF3, through the LAPIC, EOI'd by the
 *      handler over xAPIC MMIO): it wins over CALLBACK_IRQ, and a second
 *      upcall arrives only because the first was EOI'd; then Linux's
 *      CALLBACK_IRQ = 1 ("look enlightened") changes nothing;
 *   4. an interdomain loopback (alloc_unbound + bind_interdomain to
 *      ourselves): status on both ends, sends each way, close returns the peer
 *      to unbound; VIRQ binding; bind_vcpu rules;
 *   5. x2APIC: the handler EOIs through MSR 0x80B;
 *   6. VCPUOP_register_vcpu_info: the vcpu_info moves into our RAM, Xen
 *      forces an upcall there and keeps delivering there.
 * Prints one PASS/FAIL line per check, then PASS + poweroff or FAIL + crash. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"

/* An address past the guest's 4 GiB identity map: no translation (-EFAULT). */
#define UNMAPPED_GVA            0x100000000

/* SEND_RAISES send_port, raised_port, "name": EVTCHNOP_send on send_port
 * returns 0, one more upcall arrives, and the handler took raised_port. */
.macro SEND_RAISES send_port, raised_port, name
        mov     upcall_count(%rip), %rbx
        inc     %rbx
        mov     \send_port, %rdi
        call    evtchn_send
        CHECK_RC $0, "\name: EVTCHNOP_send returns 0"
        WAIT_UPCALLS %rbx, "\name: an upcall arrives"
        mov     \raised_port, %rdi
        call    port_seen
        CHECK   %rax, $1, "\name: the handler finds the port pending"
.endm

/* SEND_EXPECT port, "name": an IPI-style send that raises the port itself. */
.macro SEND_EXPECT port, name
        SEND_RAISES \port, \port, "\name"
.endm

/* EXPECT_SEEN port, "name": the handler took `port` (an upcall already ran). */
.macro EXPECT_SEEN port, name
        mov     \port, %rdi
        call    port_seen
        CHECK   %rax, $1, "\name"
.endm

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init

        /* Our domid and the upcall-vector feature from CPUID base+4. */
        mov     $0x40000004, %eax
        xor     %ecx, %ecx
        cpuid
        mov     %rcx, domid(%rip)
        CHECK_BITS %rax, $XEN_HVM_CPUID_UPCALL_VECTOR, $XEN_HVM_CPUID_UPCALL_VECTOR, "CPUID base+4 advertises per-vCPU upcall vectors"
        CHECK_BITS %rax, $XEN_HVM_CPUID_DOMID_PRESENT, $XEN_HVM_CPUID_DOMID_PRESENT, "CPUID base+4 gives the domid"

        call    bad_arguments
        call    callback_irq_phase
        call    upcall_vector_phase
        call    loopback_phase
        call    virq_phase
        call    x2apic_phase
        call    vcpu_info_phase
        jmp     test_finish

/* ------------------------------------------------------------------------ */
bad_arguments:
        movl    $5, scratch_pages+12(%rip)      /* evtchn_init_control.vcpu */
        mov     $EVTCHNOP_init_control, %edi
        lea     scratch_pages(%rip), %rsi
        HCALL   __HYPERVISOR_event_channel_op
        CHECK_RC $-ENOENT, "EVTCHNOP_init_control (FIFO) for vCPU 5: -ENOENT, still 2-level"
        movl    $0, scratch_pages+12(%rip)
        mov     $99, %edi
        lea     scratch_pages(%rip), %rsi
        HCALL   __HYPERVISOR_event_channel_op
        CHECK_RC $-ENOSYS, "event_channel_op 99: -ENOSYS"
        xor     %edi, %edi
        call    evtchn_send
        CHECK_RC $-EINVAL, "send on port 0 (reserved): -EINVAL"
        mov     $EVTCHN_2L_NR_PORTS, %edi
        call    evtchn_send
        CHECK_RC $-EINVAL, "send on port 4096 (beyond 2-level): -EINVAL"
        mov     $-1, %edi
        call    evtchn_send
        CHECK_RC $-EINVAL, "send on port 0xffffffff: -EINVAL"
        mov     $1000, %edi
        call    evtchn_send
        CHECK_RC $-EINVAL, "send on an unallocated port: -EINVAL"
        mov     $1000, %edi
        call    evtchn_close
        CHECK_RC $-EINVAL, "close an unallocated port: -EINVAL"
        mov     $5000, %edi
        call    evtchn_unmask
        CHECK_RC $-EINVAL, "unmask port 5000: -EINVAL"
        mov     $NR_VIRQS, %edi
        xor     %esi, %esi
        call    evtchn_bind_virq
        CHECK_RC $-EINVAL, "bind_virq 24 (no such VIRQ): -EINVAL"
        mov     $VIRQ_CONSOLE, %edi
        mov     $1, %esi
        call    evtchn_bind_virq
        CHECK_RC $-EINVAL, "bind_virq of a global VIRQ on vCPU 1: -EINVAL"
        mov     $VIRQ_TIMER, %edi
        mov     $5, %esi
        call    evtchn_bind_virq
        CHECK_RC $-ENOENT, "bind_virq on vCPU 5 (no such vCPU): -ENOENT"
        mov     $1, %edi
        call    evtchn_bind_ipi
        CHECK_RC $-ENOENT, "bind_ipi on vCPU 1 (no such vCPU): -ENOENT"
        mov     $5, %edi
        mov     $DOMID_SELF, %esi
        call    evtchn_alloc_unbound
        CHECK_RC $-ESRCH, "alloc_unbound for domain 5: -ESRCH"
        mov     $DOMID_SELF, %edi
        mov     $5, %esi
        call    evtchn_alloc_unbound
        CHECK_RC $-EPERM, "alloc_unbound with remote domain 5: -EPERM"
        mov     $5, %edi
        mov     $1, %esi
        call    evtchn_bind_interdomain
        CHECK_RC $-ESRCH, "bind_interdomain to domain 5: -ESRCH"
        mov     $DOMID_SELF, %edi
        mov     $1000, %esi
        call    evtchn_bind_interdomain
        CHECK_RC $-EINVAL, "bind_interdomain to an unallocated port of ours: -EINVAL"
        mov     $5, %edi
        mov     $1, %esi
        call    evtchn_status
        CHECK_RC $-ESRCH, "status of domain 5's port: -ESRCH"
        mov     $DOMID_SELF, %edi
        mov     $1000, %esi
        call    evtchn_status
        CHECK_RC $0, "status of a free port: 0"
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_closed, "status of a free port: closed"
        xor     %edi, %edi
        mov     $0x0F, %esi
        call    set_upcall_vector
        CHECK_RC $-EINVAL, "upcall vector 0x0f (below 0x10): -EINVAL"
        mov     $1, %edi
        mov     $UPCALL_VECTOR, %esi
        call    set_upcall_vector
        CHECK_RC $-ENOENT, "upcall vector for vCPU 1: -ENOENT"
        mov     $EVTCHNOP_send, %edi
        mov     $UNMAPPED_GVA, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        CHECK_RC $-EFAULT, "send with an argument pointer that does not translate: -EFAULT"
        mov     $EVTCHNOP_bind_ipi, %edi
        mov     $UNMAPPED_GVA - 4, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        CHECK_RC $-EFAULT, "bind_ipi with its struct straddling the end of the map: -EFAULT"
        ret

/* ------------------------------------------------------------------------ */
callback_irq_phase:
        mov     $HVM_PARAM_CALLBACK_IRQ, %edi
        mov     $((HVM_CALLBACK_TYPE_VECTOR << HVM_CALLBACK_TYPE_VECTOR_SHIFT) | CALLBACK_VECTOR), %rsi
        call    hvm_set_param
        CHECK_RC $0, "HVM_PARAM_CALLBACK_IRQ = vector 0xf2 (type 2)"
        mov     $HVM_PARAM_CALLBACK_IRQ, %edi
        call    hvm_get_param
        CHECK_RC $0, "get_param CALLBACK_IRQ"
        mov     $((HVM_CALLBACK_TYPE_VECTOR << HVM_CALLBACK_TYPE_VECTOR_SHIFT) | CALLBACK_VECTOR), %rax
        CHECK   %rdx, %rax, "get_param CALLBACK_IRQ reads back what was set"

        xor     %edi, %edi
        call    evtchn_bind_ipi
        CHECK_RC $0, "bind_ipi on vCPU 0"
        mov     %rdx, ipi_port(%rip)
        CHECK_BITS %rdx, $-4096, $0, "bind_ipi gives a 2-level port"
        mov     $DOMID_SELF, %edi
        mov     ipi_port(%rip), %rsi
        call    evtchn_status
        CHECK_RC $0, "status of the IPI port"
        mov     evtchn_status_buf+8(%rip), %rax
        CHECK   %rax, $EVTCHNSTAT_ipi, "status: ipi on vCPU 0"

        sti
        SEND_EXPECT ipi_port(%rip), "IPI via CALLBACK_IRQ type 2"
        CHECK   callback_upcalls(%rip), $1, "the upcall came through vector 0xf2"
        CHECK   vector_upcalls(%rip), $0, "nothing through the per-vCPU vector yet"
        mov     ipi_port(%rip), %rdi
        call    port_pending
        CHECK   %rax, $0, "the handler cleared the pending bit"
        mov     vcpu_info_ptr(%rip), %rax
        movzbl  VCPU_INFO_UPCALL_PENDING(%rax), %eax
        CHECK   %rax, $0, "upcall_pending is clear after the handler"

        /* With IF=0 the event waits: upcall_pending and the pending bit stay set. */
        cli
        mov     upcall_count(%rip), %rbx
        mov     ipi_port(%rip), %rdi
        call    evtchn_send
        CHECK_RC $0, "send with interrupts off"
        call    settle
        CHECK   upcall_count(%rip), %rbx, "no upcall while IF=0"
        mov     vcpu_info_ptr(%rip), %rax
        movzbl  VCPU_INFO_UPCALL_PENDING(%rax), %eax
        CHECK   %rax, $1, "upcall_pending set while IF=0"
        mov     ipi_port(%rip), %rdi
        call    port_pending
        CHECK   %rax, $1, "the port is pending while IF=0"
        sti
        nop
        inc     %rbx
        WAIT_UPCALLS %rbx, "STI delivers the waiting upcall"
        EXPECT_SEEN ipi_port(%rip), "the waiting upcall finds the port"

        /* Masking: a masked port goes pending without an upcall. */
        mov     ipi_port(%rip), %rdi
        mov     $1, %esi
        call    port_mask
        mov     upcall_count(%rip), %rbx
        mov     ipi_port(%rip), %rdi
        call    evtchn_send
        CHECK_RC $0, "send on a masked port returns 0"
        call    settle
        CHECK   upcall_count(%rip), %rbx, "masked port: no upcall"
        mov     ipi_port(%rip), %rdi
        call    port_pending
        CHECK   %rax, $1, "masked port: pending bit set"
        mov     vcpu_info_ptr(%rip), %rax
        movzbl  VCPU_INFO_UPCALL_PENDING(%rax), %eax
        CHECK   %rax, $0, "masked port: upcall_pending stays clear"
        /* EVTCHNOP_unmask clears the mask and re-raises the pending port. */
        inc     %rbx
        mov     ipi_port(%rip), %rdi
        call    evtchn_unmask
        CHECK_RC $0, "EVTCHNOP_unmask"
        WAIT_UPCALLS %rbx, "unmask of a pending port raises the upcall"
        EXPECT_SEEN ipi_port(%rip), "the re-raised upcall finds the port"
        lea     shinfo_page+SHINFO_EVTCHN_MASK(%rip), %rax
        mov     ipi_port(%rip), %rcx
        xor     %edx, %edx
        bt      %rcx, (%rax)
        setc    %dl
        CHECK   %rdx, $0, "unmask cleared the mask bit"
        /* Unmasking a port that is not masked is a no-op. */
        mov     upcall_count(%rip), %rbx
        mov     ipi_port(%rip), %rdi
        call    evtchn_unmask
        CHECK_RC $0, "unmask of an unmasked port: 0"
        call    settle
        CHECK   upcall_count(%rip), %rbx, "unmask of an idle port raises nothing"
        ret

/* ------------------------------------------------------------------------ */
upcall_vector_phase:
        xor     %edi, %edi
        mov     $UPCALL_VECTOR, %esi
        call    set_upcall_vector
        CHECK_RC $0, "HVMOP_set_evtchn_upcall_vector(vCPU 0, 0xf3)"
        mov     callback_upcalls(%rip), %r12
        SEND_EXPECT ipi_port(%rip), "IPI via the per-vCPU vector"
        CHECK   vector_upcalls(%rip), $1, "the upcall came through vector 0xf3"
        CHECK   callback_upcalls(%rip), %r12, "the per-vCPU vector wins over CALLBACK_IRQ"
        CHECK   xapic_eois(%rip), $1, "the handler EOI'd through xAPIC MMIO"
        SEND_EXPECT ipi_port(%rip), "a second IPI (needs the first EOI)"
        CHECK   vector_upcalls(%rip), $2, "two upcalls through vector 0xf3"

        /* Linux then writes CALLBACK_IRQ = 1 (GSI 1) to look enlightened. */
        mov     $HVM_PARAM_CALLBACK_IRQ, %edi
        mov     $1, %esi
        call    hvm_set_param
        CHECK_RC $0, "CALLBACK_IRQ = 1 after the per-vCPU vector"
        SEND_EXPECT ipi_port(%rip), "IPI after CALLBACK_IRQ = 1"
        CHECK   vector_upcalls(%rip), $3, "still through vector 0xf3"
        CHECK   callback_upcalls(%rip), %r12, "still nothing through 0xf2"

        /* Several sends before the handler runs: one upcall, one port. */
        cli
        mov     upcall_count(%rip), %rbx
        mov     ipi_port(%rip), %rdi
        call    evtchn_send
        call    evtchn_send
        call    evtchn_send
        sti
        nop
        inc     %rbx
        WAIT_UPCALLS %rbx, "three sends with IF=0: an upcall after STI"
        call    settle
        CHECK   upcall_count(%rip), %rbx, "three sends with IF=0: exactly one upcall"
        EXPECT_SEEN ipi_port(%rip), "three sends with IF=0: the port"
        ret

/* ------------------------------------------------------------------------ */
loopback_phase:
        mov     $DOMID_SELF, %edi
        mov     $DOMID_SELF, %esi
        call    evtchn_alloc_unbound
        CHECK_RC $0, "alloc_unbound(self, remote self)"
        mov     %rdx, port_a(%rip)
        mov     $DOMID_SELF, %edi
        mov     port_a(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_unbound, "status: unbound"
        mov     evtchn_status_buf+16(%rip), %eax
        CHECK   %rax, domid(%rip), "status: unbound, remote domain is our domid"

        mov     upcall_count(%rip), %rbx
        mov     port_a(%rip), %rdi
        call    evtchn_send
        CHECK_RC $0, "send on an unbound port: 0 (dropped)"
        call    settle
        CHECK   upcall_count(%rip), %rbx, "send on an unbound port: no upcall"

        inc     %rbx
        mov     $DOMID_SELF, %edi
        mov     port_a(%rip), %rsi
        call    evtchn_bind_interdomain
        CHECK_RC $0, "bind_interdomain(self, the unbound port)"
        mov     %rdx, port_b(%rip)
        WAIT_UPCALLS %rbx, "bind_interdomain sets the new end pending (lost notifications)"
        EXPECT_SEEN port_b(%rip), "the upcall after bind_interdomain finds the new end"

        mov     $DOMID_SELF, %edi
        mov     port_a(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_interdomain, "status of the first end: interdomain"
        mov     evtchn_status_buf+16(%rip), %eax
        CHECK   %rax, domid(%rip), "status of the first end: peer domain is us"
        mov     evtchn_status_buf+20(%rip), %eax
        CHECK   %rax, port_b(%rip), "status of the first end: peer port is the second"
        mov     $DOMID_SELF, %edi
        mov     port_b(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_interdomain, "status of the second end: interdomain"
        mov     evtchn_status_buf+20(%rip), %eax
        CHECK   %rax, port_a(%rip), "status of the second end: peer port is the first"

        SEND_RAISES port_a(%rip), port_b(%rip), "loopback: send on the first end raises the second"
        mov     port_a(%rip), %rdi
        call    port_seen
        CHECK   %rax, $0, "loopback: the sending end is not raised"
        SEND_RAISES port_b(%rip), port_a(%rip), "loopback: send on the second end raises the first"

        mov     $DOMID_SELF, %edi
        mov     port_a(%rip), %rsi
        call    evtchn_bind_interdomain
        CHECK_RC $-EINVAL, "bind_interdomain to a port that is already bound: -EINVAL"

        mov     port_b(%rip), %rdi
        call    evtchn_close
        CHECK_RC $0, "close the second end"
        mov     $DOMID_SELF, %edi
        mov     port_a(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_unbound, "closing one end returns the other to unbound"
        mov     $DOMID_SELF, %edi
        mov     port_b(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_closed, "the closed end's status: closed"
        mov     port_b(%rip), %rdi
        call    evtchn_close
        CHECK_RC $-EINVAL, "close it again: -EINVAL"
        mov     port_b(%rip), %rdi
        call    evtchn_send
        CHECK_RC $-EINVAL, "send on the closed port: -EINVAL"
        mov     upcall_count(%rip), %rbx
        mov     port_a(%rip), %rdi
        call    evtchn_send
        CHECK_RC $0, "send on the end left unbound: 0"
        call    settle
        CHECK   upcall_count(%rip), %rbx, "send on the end left unbound: no upcall"
        mov     port_a(%rip), %rdi
        call    evtchn_close
        CHECK_RC $0, "close the first end"

        /* A closed port number is free again: the lowest free port is reused. */
        mov     $DOMID_SELF, %edi
        mov     $DOMID_SELF, %esi
        call    evtchn_alloc_unbound
        CHECK_RC $0, "alloc_unbound after the closes"
        mov     port_a(%rip), %rax
        cmp     port_b(%rip), %rax
        jb      1f
        mov     port_b(%rip), %rax
1:      CHECK   %rdx, %rax, "the lowest closed port number is reused"
        mov     %rdx, %rdi
        call    evtchn_close
        CHECK_RC $0, "close it"
        ret

/* ------------------------------------------------------------------------ */
virq_phase:
        mov     $VIRQ_TIMER, %edi
        xor     %esi, %esi
        call    evtchn_bind_virq
        CHECK_RC $0, "bind_virq(VIRQ_TIMER, vCPU 0)"
        mov     %rdx, virq_port(%rip)
        mov     $VIRQ_TIMER, %edi
        xor     %esi, %esi
        call    evtchn_bind_virq
        CHECK_RC $-EEXIST, "bind the same VIRQ again: -EEXIST"
        mov     $DOMID_SELF, %edi
        mov     virq_port(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_virq, "status: virq"
        mov     evtchn_status_buf+16(%rip), %eax
        CHECK   %rax, $VIRQ_TIMER, "status: virq is VIRQ_TIMER"
        mov     virq_port(%rip), %rdi
        call    evtchn_send
        CHECK_RC $-EINVAL, "send on a VIRQ port: -EINVAL"

        /* bind_vcpu: per-vCPU VIRQs and IPIs cannot move; bad vCPU -ENOENT. */
        sub     $8, %rsp
        mov     virq_port(%rip), %eax
        mov     %eax, (%rsp)
        movl    $0, 4(%rsp)
        mov     $EVTCHNOP_bind_vcpu, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        CHECK_RC $-EINVAL, "bind_vcpu of a per-vCPU VIRQ: -EINVAL"
        mov     ipi_port(%rip), %eax
        mov     %eax, (%rsp)
        mov     $EVTCHNOP_bind_vcpu, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        CHECK_RC $-EINVAL, "bind_vcpu of an IPI port: -EINVAL"
        movl    $1, 4(%rsp)
        mov     $EVTCHNOP_bind_vcpu, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_event_channel_op
        CHECK_RC $-ENOENT, "bind_vcpu to vCPU 1: -ENOENT"
        add     $8, %rsp

        mov     virq_port(%rip), %rdi
        call    evtchn_close
        CHECK_RC $0, "close the VIRQ port"
        mov     $VIRQ_TIMER, %edi
        xor     %esi, %esi
        call    evtchn_bind_virq
        CHECK_RC $0, "the VIRQ can be bound again after close"
        mov     %rdx, %rdi
        call    evtchn_close
        CHECK_RC $0, "close it"
        ret

/* ------------------------------------------------------------------------ */
x2apic_phase:
        mov     $MSR_APIC_BASE, %ecx
        rdmsr
        or      $APIC_BASE_EXTD, %eax
        wrmsr
        mov     $MSR_X2APIC_SVR, %ecx
        mov     $APIC_SVR_ENABLE_SPURIOUS, %eax
        xor     %edx, %edx
        wrmsr
        mov     x2apic_eois(%rip), %r12
        SEND_EXPECT ipi_port(%rip), "IPI with the LAPIC in x2APIC mode"
        inc     %r12
        CHECK   x2apic_eois(%rip), %r12, "the handler EOI'd through MSR 0x80b"
        SEND_EXPECT ipi_port(%rip), "a second IPI in x2APIC mode (needs that EOI)"
        ret

/* ------------------------------------------------------------------------ */
vcpu_info_phase:
        /* Misaligned and page-crossing placements are refused. */
        lea     scratch_pages(%rip), %rax
        shr     $12, %rax
        mov     $3, %edx
        call    register_vcpu_info
        CHECK_RC $-ENXIO, "register_vcpu_info at offset 3 (misaligned): -ENXIO"
        lea     scratch_pages(%rip), %rax
        shr     $12, %rax
        mov     $4064, %edx
        call    register_vcpu_info
        CHECK_RC $-ENXIO, "register_vcpu_info crossing the page: -ENXIO"
        mov     $1, %edi
        sub     $16, %rsp
        lea     scratch_pages(%rip), %rax
        shr     $12, %rax
        mov     %rax, (%rsp)
        movq    $64, 8(%rsp)
        mov     $VCPUOP_register_vcpu_info, %edi
        mov     $1, %esi
        mov     %rsp, %rdx
        HCALL   __HYPERVISOR_vcpu_op
        add     $16, %rsp
        CHECK_RC $-ENOENT, "register_vcpu_info for vCPU 1: -ENOENT"

        /* The real one: the handler must look there from now on. */
        call    pvclock_now
        mov     %rax, %r13
        cli
        mov     upcall_count(%rip), %rbx
        inc     %rbx
        lea     scratch_pages+64(%rip), %rax
        mov     %rax, vcpu_info_ptr(%rip)
        lea     scratch_pages(%rip), %rax
        shr     $12, %rax
        mov     $64, %edx
        call    register_vcpu_info
        CHECK_RC $0, "register_vcpu_info in our RAM (page offset 64)"
        lea     scratch_pages+64(%rip), %rax
        movzbl  VCPU_INFO_UPCALL_PENDING(%rax), %eax
        CHECK   %rax, $1, "registration sets upcall_pending in the new vcpu_info"
        sti
        nop
        WAIT_UPCALLS %rbx, "registration forces an upcall"
        CHECK   last_pending_sel(%rip), $-1, "registration sets every pending_sel bit"
        call    pvclock_now
        cmp     %r13, %rax
        setae   %al
        movzbl  %al, %eax
        CHECK   %rax, $1, "the time info was carried into the new vcpu_info"
        SEND_EXPECT ipi_port(%rip), "IPI with the registered vcpu_info"
        lea     scratch_pages(%rip), %rax
        shr     $12, %rax
        mov     $128, %edx
        call    register_vcpu_info
        CHECK_RC $-EBUSY, "a second register_vcpu_info: -EBUSY"

        mov     ipi_port(%rip), %rdi
        call    evtchn_close
        CHECK_RC $0, "close the IPI port"
        ret

/* register_vcpu_info(RAX = gfn, RDX = offset) -> RAX, for vCPU 0. */
register_vcpu_info:
        push    %rdi
        push    %rsi
        push    %rdx
        sub     $16, %rsp
        mov     %rax, (%rsp)
        mov     %edx, 8(%rsp)
        movl    $0, 12(%rsp)
        mov     $VCPUOP_register_vcpu_info, %edi
        xor     %esi, %esi
        mov     %rsp, %rdx
        HCALL   __HYPERVISOR_vcpu_op
        add     $16, %rsp
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

        .section .rodata
name:   .asciz "xen_evtchn"

        .data
        .balign 8
domid:      .quad 0
ipi_port:   .quad 0
port_a:     .quad 0
port_b:     .quad 0
virq_port:  .quad 0
