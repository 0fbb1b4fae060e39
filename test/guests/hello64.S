/* hello64.elf: hello.elf in long mode. lib/long_mode.S builds an identity map
 * of 4 GiB and enters 64-bit mode; then the hypercall page is set up from long
 * mode, the Xen version is read through the page and once more with a direct
 * VMCALL, and the guest checks EFER.LMA before PASS and poweroff. */
#include "lib/pvh.h"

        .text
        .code64
        .globl  main64
main64:
        call    xen_init64
        lea     banner(%rip), %rdi
        call    print_str64
        call    print_xen_version64

        /* the same XENVER_version through a VMCALL in our own code */
        mov     $XENVER_version, %edi
        xor     %esi, %esi
        call    xen_version64
        mov     %rax, %rbx
        mov     $XENVER_version, %edi
        xor     %esi, %esi
        call    xen_version64_vmcall
        mov     %rax, %r12
        lea     direct(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        call    print_version64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        cmp     %rbx, %r12
        je      1f
        lea     mismatch(%rip), %rdi
        call    fail64

1:      call    long_mode_active
        test    %rax, %rax
        jnz     2f
        lea     not_long(%rip), %rdi
        call    fail64
2:      lea     long_ok(%rip), %rdi
        call    print_str64
        lea     pass(%rip), %rdi
        call    print_str64
        mov     $SHUTDOWN_poweroff, %edi
        call    shutdown64

        .section .rodata
banner:   .asciz "xpvh: hello from a PVH guest (64-bit)\n"
direct:   .asciz "direct vmcall: Xen "
mismatch: .asciz "xen_version via VMCALL differs from the hypercall page"
not_long: .asciz "EFER.LMA is clear or CS is not the 64-bit segment"
long_ok:  .asciz "long mode: ok\n"
pass:     .asciz "PASS\n"
