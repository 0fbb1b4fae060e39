/* nullcall.elf (64-bit): the hypercall round-trip benchmark. Reads count=N
 * from the kernel command line (default 1000000), calls xen_version(0) N times
 * through the hypercall page, checks every answer against the first, prints
 * "done" and powers off. */
#include "lib/pvh.h"

#define DEFAULT_COUNT 1000000

        .text
        .code64
        .globl  main64
main64:
        call    xen_init64
        call    parse_count
        mov     %rax, %rbx              /* iterations left (preserved by hypercalls) */
        lea     msg_count(%rip), %rdi
        call    print_str64
        mov     %rbx, %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64

        mov     $XENVER_version, %edi
        xor     %esi, %esi
        call    HYPERCALL(__HYPERVISOR_xen_version)
        mov     %rax, %r12              /* the expected answer */
        test    %rbx, %rbx
        jz      2f
1:      xor     %edi, %edi              /* XENVER_version: the cheapest hypercall */
        xor     %esi, %esi
        call    HYPERCALL(__HYPERVISOR_xen_version)
        cmp     %r12, %rax
        jne     3f
        dec     %rbx
        jnz     1b
2:      lea     msg_done(%rip), %rdi
        call    print_str64
        mov     $SHUTDOWN_poweroff, %edi
        call    shutdown64
3:      lea     msg_changed(%rip), %rdi
        call    fail64

/* parse_count -> RAX: the number after the first "count=" that starts the
 * command line or follows a space; DEFAULT_COUNT when absent or empty. */
parse_count:
        mov     boot_cmdline(%rip), %esi
        test    %esi, %esi
        jz      .Ldefault
        mov     $' ', %dl               /* previous character: start counts as a space */
1:      mov     (%rsi), %al
        test    %al, %al
        jz      .Ldefault
        cmp     $' ', %dl
        jne     2f
        lea     key(%rip), %rdi
        mov     %rsi, %rcx
3:      mov     (%rdi), %al             /* compare with "count=" */
        test    %al, %al
        jz      .Lnumber
        cmp     (%rcx), %al
        jne     2f
        inc     %rdi
        inc     %rcx
        jmp     3b
2:      mov     (%rsi), %dl
        inc     %rsi
        jmp     1b
.Lnumber:
        xor     %eax, %eax
        xor     %edx, %edx              /* digits seen */
4:      movzbl  (%rcx), %edi
        sub     $'0', %edi
        cmp     $9, %edi
        ja      5f
        imul    $10, %rax, %rax
        add     %rdi, %rax
        inc     %rcx
        inc     %edx
        jmp     4b
5:      test    %edx, %edx
        jz      .Ldefault
        ret
.Ldefault:
        mov     $DEFAULT_COUNT, %eax
        ret

        .section .rodata
key:         .asciz "count="
msg_count:   .asciz "nullcall: xen_version x "
msg_done:    .asciz "done\n"
msg_changed: .asciz "xen_version answered differently during the loop"
