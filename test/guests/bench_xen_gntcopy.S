/* bench_xen_gntcopy.elf (64-bit): GNTTABOP_copy throughput. Grant frame 0
 * mapped, a 4 KiB page granted to ourselves; `count=N` calls (default 20000)
 * of GNTTABOP_copy with `batch=B` segments each (default 1, at most 16), each
 * segment a whole page from the grant ref to one of 16 destination gmfns.
 * Every status must be okay and the last page must match. bench/hypercall.ts
 * turns the wall time into MB/s. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "lib/xen_test.h"

#define DEFAULT_COUNT 20000
#define MAX_BATCH 16
#define REF_SRC 8

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
        mov     %rax, %r15              /* calls, kept */
        lea     key_batch(%rip), %rdi
        mov     $1, %esi
        call    cmdline_param
        cmp     $MAX_BATCH, %rax
        jbe     1f
        mov     $MAX_BATCH, %eax
1:      test    %rax, %rax
        jnz     2f
        inc     %eax
2:      mov     %rax, %r13              /* batch */

        mov     $XENMAPSPACE_grant_table, %edi
        xor     %esi, %esi
        lea     gnt_frame(%rip), %rdx
        shr     $12, %rdx
        call    add_to_physmap
        CHECK_RC $0, "grant frame 0 mapped"
        mov     $0x40000004, %eax
        xor     %ecx, %ecx
        cpuid
        lea     gnt_frame(%rip), %rax
        movw    %cx, 8*REF_SRC+2(%rax)
        lea     src_page(%rip), %rdx
        shr     $12, %rdx
        movl    %edx, 8*REF_SRC+4(%rax)
        sfence
        movw    $GTF_permit_access, 8*REF_SRC(%rax)
        /* A pattern to copy. */
        lea     src_page(%rip), %rdi
        xor     %ecx, %ecx
3:      mov     %cl, (%rdi,%rcx)
        xor     %ch, (%rdi,%rcx)
        inc     %ecx
        cmp     $4096, %ecx
        jb      3b
        /* The segments: page i of dst_pages for segment i. */
        lea     ops(%rip), %rdi
        lea     dst_pages(%rip), %rdx
        shr     $12, %rdx
        xor     %ecx, %ecx
4:      movq    $REF_SRC, GNTCOPY_SRC_U(%rdi)
        movw    $DOMID_SELF, GNTCOPY_SRC_DOMID(%rdi)
        movw    $0, GNTCOPY_SRC_OFFSET(%rdi)
        mov     %rdx, GNTCOPY_DST_U(%rdi)
        movw    $DOMID_SELF, GNTCOPY_DST_DOMID(%rdi)
        movw    $0, GNTCOPY_DST_OFFSET(%rdi)
        movw    $4096, GNTCOPY_LEN(%rdi)
        movw    $GNTCOPY_source_gref, GNTCOPY_FLAGS(%rdi)
        add     $GNTCOPY_SIZE, %rdi
        inc     %rdx
        inc     %ecx
        cmp     $MAX_BATCH, %ecx
        jb      4b

        xor     %r14d, %r14d            /* failed calls or segments */
        test    %r12, %r12
        jz      7f
5:      mov     $GNTTABOP_copy, %edi
        lea     ops(%rip), %rsi
        mov     %r13, %rdx
        HCALL   __HYPERVISOR_grant_table_op
        test    %rax, %rax
        jz      6f
        inc     %r14
6:      dec     %r12
        jnz     5b
        /* Statuses of the last call. */
        lea     ops(%rip), %rdi
        mov     %r13, %rcx
8:      cmpw    $0, GNTCOPY_STATUS(%rdi)
        je      9f
        inc     %r14
9:      add     $GNTCOPY_SIZE, %rdi
        loop    8b
7:      CHECK   %r14, $0, "every GNTTABOP_copy succeeded"
        test    %r15, %r15
        jz      10f                     /* count=0 (the bench's baseline run) */
        lea     src_page(%rip), %rsi
        lea     dst_pages(%rip), %rdi
        mov     $4096, %ecx
        xor     %eax, %eax
        repe cmpsb
        sete    %al
        CHECK   %rax, $1, "the copied page matches"
10:     lea     msg_done(%rip), %rdi
        call    print_str64
        jmp     test_finish

        .section .rodata
name:           .asciz "bench_xen_gntcopy"
key_count:      .asciz "count="
key_batch:      .asciz "batch="
msg_done:       .asciz "bench_xen_gntcopy: done\n"

        .bss
        .balign 8
ops:            .skip MAX_BATCH * GNTCOPY_SIZE
        .balign 4096
gnt_frame:      .skip 4096
src_page:       .skip 4096
dst_pages:      .skip MAX_BATCH * 4096
