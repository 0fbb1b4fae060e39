/* xen_errors.elf (64-bit): bad hypercalls get the Xen errno and the guest
 * keeps running. Reference: xen-pvh-abi.md sections 2 and 3.
 *
 *   - unknown hypercall numbers (PV-only ones, gaps, numbers past the
 *     hypercall page, numbers with high bits set): -ENOSYS;
 *   - unknown sub-ops of every family: -ENOSYS;
 *   - argument pointers that do not translate: -EFAULT;
 *   - bad values: xen_version get_features submap 1, HVM params out of range,
 *     deprecated, unreadable or read-only (-EINVAL / -EPERM), other domains
 *     (-ESRCH), SCHEDOP_shutdown with reason 99 (-EINVAL, and it returns);
 *   - a hypercall from ring 3: -EPERM;
 * and what a PVH domU is told: XENVER_get_features has 0, 2, 8, 9 and not 10
 * (hvm_pirqs), XENVER_pagesize 4096. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"

#define UNMAPPED_GVA            0x100000000
#define XENVER_get_features     6
#define XENVER_pagesize         7
#define XENMEM_memory_map       9

/* NOSYS nr, "name": hypercall nr with harmless arguments gives -ENOSYS. */
.macro NOSYS nr, name
        lea     scratch_pages(%rip), %rdi
        lea     scratch_pages(%rip), %rsi
        xor     %edx, %edx
        mov     $\nr, %rax
        call    hcall
        CHECK_RC $-ENOSYS, "\name"
.endm

/* OP nr, cmd, arg: hypercall nr with (cmd, arg); result in RAX. */
.macro OP nr, cmd, arg
        mov     $\cmd, %edi
        mov     \arg, %rsi
        xor     %edx, %edx
        HCALL   \nr
.endm

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    xen_test_init
        lea     user_text(%rip), %rdi
        lea     user_text_end(%rip), %rsi
        call    set_user_pages
        call    flush_tlb

        /* Unknown hypercall numbers. */
        NOSYS   0, "hypercall 0 (set_trap_table, PV only): -ENOSYS"
        NOSYS   1, "hypercall 1 (mmu_update, PV only): -ENOSYS"
        /* Stub 23 (iret) of the page is UD2, as Xen writes it; a direct
         * VMCALL with 23 gets -ENOSYS. */
        EXPECT_FAULT 1f
        call    HYPERCALL(23)
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_UD, "the page's stub 23 (iret) is UD2: #UD"
        mov     $23, %eax
        xor     %edi, %edi
        vmcall
        CHECK_RC $-ENOSYS, "hypercall 23 by direct VMCALL: -ENOSYS"
        NOSYS   57, "hypercall 57 (unassigned): -ENOSYS"
        NOSYS   127, "hypercall 127 (last stub of the page): -ENOSYS"
        NOSYS   128, "hypercall 128 (past the page, direct VMCALL): -ENOSYS"
        mov     $0xFFFFFFFF, %eax
        xor     %edi, %edi
        call    hcall
        CHECK_RC $-ENOSYS, "hypercall 0xffffffff: -ENOSYS"
        mov     $0x100000011, %rax      /* xen_version with bit 32 set */
        xor     %edi, %edi
        xor     %esi, %esi
        call    hcall
        CHECK_RC $-ENOSYS, "hypercall 0x100000011 (high bits set): -ENOSYS"

        /* Unknown sub-ops. */
        OP      __HYPERVISOR_xen_version, 99, $0
        CHECK_RC $-ENOSYS, "xen_version 99: -ENOSYS"
        OP      __HYPERVISOR_memory_op, 63, $0
        CHECK_RC $-ENOSYS, "memory_op 63: -ENOSYS"
        OP      __HYPERVISOR_hvm_op, 99, $0
        CHECK_RC $-ENOSYS, "hvm_op 99: -ENOSYS"
        OP      __HYPERVISOR_sched_op, 99, $0
        CHECK_RC $-ENOSYS, "sched_op 99: -ENOSYS"
        OP      __HYPERVISOR_physdev_op, 99, $0
        CHECK_RC $-ENOSYS, "physdev_op 99: -ENOSYS"
        OP      __HYPERVISOR_vm_assist, 99, $5
        CHECK_RC $-ENOSYS, "vm_assist command 99 (type runstate_update_flag): -ENOSYS"
        OP      __HYPERVISOR_vm_assist, 0, $0
        CHECK_RC $-EINVAL, "vm_assist enable type 0 (PV only): -EINVAL"
        OP      __HYPERVISOR_vm_assist, 0, $5
        CHECK_RC $0, "vm_assist enable runstate_update_flag"

        /* Pointers that do not translate. */
        OP      __HYPERVISOR_xen_version, XENVER_extraversion, $UNMAPPED_GVA
        CHECK_RC $-EFAULT, "xen_version extraversion into an unmapped buffer: -EFAULT"
        OP      __HYPERVISOR_xen_version, XENVER_extraversion, $(UNMAPPED_GVA - 8)
        CHECK_RC $-EFAULT, "extraversion buffer running off the map: -EFAULT"
        OP      __HYPERVISOR_hvm_op, HVMOP_get_param, $UNMAPPED_GVA
        CHECK_RC $-EFAULT, "hvm_op get_param with an unmapped struct: -EFAULT"
        OP      __HYPERVISOR_memory_op, XENMEM_memory_map, $UNMAPPED_GVA
        CHECK_RC $-EFAULT, "memory_map with an unmapped struct: -EFAULT"
        OP      __HYPERVISOR_sched_op, SCHEDOP_shutdown, $UNMAPPED_GVA
        CHECK_RC $-EFAULT, "SCHEDOP_shutdown with an unmapped struct: -EFAULT"
        movq    $16, arg(%rip)                  /* memory_map: capacity 16... */
        movq    $UNMAPPED_GVA, %rax
        mov     %rax, arg+8(%rip)               /* ...into an unmapped buffer */
        OP      __HYPERVISOR_memory_op, XENMEM_memory_map, $arg
        mov     %rax, %rbx
        /* Xen answers -ENOSYS when the toolstack set no map; else -EFAULT. */
        xor     %eax, %eax
        cmp     $-EFAULT, %rbx
        sete    %al
        cmp     $-ENOSYS, %rbx
        sete    %cl
        or      %cl, %al
        CHECK   %rax, $1, "memory_map into an unmapped buffer: -EFAULT (or -ENOSYS)"

        /* Bad values. */
        movq    $1, arg(%rip)
        OP      __HYPERVISOR_xen_version, XENVER_get_features, $arg
        CHECK_RC $-EINVAL, "get_features submap 1: -EINVAL"
        movq    $0, arg(%rip)
        OP      __HYPERVISOR_xen_version, XENVER_get_features, $arg
        CHECK_RC $0, "get_features submap 0"
        mov     arg+4(%rip), %eax
        CHECK_BITS %rax, $0x705, $0x305, "features: writable_page_tables, auto_translated, hvm_callback_vector, hvm_safe_pvclock; not hvm_pirqs"
        OP      __HYPERVISOR_xen_version, XENVER_pagesize, $0
        CHECK_RC $4096, "XENVER_pagesize: 4096"

        mov     $HVM_NR_PARAMS, %edi
        call    hvm_get_param
        CHECK_RC $-EINVAL, "get_param 39 (out of range): -EINVAL"
        mov     $-1, %edi
        call    hvm_get_param
        CHECK_RC $-EINVAL, "get_param 0xffffffff: -EINVAL"
        mov     $4, %edi
        call    hvm_get_param
        CHECK_RC $-EINVAL, "get_param 4 (deprecated): -EINVAL"
        mov     $5, %edi
        call    hvm_get_param
        CHECK_RC $-EPERM, "get_param 5 (IOREQ_PFN, not for the guest): -EPERM"
        mov     $HVM_PARAM_STORE_PFN, %edi
        mov     $0x1234, %esi
        call    hvm_set_param
        CHECK_RC $-EPERM, "set_param STORE_PFN (read-only to the guest): -EPERM"
        mov     $HVM_PARAM_STORE_PFN, %edi
        call    hvm_get_param
        CHECK   %rdx, $0xFEFF9, "STORE_PFN is unchanged"
        sub     $16, %rsp
        movq    $0, (%rsp)
        movw    $5, (%rsp)
        movl    $HVM_PARAM_STORE_PFN, 4(%rsp)
        movq    $0, 8(%rsp)
        OP      __HYPERVISOR_hvm_op, HVMOP_get_param, %rsp
        add     $16, %rsp
        CHECK_RC $-ESRCH, "get_param of domain 5: -ESRCH"
        mov     $XENMAPSPACE_shared_info, %edi
        mov     $1, %esi
        lea     shinfo_page(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $-EINVAL, "add_to_physmap(shared_info, idx 1): -EINVAL"

        movq    $99, arg(%rip)
        OP      __HYPERVISOR_sched_op, SCHEDOP_shutdown, $arg
        CHECK_RC $-EINVAL, "SCHEDOP_shutdown reason 99: -EINVAL, and it returns"
        OP      __HYPERVISOR_sched_op, 5, $arg   /* SCHEDOP_shutdown_code */
        CHECK_RC $0, "SCHEDOP_shutdown_code"
        movq    $0, arg(%rip)
        OP      __HYPERVISOR_sched_op, 5, $arg
        mov     $12, %edi               /* VCPUOP_get_physid */
        xor     %esi, %esi
        lea     arg(%rip), %rdx
        HCALL   __HYPERVISOR_vcpu_op
        CHECK_RC $-EINVAL, "VCPUOP_get_physid from a domU: -EINVAL"

        /* Ring 3. */
        lea     u_hypercall(%rip), %rdi
        call    run_user
        CHECK   %rax, $VEC_USER_EXIT, "ring 3 code made a hypercall and came back"
        CHECK   user_stack_top(%rip), $-EPERM, "a hypercall from ring 3: -EPERM"

        /* Still alive and well. */
        xor     %edi, %edi
        xor     %esi, %esi
        call    xen_version64
        mov     %rax, %rdi
        shr     $16, %rdi
        CHECK   %rdi, $4, "xen_version still answers (major 4)"
        jmp     test_finish

/* ------------------------------------------------------------------------
 * Ring 3 code: xen_version through VMCALL, result in user_stack_top. */
        .section .text.user, "ax"
        .balign 4096
user_text:
u_hypercall:
        mov     $__HYPERVISOR_xen_version, %eax
        xor     %edi, %edi
        xor     %esi, %esi
        vmcall
        mov     %rax, user_stack_top(%rip)
        jmp     user_exit
        .balign 4096
user_text_end:

        .section .rodata
name:   .asciz "xen_errors"

        .data
        .balign 8
arg:    .quad 0, 0, 0, 0
