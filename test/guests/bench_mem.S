/* bench_mem.elf (32-bit, paging off): the memory benchmark. Over a 64 KiB
 * array, passes=N times (default 1000): load, add, store (mem_loop in
 * bench_lib.S, seven instructions per element, 16384 elements a pass). Prints
 * "bench_mem: passes=N checksum=0x... done" and powers off. */
#include "lib/pvh.h"

#define DEFAULT_PASSES 1000

        .text
        .code32
        .globl  main32
main32:
        call    bench_init
        mov     $key_passes, %eax
        mov     $DEFAULT_PASSES, %edx
        call    bench_param
        mov     %eax, %esi
        mov     %eax, %edx
        mov     $mem_array, %eax        /* physical == linear: paging is off */
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
msg_name:       .asciz "bench_mem:"

        .bss
        .balign 4096
mem_array:      .skip 65536
