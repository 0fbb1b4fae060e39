/* xen_gnttab.elf (64-bit): grant tables v1 through real hypercalls.
 * Reference: xen-pvh-abi.md section 7, xen/include/public/grant_table.h.
 *
 *   1. GNTTABOP_set_version (1 yes, 2 -ENOSYS, 3 -EINVAL), get_version,
 *      query_size (bad domain: GNTST_bad_domain), bad counts;
 *   2. XENMEM_add_to_physmap(XENMAPSPACE_grant_table) for frames 0 and 1 at
 *      pages of ours; frame 64 and the v2 status frames are -EINVAL; the
 *      reserved refs 0 and 1 grant the console and xenstore rings to dom0;
 *      the other add_to_physmap spaces give their errors;
 *   3. GNTTABOP_copy between our own pages: gref -> gmfn, gmfn -> gref with
 *      offsets, a batch, and every bad segment's GNTST status (bad ref, a
 *      ref granted to dom0, no permit_access, a readonly destination, a
 *      foreign domain, crossing a page, a frame that is not RAM);
 *   4. a page granted to dom0 for real: with `-device xen-console` given
 *      twice (the second one is device/console/1, served by the host's
 *      console backend), the guest plays hvc_xen's frontend over xenstore:
 *      grants a ring page, binds an unbound port for dom0, moves to
 *      Initialised; the backend maps the grant (GTF_reading|GTF_writing show
 *      it), connects, and prints what the guest puts on the ring
 *      ("xen_gnttab: hello from a page granted to dom0"); closing unmaps it.
 *      Without that device the part is skipped (SKIP line). */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"
#include "lib/xs_client.h"

#define REF_SRC                 8       /* src_page, to ourselves */
#define REF_DST                 9       /* dst_page, to ourselves */
#define REF_RO                  10      /* ro_page, readonly, to ourselves */
#define REF_CONS                12      /* cons_page, to dom0 */
#define REF_UNUSED              7
#define REF_BEYOND              5000
#define NOT_RAM_GFN             0xFFFFF

/* GRANT ref, domid, gfn, flags: fill a v1 entry the way Linux does (frame and
 * domid first, then flags after a write barrier). ref < 512 (frame 0).
 * Operands: registers (not R11) or immediates. */
.macro GRANT ref, domid, gfn, flags
        push    %r11
        lea     gnt_frames(%rip), %r11
        movw    \domid, 8*\ref+2(%r11)
        movl    \gfn, 8*\ref+4(%r11)
        sfence
        movw    \flags, 8*\ref(%r11)
        pop     %r11
.endm

/* COPYOP i, src_u, src_dom, src_off, dst_u, dst_dom, dst_off, len, flags:
 * fill copy_ops[i]. Operands: registers (not R11) or immediates. */
.macro COPYOP i, src_u, src_dom, src_off, dst_u, dst_dom, dst_off, len, flags
        push    %r11
        lea     copy_ops+\i*GNTCOPY_SIZE(%rip), %r11
        movq    \src_u, GNTCOPY_SRC_U(%r11)
        movw    \src_dom, GNTCOPY_SRC_DOMID(%r11)
        movw    \src_off, GNTCOPY_SRC_OFFSET(%r11)
        movq    \dst_u, GNTCOPY_DST_U(%r11)
        movw    \dst_dom, GNTCOPY_DST_DOMID(%r11)
        movw    \dst_off, GNTCOPY_DST_OFFSET(%r11)
        movw    \len, GNTCOPY_LEN(%r11)
        movw    \flags, GNTCOPY_FLAGS(%r11)
        movw    $0x7777, GNTCOPY_STATUS(%r11)
        pop     %r11
.endm

/* COPY1 "name", expected status: GNTTABOP_copy of copy_ops[0] returns 0 and
 * the segment's status is the expected one. */
.macro COPY1 expected, name
        lea     copy_ops(%rip), %rdi
        mov     $1, %esi
        call    gnttab_copy
        CHECK_RC $0, "\name: GNTTABOP_copy returns 0"
        movswq  copy_ops+GNTCOPY_STATUS(%rip), %rax
        CHECK   %rax, $\expected, "\name: status \expected"
.endm

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

        call    version_phase
        call    frames_phase
        call    copy_phase
        call    dom0_grant_phase
        jmp     test_finish

/* ------------------------------------------------------------------------ */
version_phase:
        movl    $1, arg(%rip)
        mov     $GNTTABOP_set_version, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $0, "set_version 1"
        movl    $2, arg(%rip)
        mov     $GNTTABOP_set_version, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $-ENOSYS, "set_version 2: -ENOSYS (v1 only)"
        mov     arg(%rip), %eax
        CHECK   %rax, $1, "set_version 2 writes back the current version, 1"
        movl    $3, arg(%rip)
        mov     $GNTTABOP_set_version, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $-EINVAL, "set_version 3: -EINVAL"

        movq    $0, arg(%rip)
        movw    $DOMID_SELF, arg(%rip)
        mov     $GNTTABOP_get_version, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $0, "get_version"
        mov     arg+4(%rip), %eax
        CHECK   %rax, $1, "get_version: 1"
        movq    $5, arg(%rip)
        mov     $GNTTABOP_get_version, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $-ESRCH, "get_version of domain 5: -ESRCH"

        call    query_size
        CHECK_RC $0, "query_size"
        movswq  arg+12(%rip), %rax
        CHECK   %rax, $GNTST_okay, "query_size: status okay"
        mov     arg+8(%rip), %eax
        CHECK   %rax, $64, "query_size: max_nr_frames 64"
        mov     arg+4(%rip), %eax
        CHECK   %rax, $1, "query_size: 1 frame before any mapping"
        movq    $5, arg(%rip)
        movq    $0, arg+8(%rip)
        mov     $GNTTABOP_query_size, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $0, "query_size of domain 5 returns 0"
        movswq  arg+12(%rip), %rax
        CHECK   %rax, $GNTST_bad_domain, "query_size of domain 5: status bad_domain"
        mov     $GNTTABOP_query_size, %edi
        lea     arg(%rip), %rsi
        mov     $2, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $-EINVAL, "query_size with count 2: -EINVAL"
        mov     $GNTTABOP_map_grant_ref, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $-ENOSYS, "map_grant_ref from a domU: -ENOSYS"
        mov     $99, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $-ENOSYS, "grant_table_op 99: -ENOSYS"
        mov     $GNTTABOP_query_size, %edi
        mov     $0x100000000, %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        CHECK_RC $-EFAULT, "query_size with an unmapped argument: -EFAULT"
        ret

/* query_size -> RAX; the struct stays in arg (dom SELF). */
query_size:
        movq    $0, arg(%rip)
        movq    $0, arg+8(%rip)
        movw    $DOMID_SELF, arg(%rip)
        mov     $GNTTABOP_query_size, %edi
        lea     arg(%rip), %rsi
        mov     $1, %edx
        HCALL   __HYPERVISOR_grant_table_op
        ret

/* ------------------------------------------------------------------------ */
frames_phase:
        mov     $XENMAPSPACE_grant_table, %edi
        xor     %esi, %esi
        lea     gnt_frames(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $0, "add_to_physmap(grant_table, frame 0)"
        mov     $XENMAPSPACE_grant_table, %edi
        mov     $1, %esi
        lea     gnt_frames+4096(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $0, "add_to_physmap(grant_table, frame 1)"
        call    query_size
        mov     arg+4(%rip), %eax
        CHECK   %rax, $2, "query_size: 2 frames after mapping frame 1"
        mov     $XENMAPSPACE_grant_table, %edi
        mov     $64, %esi
        lea     scratch_pages(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $-EINVAL, "add_to_physmap(grant_table, frame 64): -EINVAL"
        mov     $XENMAPSPACE_grant_table, %edi
        mov     $0x80000000, %esi
        lea     scratch_pages(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $-EINVAL, "add_to_physmap(grant_table, v2 status frame): -EINVAL"
        mov     $2, %edi                /* XENMAPSPACE_gmfn */
        xor     %esi, %esi
        lea     scratch_pages(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $-95, "add_to_physmap(gmfn): -EOPNOTSUPP"
        mov     $4, %edi                /* XENMAPSPACE_gmfn_foreign */
        xor     %esi, %esi
        lea     scratch_pages(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $-EPERM, "add_to_physmap(gmfn_foreign): -EPERM"
        mov     $99, %edi
        xor     %esi, %esi
        lea     scratch_pages(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $-EINVAL, "add_to_physmap(space 99): -EINVAL"
        sub     $XATP_SIZE, %rsp
        movq    $0, (%rsp)
        movw    $5, XATP_DOMID(%rsp)
        movl    $XENMAPSPACE_grant_table, XATP_SPACE(%rsp)
        movq    $0, XATP_IDX(%rsp)
        lea     scratch_pages(%rip), %rax
        shr     $12, %rax
        mov     %rax, XATP_GPFN(%rsp)
        mov     $XENMEM_add_to_physmap, %edi
        mov     %rsp, %rsi
        HCALL   __HYPERVISOR_memory_op
        add     $XATP_SIZE, %rsp
        CHECK_RC $-ESRCH, "add_to_physmap for domain 5: -ESRCH"

        /* The reserved refs: 0 the console ring, 1 the xenstore ring, to dom0. */
        lea     gnt_frames(%rip), %rbx
        movzwl  8*GNTTAB_RESERVED_CONSOLE(%rbx), %eax
        CHECK   %rax, $GTF_permit_access, "ref 0 (console): permit_access"
        movzwl  8*GNTTAB_RESERVED_CONSOLE+2(%rbx), %eax
        CHECK   %rax, $DOMID_HOST, "ref 0 (console): to dom0"
        mov     $HVM_PARAM_CONSOLE_PFN, %edi
        call    hvm_get_param
        mov     8*GNTTAB_RESERVED_CONSOLE+4(%rbx), %eax
        CHECK   %rax, %rdx, "ref 0 (console): the CONSOLE_PFN frame"
        movzwl  8*GNTTAB_RESERVED_XENSTORE(%rbx), %eax
        CHECK   %rax, $GTF_permit_access, "ref 1 (xenstore): permit_access"
        mov     $HVM_PARAM_STORE_PFN, %edi
        call    hvm_get_param
        mov     8*GNTTAB_RESERVED_XENSTORE+4(%rbx), %eax
        CHECK   %rax, %rdx, "ref 1 (xenstore): the STORE_PFN frame"
        ret

/* ------------------------------------------------------------------------ */
copy_phase:
        /* A pattern in src_page, zeros in dst_page. */
        lea     src_page(%rip), %rdi
        xor     %ecx, %ecx
1:      lea     3(%rcx,%rcx,2), %eax
        xor     %cl, %al
        mov     %al, (%rdi,%rcx)
        inc     %ecx
        cmp     $4096, %ecx
        jb      1b
        call    clear_dst
        lea     src_page(%rip), %r12
        shr     $12, %r12               /* src gfn */
        lea     dst_page(%rip), %r13
        shr     $12, %r13               /* dst gfn */
        lea     ro_page(%rip), %r15
        shr     $12, %r15
        mov     domid(%rip), %r14
        GRANT   REF_SRC, %r14w, %r12d, $GTF_permit_access
        GRANT   REF_DST, %r14w, %r13d, $GTF_permit_access
        GRANT   REF_RO, %r14w, %r15d, $(GTF_permit_access | GTF_readonly)

        COPYOP  0, $REF_SRC, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $4096, $GNTCOPY_source_gref
        COPY1   GNTST_okay, "copy 4 KiB from our gref to our gmfn"
        lea     src_page(%rip), %rsi
        lea     dst_page(%rip), %rdi
        mov     $4096, %ecx
        call    same_bytes
        CHECK   %rax, $1, "the 4 KiB arrived intact"
        lea     gnt_frames(%rip), %rax
        movzwl  8*REF_SRC(%rax), %eax
        CHECK   %rax, $GTF_permit_access, "after the copy the source grant is not marked reading"

        call    clear_dst
        COPYOP  0, %r12, $DOMID_SELF, $100, $REF_DST, %r14w, $200, $1000, $GNTCOPY_dest_gref
        COPY1   GNTST_okay, "copy 1000 bytes gmfn+100 -> gref+200 (own domid spelled out)"
        lea     src_page+100(%rip), %rsi
        lea     dst_page+200(%rip), %rdi
        mov     $1000, %ecx
        call    same_bytes
        CHECK   %rax, $1, "the 1000 bytes landed at offset 200"
        movzbl  dst_page+199(%rip), %eax
        movzbl  dst_page+1200(%rip), %ecx
        or      %ecx, %eax
        CHECK   %rax, $0, "nothing written around them"

        COPYOP  0, $REF_RO, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $64, $GNTCOPY_source_gref
        COPY1   GNTST_okay, "copy from a readonly grant"
        COPYOP  0, $0, $DOMID_SELF, $0, %r12, $DOMID_SELF, $0, $0, $(GNTCOPY_source_gref | GNTCOPY_dest_gref)
        movw    $REF_SRC, copy_ops+GNTCOPY_SRC_U(%rip)
        movw    $REF_DST, copy_ops+GNTCOPY_DST_U(%rip)
        COPY1   GNTST_okay, "a zero-length copy gref -> gref"

        /* A batch: the good segment is done, the bad one reports its own status. */
        call    clear_dst
        COPYOP  0, $REF_SRC, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $16, $GNTCOPY_source_gref
        COPYOP  1, $REF_BEYOND, $DOMID_SELF, $0, %r13, $DOMID_SELF, $64, $16, $GNTCOPY_source_gref
        lea     copy_ops(%rip), %rdi
        mov     $2, %esi
        call    gnttab_copy
        CHECK_RC $0, "a batch of two copies returns 0"
        movswq  copy_ops+GNTCOPY_STATUS(%rip), %rax
        CHECK   %rax, $GNTST_okay, "batch: the first segment is okay"
        movswq  copy_ops+GNTCOPY_SIZE+GNTCOPY_STATUS(%rip), %rax
        CHECK   %rax, $GNTST_bad_gntref, "batch: the second has a bad ref"
        lea     src_page(%rip), %rsi
        lea     dst_page(%rip), %rdi
        mov     $16, %ecx
        call    same_bytes
        CHECK   %rax, $1, "batch: the first segment's bytes arrived"

        /* Bad segments. */
        COPYOP  0, $REF_BEYOND, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $16, $GNTCOPY_source_gref
        COPY1   GNTST_bad_gntref, "a ref beyond the table"
        COPYOP  0, $REF_UNUSED, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $16, $GNTCOPY_source_gref
        COPY1   GNTST_permission_denied, "a ref that grants nothing"
        COPYOP  0, $GNTTAB_RESERVED_CONSOLE, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $16, $GNTCOPY_source_gref
        COPY1   GNTST_permission_denied, "a ref granted to dom0, not to us"
        COPYOP  0, %r12, $DOMID_SELF, $0, $REF_RO, $DOMID_SELF, $0, $16, $GNTCOPY_dest_gref
        COPY1   GNTST_permission_denied, "writing through a readonly grant"
        COPYOP  0, $REF_SRC, $5, $0, %r13, $DOMID_SELF, $0, $16, $GNTCOPY_source_gref
        COPY1   GNTST_bad_domain, "a source in domain 5"
        COPYOP  0, $REF_SRC, $DOMID_SELF, $0, %r13, $5, $0, $16, $GNTCOPY_source_gref
        COPY1   GNTST_bad_domain, "a destination in domain 5"
        COPYOP  0, $REF_SRC, $DOMID_SELF, $100, %r13, $DOMID_SELF, $0, $4000, $GNTCOPY_source_gref
        COPY1   GNTST_bad_copy_arg, "a source segment crossing its page"
        COPYOP  0, $REF_SRC, $DOMID_SELF, $0, %r13, $DOMID_SELF, $4000, $100, $GNTCOPY_source_gref
        COPY1   GNTST_bad_copy_arg, "a destination segment crossing its page"
        COPYOP  0, $NOT_RAM_GFN, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $16, $0
        COPY1   GNTST_bad_page, "a source frame that is not RAM"

        lea     copy_ops(%rip), %rdi
        mov     $4097, %esi
        call    gnttab_copy
        CHECK_RC $-EINVAL, "GNTTABOP_copy with count 4097: -EINVAL"
        mov     $0x100000000, %rdi
        mov     $1, %esi
        call    gnttab_copy
        CHECK_RC $-EFAULT, "GNTTABOP_copy with an unmapped array: -EFAULT"

        /* Revoke: a revoked ref is refused. */
        GRANT   REF_SRC, %r14w, %r12d, $0
        COPYOP  0, $REF_SRC, $DOMID_SELF, $0, %r13, $DOMID_SELF, $0, $16, $GNTCOPY_source_gref
        COPY1   GNTST_permission_denied, "a revoked ref"
        ret

/* gnttab_copy(RDI = ops, RSI = count) -> RAX */
gnttab_copy:
        push    %rdi
        push    %rsi
        push    %rdx
        mov     %rsi, %rdx
        mov     %rdi, %rsi
        mov     $GNTTABOP_copy, %edi
        HCALL   __HYPERVISOR_grant_table_op
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

clear_dst:
        push    %rax
        push    %rcx
        push    %rdi
        lea     dst_page(%rip), %rdi
        mov     $512, %ecx
        xor     %eax, %eax
        rep stosq
        pop     %rdi
        pop     %rcx
        pop     %rax
        ret

/* same_bytes(RSI, RDI, RCX = length) -> RAX = 1 when equal. */
same_bytes:
        push    %rcx
        push    %rsi
        push    %rdi
        xor     %eax, %eax
        repe cmpsb
        jne     1f
        mov     $1, %eax
1:      pop     %rdi
        pop     %rsi
        pop     %rcx
        ret

/* ------------------------------------------------------------------------ */
/* dom0_grant_phase: device/console/1 as hvc_xen's frontend would drive it. */
dom0_grant_phase:
        call    xs_init
        CHECK_RC $0, "xenstore ring from the HVM params"
        lea     p_backend(%rip), %rdi
        call    fe_read
        cmp     $XS_READ, %rax
        je      1f
        lea     msg_skip_console(%rip), %rdi
        call    test_skip
        ret
1:      /* Keep the backend path; "<backend>/state" is what dom0 publishes. */
        lea     xs_reply(%rip), %rsi
        lea     be_state_path(%rip), %rdi
        call    strcpy_end
        lea     str_slash_state(%rip), %rsi
        call    strcpy_end
        XS      XS_READ, "device/console/1/backend-id\000"
        CHECK_RC $XS_READ, "device/console/1/backend-id"
        call    xs_reply_number
        CHECK   %rax, $DOMID_HOST, "the backend is dom0"
        call    be_state
        CHECK   %rax, $2, "the backend waits for us (InitWait)"

        /* The ring page, granted to dom0; an unbound port for dom0. */
        lea     cons_page(%rip), %rdi
        mov     $512, %ecx
        xor     %eax, %eax
        rep stosq
        lea     cons_page(%rip), %rax
        shr     $12, %rax
        GRANT   REF_CONS, $DOMID_HOST, %eax, $GTF_permit_access
        mov     $DOMID_SELF, %edi
        mov     $DOMID_HOST, %esi
        call    evtchn_alloc_unbound
        CHECK_RC $0, "alloc_unbound for dom0"
        mov     %rdx, cons_port(%rip)
        mov     $REF_CONS, %edi
        lea     p_ring_ref(%rip), %rsi
        call    fe_write_number
        CHECK_RC $XS_WRITE, "write device/console/1/ring-ref"
        mov     cons_port(%rip), %rdi
        lea     p_port(%rip), %rsi
        call    fe_write_number
        CHECK_RC $XS_WRITE, "write device/console/1/port"
        mov     $3, %edi
        lea     p_state(%rip), %rsi
        call    fe_write_number
        CHECK_RC $XS_WRITE, "frontend state Initialised"

        call    be_state
        CHECK   %rax, $4, "the backend connected (Connected)"
        lea     gnt_frames(%rip), %rax
        movzwl  8*REF_CONS(%rax), %eax
        CHECK   %rax, $(GTF_permit_access | GTF_reading | GTF_writing), "dom0 mapped our grant (GTF_reading|GTF_writing set)"
        mov     $DOMID_SELF, %edi
        mov     cons_port(%rip), %rsi
        call    evtchn_status
        CHECK   evtchn_status_buf+8(%rip), $EVTCHNSTAT_interdomain, "dom0 bound our port (interdomain)"
        mov     evtchn_status_buf+16(%rip), %eax
        CHECK   %rax, $DOMID_HOST, "the port's peer is dom0"

        /* Output through the granted page. */
        mov     $4, %edi
        lea     p_state(%rip), %rsi
        call    fe_write_number
        lea     cons_page(%rip), %rbx
        lea     msg_ring(%rip), %rsi
        xor     %ecx, %ecx
2:      movzbl  (%rsi,%rcx), %eax
        test    %al, %al
        jz      3f
        mov     %al, XENCONS_OUT(%rbx,%rcx)
        inc     %ecx
        jmp     2b
3:      sfence
        mov     %ecx, XENCONS_OUT_PROD(%rbx)
        mov     cons_port(%rip), %rdi
        call    evtchn_send
        CHECK_RC $0, "notify dom0"
        mov     XENCONS_OUT_CONS(%rbx), %eax
        mov     XENCONS_OUT_PROD(%rbx), %ecx
        CHECK   %rax, %rcx, "dom0 consumed the ring (out_cons = out_prod)"

        /* Close: the backend unmaps. */
        mov     $5, %edi
        lea     p_state(%rip), %rsi
        call    fe_write_number
        call    be_state
        CHECK   %rax, $5, "the backend follows to Closing"
        mov     $6, %edi
        lea     p_state(%rip), %rsi
        call    fe_write_number
        call    be_state
        CHECK   %rax, $6, "the backend follows to Closed"
        lea     gnt_frames(%rip), %rax
        movzwl  8*REF_CONS(%rax), %eax
        CHECK   %rax, $GTF_permit_access, "dom0 unmapped our grant (reading/writing clear)"
        lea     cons_page(%rip), %rax
        shr     $12, %rax
        GRANT   REF_CONS, $DOMID_HOST, %eax, $0
        mov     cons_port(%rip), %rdi
        call    evtchn_close
        CHECK_RC $0, "close the console port"
        ret

/* fe_read(RDI = key under device/console/1/) -> RAX = reply type */
fe_read:
        push    %rdi
        push    %rsi
        push    %rdx
        mov     %rdi, %rsi
        lea     path_buf(%rip), %rdi
        push    %rsi
        lea     p_frontend(%rip), %rsi
        call    strcpy_end
        pop     %rsi
        call    strcpy_end
        mov     $XS_READ, %edi
        lea     path_buf(%rip), %rsi
        xor     %edx, %edx
        call    xs_strings
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

/* fe_write_number(RDI = value, RSI = key under device/console/1/) -> RAX */
fe_write_number:
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %rsi
        lea     num_buf(%rip), %rsi
        call    utoa
        pop     %rsi
        lea     path_buf(%rip), %rdi
        push    %rsi
        lea     p_frontend(%rip), %rsi
        call    strcpy_end
        pop     %rsi
        call    strcpy_end
        mov     $XS_WRITE, %edi
        lea     path_buf(%rip), %rsi
        lea     num_buf(%rip), %rdx
        xor     %ecx, %ecx
        call    xs_strings
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

/* be_state -> RAX = the backend's XenbusState, or -1. */
be_state:
        push    %rdi
        push    %rsi
        push    %rdx
        mov     $XS_READ, %edi
        lea     be_state_path(%rip), %rsi
        xor     %edx, %edx
        call    xs_strings
        cmp     $XS_READ, %rax
        mov     $-1, %rax
        jne     1f
        call    xs_reply_number
1:      pop     %rdx
        pop     %rsi
        pop     %rdi
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

        .section .rodata
name:           .asciz "xen_gnttab"
msg_skip_console: .asciz "a page granted to dom0: no device/console/1 (run with -device xen-console twice)"
msg_ring:       .asciz "xen_gnttab: hello from a page granted to dom0\n"
p_frontend:     .asciz "device/console/1/"
p_backend:      .asciz "backend"
p_ring_ref:     .asciz "ring-ref"
p_port:         .asciz "port"
p_state:        .asciz "state"
str_slash_state: .asciz "/state"

        .data
        .balign 8
domid:          .quad 0
cons_port:      .quad 0
arg:            .quad 0, 0, 0

        .bss
        .balign 8
copy_ops:       .skip 4 * GNTCOPY_SIZE
path_buf:       .skip 256
be_state_path:  .skip 256
num_buf:        .skip 32
        .balign 4096
gnt_frames:     .skip 2 * 4096  /* grant frames 0 and 1 are overlaid here */
src_page:       .skip 4096
dst_page:       .skip 4096
ro_page:        .skip 4096
cons_page:      .skip 4096
