/* cpu_pf.elf: paging and page faults (SDM vol. 3, chapter 4). Each check prints
 * PASS/FAIL (lib/cpu_test.S); the guest powers off when all passed and
 * crashes otherwise. Checked:
 *   - #PF error codes (P, W/R, U/S, RSVD, I/D with EFER.NXE) and CR2 for
 *     not-present pages, writes to read-only pages with CR0.WP set and clear,
 *     user accesses to supervisor pages, U/S taken from every level, NX
 *     fetches (XD in the PTE and in the PDE), reserved bits;
 *   - the saved RIP (the faulting instruction, or the fetch target) and the
 *     frame on RSP0 when ring 3 faults;
 *   - accessed and dirty bits written by the walker (PTE, PDE, PDPTE, 2 MiB
 *     PDE), and no dirty bit for a write that faults;
 *   - what the architecture guarantees about the TLB: after INVLPG (of any
 *     address in the page, also of a 2 MiB page) or a CR3 load the new
 *     mapping is used; global pages after a CR4.PGE toggle;
 *   - self-modifying code: the next instruction on the same page, code on
 *     another page, code written through an alias mapping, an instruction
 *     that straddles two pages (and a fetch fault on the second one);
 *   - accesses that straddle two pages fault on the second with CR2 at its
 *     start. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"

/* MAP win, page, flags: window page `win` -> test page `page` with `flags`
 * (INVLPG included). */
.macro MAP win, page, flags
        push    %rax
        push    %rsi
        push    %rdi
        mov     $\page, %edi
        movabs  $(\flags), %rsi
        call    test_pte
        mov     %rax, %rsi
        mov     $\win, %edi
        call    map_window
        pop     %rdi
        pop     %rsi
        pop     %rax
.endm

/* PTE win -> RAX = address of the window PTE */
.macro PTE win
        push    %rdi
        mov     $\win, %edi
        call    window_pte
        pop     %rdi
.endm

/* RUN_USER fn: run_user(fn) -> RAX = the vector that ended it */
.macro RUN_USER fn
        push    %rdi
        lea     \fn(%rip), %rdi
        call    run_user
        pop     %rdi
.endm

        .text
        .code64
        .globl  main64
main64:
        lea     guest_name(%rip), %rdi
        call    cpu_test_init
        lea     user_text(%rip), %rdi
        lea     user_text_end(%rip), %rsi
        call    set_user_pages
        lea     user_data(%rip), %rdi
        lea     user_data_end(%rip), %rsi
        call    set_user_pages
        call    flush_tlb
        /* CR0.WP set, EFER.NXE clear to start with. */
        mov     %cr0, %rax
        or      $CR0_WP, %eax
        mov     %rax, %cr0
        call    nxe_off

        call    t_not_present
        call    t_read_only
        call    t_user
        call    t_nx
        call    t_rsvd
        call    t_accessed_dirty
        call    t_invlpg
        call    t_large_invlpg
        call    t_smc
        call    t_split
        jmp     test_finish

nxe_on:
        push    %rax
        push    %rcx
        push    %rdx
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_NXE, %eax
        wrmsr
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

nxe_off:
        push    %rax
        push    %rcx
        push    %rdx
        mov     $MSR_EFER, %ecx
        rdmsr
        and     $~EFER_NXE, %eax
        wrmsr
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* ------------------------------------------------------------------------ */
t_not_present:
        MAP     0, 0, 0
        mov     $WINDOW_PAGE(0) + 0x123, %ebx
        EXPECT_FAULT 1f
2:      mov     (%rbx), %eax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "not-present read: #PF"
        CHECK   exc_error(%rip), $0, "not-present read: error code 0"
        CHECK   exc_cr2(%rip), %rbx, "not-present read: CR2 is the address"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "not-present read: saved RIP is the instruction"
        CHECK   exc_cs(%rip), $SEL_KCODE64, "not-present read: saved CS"
        mov     exc_resume_rsp(%rip), %rax
        CHECK   exc_rsp(%rip), %rax, "not-present read: saved RSP"
        and     $-16, %rax
        sub     $48, %rax
        CHECK   exc_entry_rsp(%rip), %rax, "not-present read: 6-qword frame with error code"

        mov     $WINDOW_PAGE(0) + 0xff8, %ebx
        EXPECT_FAULT 1f
        movq    $1, (%rbx)
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "not-present write: #PF"
        CHECK   exc_error(%rip), $PFEC_W, "not-present write: error code W"
        CHECK   exc_cr2(%rip), %rbx, "not-present write: CR2"

        /* push onto a not-present page: a write (#PF on IST3, as the
         * stack is gone) */
        mov     $VEC_PF, %edi
        mov     $3, %esi
        call    set_ist
        mov     $WINDOW_PAGE(0) + 0x808, %ebx
        EXPECT_FAULT 1f
        xchg    %rbx, %rsp
        push    %rax
1:      END_FAULT
        xor     %esi, %esi
        call    set_ist
        CHECK   exc_vector(%rip), $VEC_PF, "push to a not-present stack: #PF"
        CHECK   exc_cr2(%rip), $WINDOW_PAGE(0) + 0x800, "push to a not-present stack: CR2 = RSP - 8"
        CHECK   exc_error(%rip), $PFEC_W, "push to a not-present stack: error code W"
        ret

/* ------------------------------------------------------------------------ */
t_read_only:
        MAP     1, 1, PTE_P
        mov     $WINDOW_PAGE(1), %ebx
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 1), "read-only page: reads"
        EXPECT_FAULT 1f
2:      movq    $0x1234, 8(%rbx)
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "read-only write, CR0.WP=1: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_W), "read-only write, CR0.WP=1: error code P|W"
        lea     8(%rbx), %rax
        CHECK   exc_cr2(%rip), %rax, "read-only write, CR0.WP=1: CR2"
        lea     2b(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "read-only write, CR0.WP=1: saved RIP"
        mov     $1, %edi
        call    test_page
        CHECK   8(%rax), $0, "read-only write, CR0.WP=1: memory unchanged"
        mov     %rax, %r12

        /* CR0.WP = 0: supervisor writes ignore R/W (no INVLPG needed). */
        mov     %cr0, %rax
        and     $~CR0_WP, %eax
        mov     %rax, %cr0
        EXPECT_FAULT 1f
        movq    $0x77, 8(%rbx)
1:      END_FAULT
        CHECK   exc_vector(%rip), $-1, "read-only write, CR0.WP=0: no fault"
        CHECK   8(%r12), $0x77, "read-only write, CR0.WP=0: written"
        mov     %cr0, %rax
        or      $CR0_WP, %eax
        mov     %rax, %cr0
        EXPECT_FAULT 1f
        movq    $0x88, 8(%rbx)
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "read-only write after CR0.WP=1 again: #PF"
        CHECK   8(%r12), $0x77, "read-only write after CR0.WP=1 again: memory unchanged"
        movq    $0, 8(%r12)

        /* R/W clear in the PDE (window PDE) with a writable PTE */
        MAP     2, 2, PTE_P | PTE_W
        call    window_pde
        mov     %rax, %r13
        andq    $~PTE_W, (%r13)
        call    flush_tlb
        mov     $WINDOW_PAGE(2), %ebx
        EXPECT_FAULT 1f
        movq    $5, 8(%rbx)
1:      END_FAULT
        orq     $PTE_W, (%r13)
        call    flush_tlb
        CHECK   exc_vector(%rip), $VEC_PF, "R/W=0 in the PDE only: write faults"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_W), "R/W=0 in the PDE only: error code P|W"
        ret

/* ------------------------------------------------------------------------ */
t_user:
        /* a user page: ring 3 reads it */
        MAP     3, 3, PTE_P | PTE_W | PTE_U
        mov     $WINDOW_PAGE(3), %ebx
        RUN_USER u_read
        CHECK   %rax, $VEC_USER_EXIT, "ring 3 read of a user page: no fault"
        CHECK   user_result(%rip), $(PAGE_MARKER + 3), "ring 3 read of a user page: value"

        /* a supervisor page */
        MAP     4, 4, PTE_P | PTE_W
        mov     $WINDOW_PAGE(4) + 0x40, %ebx
        RUN_USER u_read
        CHECK   %rax, $VEC_PF, "ring 3 read of a supervisor page: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U), "ring 3 read of a supervisor page: error code P|U"
        CHECK   exc_cr2(%rip), %rbx, "ring 3 read of a supervisor page: CR2"
        lea     u_read(%rip), %rax
        CHECK   exc_rip(%rip), %rax, "ring 3 read of a supervisor page: saved RIP"
        CHECK   exc_cs(%rip), $SEL_UCODE64, "ring 3 read of a supervisor page: saved CS"
        CHECK   exc_ss(%rip), $SEL_UDATA, "ring 3 read of a supervisor page: saved SS"
        lea     user_stack_top(%rip), %rax
        CHECK   exc_rsp(%rip), %rax, "ring 3 read of a supervisor page: saved RSP"
        lea     kstack0_top(%rip), %rax
        sub     $48, %rax
        CHECK   exc_entry_rsp(%rip), %rax, "ring 3 fault: frame on TSS.RSP0"

        RUN_USER u_write
        CHECK   %rax, $VEC_PF, "ring 3 write to a supervisor page: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U | PFEC_W), "ring 3 write to a supervisor page: error code P|W|U"

        /* user read-only, with CR0.WP set and clear: ring 3 always faults */
        MAP     5, 5, PTE_P | PTE_U
        mov     $WINDOW_PAGE(5), %ebx
        RUN_USER u_write
        CHECK   %rax, $VEC_PF, "ring 3 write to a read-only user page: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U | PFEC_W), "ring 3 write to a read-only user page: error code P|W|U"
        mov     %cr0, %rax
        and     $~CR0_WP, %eax
        mov     %rax, %cr0
        RUN_USER u_write
        mov     %rax, %r12
        mov     %cr0, %rax
        or      $CR0_WP, %eax
        mov     %rax, %cr0
        CHECK   %r12, $VEC_PF, "ring 3 write to a read-only user page, CR0.WP=0: #PF"

        /* not present, from ring 3 */
        MAP     6, 6, 0
        mov     $WINDOW_PAGE(6), %ebx
        RUN_USER u_read
        CHECK   %rax, $VEC_PF, "ring 3 read of a not-present page: #PF"
        CHECK   exc_error(%rip), $PFEC_U, "ring 3 read of a not-present page: error code U"
        RUN_USER u_write
        CHECK   exc_error(%rip), $(PFEC_U | PFEC_W), "ring 3 write to a not-present page: error code W|U"

        /* U/S = 0 in the PDE only */
        call    window_pde
        mov     %rax, %r13
        andq    $~PTE_U, (%r13)
        call    flush_tlb
        mov     $WINDOW_PAGE(3), %ebx
        RUN_USER u_read
        orq     $PTE_U, (%r13)
        call    flush_tlb
        CHECK   %rax, $VEC_PF, "U/S=0 in the PDE only: ring 3 read faults"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U), "U/S=0 in the PDE only: error code P|U"

        /* supervisor access to a user page is allowed (no SMAP) */
        mov     $WINDOW_PAGE(3), %ebx
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        CHECK   exc_vector(%rip), $-1, "ring 0 read of a user page: no fault"
        ret

/* ------------------------------------------------------------------------ */
t_nx:
        call    nxe_on
        mov     $7, %edi
        call    test_page
        movb    $0xC3, 0x10(%rax)               /* ret */
        MAP     7, 7, PTE_P | PTE_W | PTE_XD
        mov     $WINDOW_PAGE(7) + 0x10, %ebx
        EXPECT_FAULT 1f
        call    *%rbx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "fetch from an XD page: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_I), "fetch from an XD page: error code P|I"
        CHECK   exc_cr2(%rip), %rbx, "fetch from an XD page: CR2 is the target"
        CHECK   exc_rip(%rip), %rbx, "fetch from an XD page: saved RIP is the target"
        movzbl  (%rbx), %eax
        CHECK   %rax, $0xC3, "data read of an XD page: allowed"

        MAP     7, 7, PTE_P | PTE_W
        EXPECT_FAULT 1f
        call    *%rbx
1:      END_FAULT
        CHECK   exc_vector(%rip), $-1, "fetch after XD cleared and INVLPG: runs"

        /* XD in the PDE covers the PTEs below it */
        call    window_pde
        mov     %rax, %r13
        movabs  $PTE_XD, %rax
        or      %rax, (%r13)
        call    flush_tlb
        EXPECT_FAULT 1f
        call    *%rbx
1:      END_FAULT
        movabs  $~PTE_XD, %rax
        and     %rax, (%r13)
        call    flush_tlb
        CHECK   exc_vector(%rip), $VEC_PF, "XD in the PDE only: fetch faults"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_I), "XD in the PDE only: error code P|I"

        MAP     8, 8, 0
        mov     $WINDOW_PAGE(8), %ebx
        EXPECT_FAULT 1f
        call    *%rbx
1:      END_FAULT
        CHECK   exc_error(%rip), $PFEC_I, "fetch from a not-present page: error code I"

        /* ring 3 fetches */
        mov     $WINDOW_PAGE(7) + 0x10, %ebx
        RUN_USER u_call
        CHECK   %rax, $VEC_PF, "ring 3 fetch from a supervisor page: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U | PFEC_I), "ring 3 fetch from a supervisor page: error code P|U|I"
        MAP     7, 7, PTE_P | PTE_W | PTE_U | PTE_XD
        RUN_USER u_call
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_U | PFEC_I), "ring 3 fetch from an XD user page: error code P|U|I"
        MAP     7, 7, PTE_P | PTE_W | PTE_U
        RUN_USER u_call
        CHECK   %rax, $VEC_USER_EXIT, "ring 3 fetch from a user page: runs"
        call    nxe_off
        ret

/* ------------------------------------------------------------------------ */
t_rsvd:
        /* XD with EFER.NXE = 0 is a reserved bit */
        MAP     9, 9, PTE_P | PTE_W | PTE_XD
        mov     $WINDOW_PAGE(9) + 8, %ebx
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "XD set with EFER.NXE=0: #PF"
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_RSVD), "XD set with EFER.NXE=0: error code P|RSVD"
        CHECK   exc_cr2(%rip), %rbx, "XD set with EFER.NXE=0: CR2"

        call    nxe_on
        MAP     9, 9, PTE_P | PTE_W | PTE_RSVD51
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_RSVD), "address bit 51 set in a PTE: read, error code P|RSVD"
        EXPECT_FAULT 1f
        movq    $1, (%rbx)
1:      END_FAULT
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_RSVD | PFEC_W), "address bit 51 set in a PTE: write, error code P|W|RSVD"
        EXPECT_FAULT 1f
        call    *%rbx
1:      END_FAULT
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_RSVD | PFEC_I), "address bit 51 set in a PTE: fetch, error code P|RSVD|I"
        MAP     9, 9, PTE_P | PTE_W | PTE_U | PTE_RSVD51
        RUN_USER u_read
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_RSVD | PFEC_U), "address bit 51 set in a PTE: ring 3 read, error code P|U|RSVD"
        MAP     9, 9, PTE_W | PTE_RSVD51
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        CHECK   exc_error(%rip), $0, "reserved bits in a not-present PTE: error code 0"

        /* reserved bit in the PDE above (the window PDE) */
        call    window_pde
        mov     %rax, %r13
        MAP     9, 9, PTE_P | PTE_W
        movabs  $PTE_RSVD51, %rax
        or      %rax, (%r13)
        call    flush_tlb
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        movabs  $~PTE_RSVD51, %rax
        and     %rax, (%r13)
        call    flush_tlb
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_RSVD), "address bit 51 set in a PDE: error code P|RSVD"

        /* bit 13 of a 2 MiB PDE (part of the reserved 20:13) */
        call    large_pde
        mov     %rax, %r13
        movq    $(0x400000 | PTE_PS | PTE_P | PTE_W | 0x2000), (%r13)
        invlpg  LARGE_VA
        EXPECT_FAULT 1f
        mov     LARGE_VA, %rax
1:      END_FAULT
        movq    $0, (%r13)
        invlpg  LARGE_VA
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_RSVD), "bit 13 set in a 2 MiB PDE: error code P|RSVD"
        call    nxe_off
        ret

/* ------------------------------------------------------------------------ */
t_accessed_dirty:
        MAP     10, 10, PTE_P | PTE_W
        call    window_pde
        mov     %rax, %r13
        andq    $~PTE_A, (%r13)
        mov     $WINDOW_VA, %edi
        mov     $3, %esi
        call    table_entry
        mov     %rax, %r14                      /* the PDPTE */
        andq    $~PTE_A, (%r14)
        call    flush_tlb
        mov     $WINDOW_PAGE(10), %ebx
        mov     (%rbx), %rax
        PTE     10
        mov     %rax, %r12
        CHECK_BITS (%r12), $(PTE_A | PTE_D), $PTE_A, "read: PTE accessed, not dirty"
        CHECK_BITS (%r13), $PTE_A, $PTE_A, "read: PDE accessed"
        CHECK_BITS (%r14), $PTE_A, $PTE_A, "read: PDPTE accessed"
        movq    $1, 8(%rbx)
        CHECK_BITS (%r12), $(PTE_A | PTE_D), $(PTE_A | PTE_D), "write after a read (TLB hit): PTE dirty"
        movq    $0, 8(%rbx)

        MAP     11, 11, PTE_P | PTE_W
        mov     $WINDOW_PAGE(11), %ebx
        movq    $2, 8(%rbx)
        PTE     11
        CHECK_BITS (%rax), $(PTE_A | PTE_D), $(PTE_A | PTE_D), "first access a write: PTE accessed and dirty"
        movq    $0, 8(%rbx)

        /* after clearing D (and INVLPG) a write sets it again */
        mov     %rax, %r12
        andq    $~(PTE_A | PTE_D), (%r12)
        invlpg  (%rbx)
        movq    $3, 8(%rbx)
        CHECK_BITS (%r12), $(PTE_A | PTE_D), $(PTE_A | PTE_D), "D cleared and INVLPG: the next write sets it"
        movq    $0, 8(%rbx)

        /* a write that faults does not set D */
        MAP     12, 12, PTE_P
        mov     $WINDOW_PAGE(12), %ebx
        EXPECT_FAULT 1f
        movq    $1, 8(%rbx)
1:      END_FAULT
        PTE     12
        CHECK_BITS (%rax), $PTE_D, $0, "write to a read-only page faults: D stays clear"

        /* 2 MiB page: A and D in the PDE */
        call    large_pde
        mov     %rax, %r13
        movq    $(0x400000 | PTE_PS | PTE_P | PTE_W), (%r13)
        invlpg  LARGE_VA
        mov     LARGE_VA + 0x3000, %rax
        CHECK_BITS (%r13), $(PTE_A | PTE_D), $PTE_A, "read through a 2 MiB page: PDE accessed, not dirty"
        movq    $0, LARGE_VA + 0x3008
        CHECK_BITS (%r13), $(PTE_A | PTE_D), $(PTE_A | PTE_D), "write through a 2 MiB page: PDE dirty"
        movq    $0, (%r13)
        invlpg  LARGE_VA
        ret

/* ------------------------------------------------------------------------ */
t_invlpg:
        MAP     13, 0, PTE_P | PTE_W
        mov     $WINDOW_PAGE(13), %ebx
        mov     (%rbx), %rax
        CHECK   %rax, $PAGE_MARKER, "INVLPG: first mapping"
        PTE     13
        mov     %rax, %r12
        mov     $1, %edi
        mov     $(PTE_P | PTE_W), %esi
        call    test_pte
        mov     %rax, (%r12)
        invlpg  (%rbx)
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 1), "PTE changed, INVLPG: new mapping"

        mov     $2, %edi
        call    test_pte
        mov     %rax, (%r12)
        invlpg  0x800(%rbx)
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 2), "PTE changed, INVLPG of another byte of the page: new mapping"

        mov     $3, %edi
        call    test_pte
        mov     %rax, (%r12)
        call    flush_tlb
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 3), "PTE changed, CR3 reload: new mapping"

        /* writes go to the new mapping too */
        mov     $4, %edi
        call    test_pte
        mov     %rax, (%r12)
        invlpg  (%rbx)
        movq    $0x4444, 8(%rbx)
        mov     $4, %edi
        call    test_page
        CHECK   8(%rax), $0x4444, "PTE changed, INVLPG: writes reach the new page"
        movq    $0, 8(%rax)

        /* not present -> present needs no INVLPG architecturally only if
         * nothing cached it; we INVLPG anyway and check the fault is gone */
        movq    $0, (%r12)
        invlpg  (%rbx)
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "PTE cleared, INVLPG: #PF"
        mov     $5, %edi
        call    test_pte
        mov     %rax, (%r12)
        invlpg  (%rbx)
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 5), "PTE set again, INVLPG: mapping back"

        /* global pages: INVLPG drops them; so does a CR4.PGE toggle */
        mov     %cr4, %rax
        or      $CR4_PGE, %eax
        mov     %rax, %cr4
        mov     $6, %edi
        mov     $(PTE_P | PTE_W | PTE_G), %esi
        call    test_pte
        mov     %rax, (%r12)
        invlpg  (%rbx)
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 6), "global page: mapped"
        mov     $7, %edi
        call    test_pte
        mov     %rax, (%r12)
        invlpg  (%rbx)
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 7), "global page changed, INVLPG: new mapping"
        mov     $8, %edi
        call    test_pte
        mov     %rax, (%r12)
        mov     %cr4, %rax
        and     $~CR4_PGE, %eax
        mov     %rax, %cr4
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 8), "global page changed, CR4.PGE cleared: new mapping"

        /* a changed PDE (another page table) is seen after INVLPG */
        call    window_pde
        mov     %rax, %r13
        mov     (%r13), %r14                    /* the old PDE */
        mov     $15, %edi
        call    test_page
        mov     %rax, %r15                      /* test page 15 as a page table */
        mov     $9, %edi
        mov     $(PTE_P | PTE_W), %esi
        call    test_pte
        mov     %rax, 13*8(%r15)                /* its entry 13 -> test page 9 */
        mov     %r15, %rax
        or      $(PTE_P | PTE_W | PTE_U), %eax
        mov     %rax, (%r13)
        invlpg  (%rbx)
        mov     (%rbx), %rax
        mov     %r14, (%r13)
        invlpg  (%rbx)
        CHECK   %rax, $(PAGE_MARKER + 9), "PDE changed to another page table, INVLPG: new mapping"
        mov     (%rbx), %rax
        CHECK   %rax, $(PAGE_MARKER + 8), "PDE restored, INVLPG: old table again"
        mov     $15, %edi
        call    test_page
        movq    $(PAGE_MARKER + 15), (%rax)
        movq    $0, 13*8(%rax)
        ret

/* 2 MiB pages: INVLPG of any address in the page drops all of it. */
t_large_invlpg:
        movq    $0x11110000, 0x401000
        movq    $0x11111FF0, 0x5FF000
        movq    $0x22220000, 0x601000
        movq    $0x22221FF0, 0x7FF000
        call    large_pde
        mov     %rax, %r13
        movq    $(0x400000 | PTE_PS | PTE_P | PTE_W), (%r13)
        invlpg  LARGE_VA
        mov     LARGE_VA + 0x1000, %rax
        CHECK   %rax, $0x11110000, "2 MiB page: mapped (low 4 KiB)"
        mov     LARGE_VA + 0x1FF000, %rax
        CHECK   %rax, $0x11111FF0, "2 MiB page: mapped (high 4 KiB)"
        movq    $(0x600000 | PTE_PS | PTE_P | PTE_W), (%r13)
        invlpg  LARGE_VA
        mov     LARGE_VA + 0x1000, %rax
        CHECK   %rax, $0x22220000, "2 MiB page changed, INVLPG of its first byte: new mapping at +4 KiB"
        mov     LARGE_VA + 0x1FF000, %rax
        CHECK   %rax, $0x22221FF0, "2 MiB page changed, INVLPG of its first byte: new mapping at +2044 KiB"
        movq    $(0x400000 | PTE_PS | PTE_P | PTE_W), (%r13)
        invlpg  LARGE_VA + 0x1FFFFF
        mov     LARGE_VA + 0x1000, %rax
        CHECK   %rax, $0x11110000, "2 MiB page changed, INVLPG of its last byte: new mapping at +4 KiB"
        movq    $0, (%r13)
        invlpg  LARGE_VA
        ret

/* ------------------------------------------------------------------------ */
t_smc:
        /* the very next instruction, twice (the second time it was run before) */
        xor     %ecx, %ecx
2:      lea     0x1000(%rcx), %eax
        mov     %eax, smc_next+1(%rip)
smc_next:
        mov     $0, %eax                        /* B8 imm32 */
        lea     0x1000(%rcx), %edx
        cmp     %edx, %eax
        jne     3f
        inc     %ecx
        cmp     $2, %ecx
        jb      2b
3:      CHECK   %rcx, $2, "self-modifying code: the next instruction on the same page"

        /* code on another page: MOV EAX, imm32; RET */
        lea     smc_buf(%rip), %rbx
        movb    $0xB8, (%rbx)
        movl    $0x01010101, 1(%rbx)
        movb    $0xC3, 5(%rbx)
        call    *%rbx
        CHECK   %rax, $0x01010101, "code written on another page: runs"
        movl    $0x02020202, 1(%rbx)
        call    *%rbx
        CHECK   %rax, $0x02020202, "code on another page rewritten after it ran: new code runs"

        /* written through an alias mapping of the same frame, then CPUID */
        PTE     14
        mov     %rbx, %rdx
        or      $(PTE_P | PTE_W), %edx
        mov     %rdx, (%rax)
        invlpg  WINDOW_PAGE(14)
        movl    $0x03030303, WINDOW_PAGE(14) + 1
        mov     %rbx, %r12
        xor     %eax, %eax
        cpuid                                   /* serializing */
        mov     %r12, %rbx
        call    *%rbx
        CHECK   %rax, $0x03030303, "code rewritten through an alias mapping: new code runs"

        /* an instruction that straddles two pages */
        call    nxe_on
        MAP     15, 10, PTE_P | PTE_W
        MAP     16, 11, PTE_P | PTE_W
        mov     $10, %edi
        call    test_page
        movb    $0xB8, 0xFFD(%rax)
        movw    $0x4444, 0xFFE(%rax)
        mov     $11, %edi
        call    test_page
        mov     %rax, %r12
        movw    $0x4444, (%r12)
        movb    $0xC3, 2(%r12)
        mov     $WINDOW_PAGE(15) + 0xFFD, %ebx
        call    *%rbx
        CHECK   %rax, $0x44444444, "instruction across a page boundary: runs"
        movw    $0x5555, (%r12)
        call    *%rbx
        CHECK   %rax, $0x55554444, "instruction across a page boundary, second page rewritten: new code"
        MAP     16, 11, 0
        EXPECT_FAULT 1f
        call    *%rbx
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "instruction across into a not-present page: #PF"
        CHECK   exc_cr2(%rip), $WINDOW_PAGE(16), "instruction across into a not-present page: CR2 is the second page"
        CHECK   exc_error(%rip), $PFEC_I, "instruction across into a not-present page: error code I"
        CHECK   exc_rip(%rip), %rbx, "instruction across into a not-present page: saved RIP is its start"
        mov     $10, %edi
        call    test_page
        movq    $(PAGE_MARKER + 10), (%rax)
        movq    $(PAGE_MARKER + 11), (%r12)
        call    nxe_off
        ret

/* ------------------------------------------------------------------------ */
t_split:
        MAP     17, 12, PTE_P | PTE_W
        MAP     18, 13, 0
        mov     $WINDOW_PAGE(17) + 0xFFC, %ebx
        EXPECT_FAULT 1f
        mov     (%rbx), %rax
1:      END_FAULT
        CHECK   exc_vector(%rip), $VEC_PF, "8-byte read across into a not-present page: #PF"
        CHECK   exc_cr2(%rip), $WINDOW_PAGE(18), "8-byte read across into a not-present page: CR2 is the second page"
        CHECK   exc_error(%rip), $0, "8-byte read across into a not-present page: error code 0"
        EXPECT_FAULT 1f
        movq    $-1, (%rbx)
1:      END_FAULT
        CHECK   exc_cr2(%rip), $WINDOW_PAGE(18), "8-byte write across into a not-present page: CR2 is the second page"
        CHECK   exc_error(%rip), $PFEC_W, "8-byte write across into a not-present page: error code W"
        mov     $12, %edi
        call    test_page
        CHECK   0xFF8(%rax), $0, "8-byte write across into a not-present page: first page unchanged"
        MAP     18, 13, PTE_P
        EXPECT_FAULT 1f
        movq    $-1, (%rbx)
1:      END_FAULT
        CHECK   exc_error(%rip), $(PFEC_P | PFEC_W), "8-byte write across into a read-only page: error code P|W"
        ret

/* ------------------------------------------------------------------------
 * Ring 3 code: RBX is the address to use. */
        .section .text.user, "ax"
        .balign 4096
user_text:
u_read:
        mov     (%rbx), %rax
        mov     %rax, user_result(%rip)
        jmp     user_exit
u_write:
        movq    $0x99, 8(%rbx)
        jmp     user_exit
u_call:
        call    *%rbx
        jmp     user_exit
        .balign 4096
user_text_end:

        .section .data.user, "aw"
        .balign 4096
user_data:
user_result:    .quad 0
        .balign 4096
user_data_end:

        .section .rodata
guest_name:     .asciz "cpu_pf"

        .bss
        .balign 4096
smc_buf:        .skip 4096
