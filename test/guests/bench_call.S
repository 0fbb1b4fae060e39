/* bench_call.elf (32-bit): the call/ret benchmark. Recursive fib(n) (default
 * n=25, 242785 calls) computed reps=R times (default 40), with a push/pop
 * frame per call. Prints "bench_call: n=N reps=R fib=F checksum=0x... done"
 * and powers off. */
#include "lib/pvh.h"

#define DEFAULT_N     25
#define DEFAULT_REPS  40

        .text
        .code32
        .globl  main32
main32:
        call    bench_init
        mov     $key_n, %eax
        mov     $DEFAULT_N, %edx
        call    bench_param
        mov     %eax, %edi              /* n */
        mov     $key_reps, %eax
        mov     $DEFAULT_REPS, %edx
        call    bench_param
        mov     %eax, %esi              /* repetitions */
        push    %eax
        xor     %ebx, %ebx              /* checksum: sum of the answers, rotated */
        xor     %ebp, %ebp              /* the last answer */
        test    %esi, %esi
        jz      2f
1:      mov     %edi, %eax
        call    fib
        mov     %eax, %ebp
        rol     $3, %ebx
        add     %eax, %ebx
        dec     %esi
        jnz     1b
2:
        mov     $msg_name, %eax
        call    print_str
        mov     $key_n_out, %eax
        mov     %edi, %edx
        call    bench_print_kv
        mov     $key_reps_out, %eax
        pop     %edx
        call    bench_print_kv
        mov     $key_fib_out, %eax
        mov     %ebp, %edx
        call    bench_print_kv
        mov     $msg_checksum, %eax
        mov     %ebx, %edx
        call    bench_print_hex_kv
        mov     $msg_done, %eax
        call    print_str
        call    bench_exit

/* fib(EAX = n) -> EAX; preserves every other register. */
        .balign 16
fib:
        cmp     $2, %eax
        jb      1f
        push    %ecx
        push    %eax
        dec     %eax
        call    fib
        mov     %eax, %ecx
        pop     %eax
        sub     $2, %eax
        call    fib
        add     %ecx, %eax
        pop     %ecx
1:      ret

        .section .rodata
key_n:          .asciz "n="
key_reps:       .asciz "reps="
key_n_out:      .asciz " n="
key_reps_out:   .asciz " reps="
key_fib_out:    .asciz " fib="
msg_name:       .asciz "bench_call:"
