/* bench_string.elf (32-bit): the string-instruction benchmark. passes=N times
 * (default 2000): `rep stosd` fills a 64 KiB block with a pattern that changes
 * every pass, then `rep movsd` copies it to a second 64 KiB block, so each
 * pass writes 128 KiB. At the end it checks the copy word by word. Prints
 * "bench_string: passes=N bytes=B checksum=0x... done" (B = bytes written by
 * the string instructions) and powers off; a bad copy prints FAIL instead. */
#include "lib/pvh.h"

#define DEFAULT_PASSES  2000
#define BLOCK_BYTES     65536
#define BLOCK_DWORDS    (BLOCK_BYTES / 4)

        .text
        .code32
        .globl  main32
main32:
        call    bench_init
        mov     $key_passes, %eax
        mov     $DEFAULT_PASSES, %edx
        call    bench_param
        push    %eax                    /* passes, for the report */
        mov     %eax, %ebx              /* passes left */
        mov     $0x01234567, %edx       /* the pattern */
        test    %ebx, %ebx
        jz      2f
        .balign 16
1:      add     $0x9E3779B9, %edx
        mov     %edx, %eax
        mov     $block_a, %edi
        mov     $BLOCK_DWORDS, %ecx
        rep stosl
        mov     $block_a, %esi
        mov     $block_b, %edi
        mov     $BLOCK_DWORDS, %ecx
        rep movsl
        dec     %ebx
        jnz     1b
2:
        /* Check: block_b holds the last pattern in every dword (or zeros when
         * there was no pass). */
        mov     (%esp), %eax
        test    %eax, %eax
        jnz     3f
        xor     %edx, %edx
3:      xor     %ecx, %ecx
4:      cmp     %edx, block_b(,%ecx,4)
        jne     .Lbad
        inc     %ecx
        cmp     $BLOCK_DWORDS, %ecx
        jb      4b
        mov     %edx, %ebx              /* checksum: the last pattern */

        mov     $msg_name, %eax
        call    print_str
        mov     $key_passes_out, %eax
        mov     (%esp), %edx
        call    bench_print_kv
        mov     $key_bytes_out, %eax    /* 2 * 64 KiB a pass; fits in 32 bits below 32768 passes */
        pop     %edx
        shl     $17, %edx
        call    bench_print_kv
        mov     $msg_checksum, %eax
        mov     %ebx, %edx
        call    bench_print_hex_kv
        mov     $msg_done, %eax
        call    print_str
        call    bench_exit
.Lbad:
        mov     $msg_bad, %eax
        call    bench_fail

        .section .rodata
key_passes:     .asciz "passes="
key_passes_out: .asciz " passes="
key_bytes_out:  .asciz " bytes="
msg_name:       .asciz "bench_string:"
msg_bad:        .asciz "bench_string: the rep movsd copy differs from the rep stosd fill"

        .bss
        .balign 4096
block_a:        .skip 65536
block_b:        .skip 65536
