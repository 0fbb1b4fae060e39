/* bench_alu.elf (32-bit): the integer ALU benchmark. A loop of add, sub, xor,
 * or, and, shifts and rotates, cmp and a data-dependent jcc, run iters=N times
 * (default 10000000; about 16 instructions per iteration). Prints
 * "bench_alu: iters=N checksum=0x... done" and powers off. The checksum
 * depends only on N, so every emulator must print the same one. */
#include "lib/pvh.h"

#define DEFAULT_ITERS 10000000

        .text
        .code32
        .globl  main32
main32:
        call    bench_init
        mov     $key_iters, %eax
        mov     $DEFAULT_ITERS, %edx
        call    bench_param
        mov     %eax, %esi              /* iterations left */
        push    %eax

        mov     $0x12345678, %eax
        mov     $0x9E3779B9, %ebx
        mov     $0x0F1E2D3C, %edx
        xor     %edi, %edi
        test    %esi, %esi
        jz      4f
        .balign 16
1:      add     %ebx, %eax
        xor     %eax, %edx
        mov     %edx, %ecx
        shr     $5, %ecx
        sub     %ecx, %ebx
        rol     $7, %edx
        add     $0x3C6EF372, %ebx
        cmp     %ebx, %eax
        jb      2f
        xor     $0x5A5A5A5A, %edi
        add     %eax, %edi
        jmp     3f
2:      sub     %edx, %edi
        or      $1, %edi
        shl     $1, %eax
3:      and     $0x7FFFFFFF, %edx
        dec     %esi
        jnz     1b
4:      xor     %ebx, %eax
        xor     %edx, %eax
        xor     %edi, %eax
        mov     %eax, %ebx              /* the checksum */

        mov     $msg_name, %eax
        call    print_str
        mov     $key_iters_out, %eax
        pop     %edx
        call    bench_print_kv
        mov     $msg_checksum, %eax
        mov     %ebx, %edx
        call    bench_print_hex_kv
        mov     $msg_done, %eax
        call    print_str
        call    bench_exit

        .section .rodata
key_iters:      .asciz "iters="
key_iters_out:  .asciz " iters="
msg_name:       .asciz "bench_alu:"
