/* Shared definitions of the Xen ABI test guests (xen_*.S, bench_xen_*.S), on
 * top of pvh.h and cpu_test.h: hypercall and sub-op numbers, struct offsets,
 * errno values, and the vectors lib/xen_test.S installs. Numbers come from
 * Xen's public headers (xen.h, memory.h, hvm/hvm_op.h, hvm/params.h,
 * event_channel.h, grant_table.h, vcpu.h, sched.h, io/xs_wire.h,
 * io/console.h); ../../../../shared/reference/xen-pvh-abi.md explains each. */
#ifndef XPVH_GUEST_XEN_TEST_H
#define XPVH_GUEST_XEN_TEST_H

/* Hypercall numbers (xen.h) not already in pvh.h. */
#define __HYPERVISOR_memory_op          12
#define __HYPERVISOR_multicall          13
#define __HYPERVISOR_set_timer_op       15
#define __HYPERVISOR_grant_table_op     20
#define __HYPERVISOR_vm_assist          21
#define __HYPERVISOR_vcpu_op            24
#define __HYPERVISOR_event_channel_op   32
#define __HYPERVISOR_physdev_op         33
#define __HYPERVISOR_hvm_op             34

/* Domain ids (xen.h). */
#define DOMID_SELF              0x7FF0
#define DOMID_HOST              0       /* the host plays dom0 */

/* errno values as the hypercalls return them (negated). */
#define EPERM                   1
#define ENOENT                  2
#define ESRCH                   3
#define ENXIO                   6
#define EFAULT                  14
#define EBUSY                   16
#define EEXIST                  17
#define EINVAL                  22
#define ENOSYS                  38
#define ETIME                   62
#define EOPNOTSUPP              95

/* memory_op: XENMEM_add_to_physmap {u16 domid@0, u16 size@2, u32 space@4,
 * u64 idx@8, u64 gpfn@16} = 24 bytes. */
#define XENMEM_add_to_physmap   7
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XATP_DOMID              0
#define XATP_SPACE              4
#define XATP_IDX                8
#define XATP_GPFN               16
#define XATP_SIZE               24

/* hvm_op: xen_hvm_param {u16 domid@0, u32 index@4, u64 value@8} = 16 bytes;
 * set_evtchn_upcall_vector {u32 vcpu@0, u8 vector@4} = 8 bytes. */
#define HVMOP_set_param         0
#define HVMOP_get_param         1
#define HVMOP_set_evtchn_upcall_vector 23
#define HVM_PARAM_CALLBACK_IRQ  0
#define HVM_PARAM_STORE_PFN     1
#define HVM_PARAM_STORE_EVTCHN  2
#define HVM_PARAM_CONSOLE_PFN   17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS           39
#define HVM_CALLBACK_TYPE_VECTOR_SHIFT 56
#define HVM_CALLBACK_TYPE_VECTOR 2

/* event_channel_op commands and their structs (all fields u16/u32). */
#define EVTCHNOP_bind_interdomain 0     /* remote_dom@0 remote_port@4 local_port@8 */
#define EVTCHNOP_bind_virq      1       /* virq@0 vcpu@4 port@8 */
#define EVTCHNOP_close          3       /* port@0 */
#define EVTCHNOP_send           4       /* port@0 */
#define EVTCHNOP_status         5       /* dom@0 port@4 status@8 vcpu@12 u@16 (u.interdomain.port@20) */
#define EVTCHNOP_alloc_unbound  6       /* dom@0 remote_dom@2 port@4 */
#define EVTCHNOP_bind_ipi       7       /* vcpu@0 port@4 */
#define EVTCHNOP_bind_vcpu      8       /* port@0 vcpu@4 */
#define EVTCHNOP_unmask         9       /* port@0 */
#define EVTCHNOP_reset          10      /* dom@0 */
#define EVTCHNOP_init_control   11      /* control_gfn@0 (u64) offset@8 vcpu@12 link_bits@16 (OUT) = 24 */
#define EVTCHNOP_expand_array   12      /* array_gfn@0 (u64) */
#define EVTCHNOP_set_priority   13      /* port@0 priority@4 */
#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5
#define VIRQ_TIMER              0
#define VIRQ_CONSOLE            2       /* global: vCPU 0 only */
#define NR_VIRQS                24
#define EVTCHN_2L_NR_PORTS      4096    /* 64-bit shared_info layout */

/* The FIFO ABI: event words (one u32 per port, 1024 per array page) and the
 * per-vCPU control block {u32 ready, u32 _rsvd, u32 head[16]}. */
#define EVTCHN_FIFO_PENDING     31
#define EVTCHN_FIFO_MASKED      30
#define EVTCHN_FIFO_LINKED      29
#define EVTCHN_FIFO_BUSY        28
#define EVTCHN_FIFO_LINK_BITS   17
#define EVTCHN_FIFO_LINK_MASK   0x1FFFF
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN 15
#define EVTCHN_FIFO_WORDS_PER_PAGE 1024
#define FIFO_CB_READY           0
#define FIFO_CB_HEAD            8       /* + 4 * priority */
#define FIFO_CB_SIZE            72

/* sched_op. sched_poll {u64 ports handle@0, u32 nr_ports@8, u64 timeout@16}. */
#define SCHEDOP_yield           0
#define SCHEDOP_block           1
#define SCHEDOP_poll            3

/* vcpu_op(cmd, vcpuid, arg). */
#define VCPUOP_set_periodic_timer 6     /* {u64 period_ns} */
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8   /* {u64 timeout_abs_ns, u32 flags} */
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10    /* {u64 mfn, u32 offset, u32 rsvd} */
#define VCPU_SSHOTTMR_future    1

/* grant_table_op(cmd, uop, count). */
#define GNTTABOP_map_grant_ref  0
#define GNTTABOP_copy           5
#define GNTTABOP_query_size     6       /* dom@0 nr_frames@4 max_nr_frames@8 status(i16)@12 */
#define GNTTABOP_set_version    8       /* version@0 */
#define GNTTABOP_get_version    10      /* dom@0 version@4 */
/* gnttab_copy (40 bytes): source {u64 u@0, u16 domid@8, u16 offset@10},
 * dest {@16, @24, @26}, u16 len@32, u16 flags@34, i16 status@36. */
#define GNTCOPY_SRC_U           0
#define GNTCOPY_SRC_DOMID       8
#define GNTCOPY_SRC_OFFSET      10
#define GNTCOPY_DST_U           16
#define GNTCOPY_DST_DOMID       24
#define GNTCOPY_DST_OFFSET      26
#define GNTCOPY_LEN             32
#define GNTCOPY_FLAGS           34
#define GNTCOPY_STATUS          36
#define GNTCOPY_SIZE            40
#define GNTCOPY_source_gref     1
#define GNTCOPY_dest_gref       2
/* grant_entry_v1 {u16 flags, u16 domid, u32 frame}, 512 per frame. */
#define GTF_permit_access       1
#define GTF_readonly            4
#define GTF_reading             8
#define GTF_writing             16
#define GNTTAB_ENTRIES_PER_FRAME 512
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1
#define GNTST_okay              0
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)

/* shared_info (64-bit layout) and vcpu_info. */
#define SHINFO_EVTCHN_PENDING   2048
#define SHINFO_EVTCHN_MASK      2560
#define VCPU_INFO_UPCALL_PENDING 0
#define VCPU_INFO_PENDING_SEL   8
#define VCPU_INFO_TIME          32
#define VCPU_INFO_SIZE          64
/* vcpu_time_info, at vcpu_info + VCPU_INFO_TIME. */
#define PVT_VERSION             0
#define PVT_TSC_TIMESTAMP       8
#define PVT_SYSTEM_TIME         16
#define PVT_MUL                 24
#define PVT_SHIFT               28

/* Xen CPUID leaf base+4 (HVM features). */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT   (1 << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT     (1 << 4)
#define XEN_HVM_CPUID_UPCALL_VECTOR     (1 << 6)

/* xenstore_domain_interface (io/xs_wire.h). */
#define XS_RING_SIZE            1024
#define XS_REQ                  0
#define XS_RSP                  1024
#define XS_REQ_CONS             2048
#define XS_REQ_PROD             2052
#define XS_RSP_CONS             2056
#define XS_RSP_PROD             2060
#define XS_SERVER_FEATURES      2064
#define XS_CONNECTION           2068
#define XS_ERROR                2072
#define XSD_HEADER_SIZE         16
#define XS_DIRECTORY            1
#define XS_READ                 2
#define XS_WATCH                4
#define XS_UNWATCH              5
#define XS_TRANSACTION_START    6
#define XS_TRANSACTION_END      7
#define XS_WRITE                11
#define XS_RM                   13
#define XS_WATCH_EVENT          15
#define XS_ERROR_TYPE           16

/* xencons_interface (io/console.h). */
#define XENCONS_IN              0
#define XENCONS_IN_SIZE         1024
#define XENCONS_OUT             1024
#define XENCONS_OUT_SIZE        2048
#define XENCONS_IN_CONS         3072
#define XENCONS_IN_PROD         3076
#define XENCONS_OUT_CONS        3080
#define XENCONS_OUT_PROD        3084
#define CONSOLEIO_read          1

/* Local APIC: xAPIC MMIO page and the x2APIC MSRs. */
#define MSR_APIC_BASE           0x1B
#define APIC_BASE_EXTD          (1 << 10)
#define APIC_BASE_EN            (1 << 11)
#define XAPIC_MMIO              0xFEE00000
#define APIC_EOI                0xB0
#define APIC_SVR                0xF0
#define MSR_X2APIC_EOI          0x80B
#define MSR_X2APIC_SVR          0x80F
#define APIC_SVR_ENABLE_SPURIOUS 0x1FF  /* enabled, spurious vector 0xFF */

/* Vectors of lib/xen_test.S: the per-vCPU upcall vector (EOI'd through the
 * LAPIC) and the CALLBACK_IRQ type 2 vector (no EOI), as Linux uses 0xF3. */
#define UPCALL_VECTOR           0xF3
#define CALLBACK_VECTOR         0xF2

#ifdef __ASSEMBLER__
/* HCALL nr: hypercall nr through the hypercall page with the arguments
 * already in RDI, RSI, RDX, R10, R8; result in RAX; every other register is
 * preserved (lib/xen_test.S: hcall). */
.macro HCALL nr
        mov     $\nr, %eax
        call    hcall
.endm

/* CHECK_AT_LEAST actual, bound, "name": unsigned actual >= bound.
 * CHECK_BELOW actual, bound, "name": unsigned actual < bound. Operands as
 * for CHECK; every register and RFLAGS preserved. */
.macro CHECK_CMP actual, bound, kind, name
        pushfq
        push    \bound
        push    \actual
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        mov     32(%rsp), %rdi
        mov     40(%rsp), %rsi
        lea     .Lcmp_name\@(%rip), %rdx
        mov     $\kind, %ecx
        call    check_cmp64
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        add     $16, %rsp
        popfq
        .pushsection .rodata
.Lcmp_name\@: .asciz "\name"
        .popsection
.endm
.macro CHECK_AT_LEAST actual, bound, name
        CHECK_CMP \actual, \bound, 0, "\name"
.endm
.macro CHECK_BELOW actual, bound, name
        CHECK_CMP \actual, \bound, 1, "\name"
.endm

/* WAIT_UPCALLS count, "name": CHECK that upcall_count reaches count
 * (wait_upcalls; interrupts on). Clobbers RAX and RDI. */
.macro WAIT_UPCALLS count, name
        mov     \count, %rdi
        call    wait_upcalls
        CHECK   %rax, $1, "\name"
.endm

/* CHECK_RC expected, "name": CHECK %rax, expected, "name". */
.macro CHECK_RC expected, name
        CHECK   %rax, \expected, "\name"
.endm
#endif

#endif
