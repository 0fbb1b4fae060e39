/* bench_paged.elf (32-bit paging, 4 KiB pages): bench_mem's loop with paging
 * on. A page directory maps the first 4 MiB one to one through a page table
 * of 4 KiB pages (code, stack, the Xen pages the guest uses), and a second
 * page table maps the 64 KiB array again at linear 0x80000000, where the loop
 * runs over it, so every access goes through a translation that is not the
 * identity. passes=N (default 1000). Prints
 * "bench_paged: passes=N checksum=0x... done" (the same checksum as bench_mem
 * for the same N) and powers off. */
#include "lib/pvh.h"

#define DEFAULT_PASSES  1000
#define ARRAY_GVA       0x80000000
#define PDE_INDEX(gva)  ((gva) >> 22)

        .text
        .code32
        .globl  main32
main32:
        call    bench_init
        /* Read the command line before paging: it may lie above 4 MiB. */
        mov     $key_passes, %eax
        mov     $DEFAULT_PASSES, %edx
        call    bench_param
        mov     %eax, %esi

        /* page_table_low: 1024 entries, entry i maps i * 4 KiB */
        mov     $PTE_PRESENT_RW, %eax
        xor     %ecx, %ecx
1:      mov     %eax, page_table_low(,%ecx,4)
        add     $4096, %eax
        inc     %ecx
        cmp     $1024, %ecx
        jb      1b
        /* page_table_array: 16 entries onto the array's frames */
        mov     $mem_array, %eax
        or      $PTE_PRESENT_RW, %eax
        xor     %ecx, %ecx
2:      mov     %eax, page_table_array(,%ecx,4)
        add     $4096, %eax
        inc     %ecx
        cmp     $16, %ecx
        jb      2b
        mov     $page_table_low, %eax
        or      $PTE_PRESENT_RW, %eax
        mov     %eax, page_directory
        mov     $page_table_array, %eax
        or      $PTE_PRESENT_RW, %eax
        mov     %eax, page_directory + 4 * PDE_INDEX(ARRAY_GVA)
        mov     $page_directory, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $CR0_PG, %eax
        mov     %eax, %cr0
        jmp     3f                      /* (a jump after setting CR0.PG, as the SDM asks) */
3:
        mov     $ARRAY_GVA, %eax
        mov     %esi, %edx
        call    mem_loop
        mov     %eax, %ebx

        mov     $msg_name, %eax
        call    print_str
        mov     $key_passes_out, %eax
        mov     %esi, %edx
        call    bench_print_kv
        mov     $msg_checksum, %eax
        mov     %ebx, %edx
        call    bench_print_hex_kv
        mov     $msg_done, %eax
        call    print_str
        call    bench_exit

        .section .rodata
key_passes:     .asciz "passes="
key_passes_out: .asciz " passes="
msg_name:       .asciz "bench_paged:"

        .bss
        .balign 4096
page_directory:   .skip 4096
page_table_low:   .skip 4096
page_table_array: .skip 4096
mem_array:        .skip 65536
