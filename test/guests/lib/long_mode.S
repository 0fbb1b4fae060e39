/* The switch from the PVH 32-bit entry to long mode, for 64-bit guests: this
 * file provides main32 and calls the guest's main64.
 *
 * Page tables: an identity map of the first 4 GiB with 2 MiB pages (one PML4
 * entry, four PDPT entries, four page directories of 512 entries), so every
 * address a PVH guest meets below 4 GiB (RAM, start_info, the local APIC and
 * the Xen pages near 0xFEFF8000) is reachable with virtual == physical.
 * Steps as in the SDM vol. 3 section 10.8.5: CR3, CR4.PAE, EFER.LME, CR0.PG,
 * then a far jump into a 64-bit code segment. */
#include "pvh.h"

        .text
        .code32
        .globl  main32
main32:
        /* PML4[0] -> PDPT */
        mov     $pdpt, %eax
        or      $PTE_PRESENT_RW, %eax
        mov     %eax, pml4
        /* PDPT[0..3] -> the four page directories */
        mov     $page_dirs, %eax
        or      $PTE_PRESENT_RW, %eax
        xor     %ecx, %ecx
1:      mov     %eax, pdpt(,%ecx,8)
        add     $4096, %eax
        inc     %ecx
        cmp     $4, %ecx
        jb      1b
        /* 2048 PDEs, entry i maps i * 2 MiB (all below 4 GiB: high dwords stay 0) */
        mov     $PDE_2MIB_PAGE, %eax
        xor     %ecx, %ecx
2:      mov     %eax, page_dirs(,%ecx,8)
        add     $0x200000, %eax
        inc     %ecx
        cmp     $2048, %ecx
        jb      2b

        mov     $pml4, %eax
        mov     %eax, %cr3
        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_LME, %eax
        wrmsr
        mov     %cr0, %eax
        or      $CR0_PG, %eax
        mov     %eax, %cr0
        ljmp    $SEL_CODE64, $long_entry

        .code64
long_entry:
        mov     $SEL_DATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        lea     stack_top(%rip), %rsp
        lgdt    gdt_desc(%rip)          /* reload with the full 64-bit base */
        call    main64
1:      cli
        hlt
        jmp     1b

/* long_mode_active -> RAX = 1 when EFER.LMA is set and we run in a 64-bit segment */
        .globl  long_mode_active
long_mode_active:
        push    %rcx
        push    %rdx
        mov     $MSR_EFER, %ecx
        rdmsr
        xor     %ecx, %ecx
        test    $EFER_LMA, %eax
        jz      1f
        mov     %cs, %eax
        cmp     $SEL_CODE64, %eax
        jne     1f
        mov     $1, %ecx
1:      mov     %rcx, %rax
        pop     %rdx
        pop     %rcx
        ret

        .bss
        .balign 4096
pml4:           .skip 4096
pdpt:           .skip 4096
page_dirs:      .skip 4 * 4096
