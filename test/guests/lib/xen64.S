/* 64-bit guest library: the long-mode twin of xen32.S (same routines, same
 * messages), entered after lib/long_mode.S has switched modes.
 *
 * Calling convention (ours): first argument in RDI, second in RSI, result in
 * RAX; every other register is preserved.
 * Hypercalls (xen-pvh-abi.md section 2): number in RAX via `call page+32*nr`
 * or a direct VMCALL, arguments in RDI, RSI, RDX, R10, R8, result in RAX;
 * argument registers may be clobbered, so each wrapper saves them. Addresses
 * are identity-mapped, so guest-virtual equals guest-physical below 4 GiB. */
#include "pvh.h"

        .text
        .code64

/* xen_init64: as xen_init in xen32.S, but the hypercall MSR is written from
 * long mode, which is what tells Xen this is a 64-bit guest. */
        .globl  xen_init64
xen_init64:
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        mov     $XEN_CPUID_FIRST, %esi
1:      mov     %esi, %eax
        xor     %ecx, %ecx
        cpuid
        cmp     $XEN_SIG_EBX, %ebx
        jne     2f
        cmp     $XEN_SIG_ECX, %ecx
        jne     2f
        cmp     $XEN_SIG_EDX, %edx
        jne     2f
        sub     %esi, %eax
        cmp     $2, %eax
        jge     .Lfound
2:      add     $XEN_CPUID_STEP, %esi
        cmp     $XEN_CPUID_END, %esi
        jb      1b
        jmp     no_xen64

.Lfound:
        lea     2(%rsi), %eax
        xor     %ecx, %ecx
        cpuid
        mov     %ebx, %ecx
        lea     hypercall_page(%rip), %rax
        mov     %rax, %rdx
        shr     $32, %rdx
        wrmsr
        cmpb    $HYPERCALL_PAGE_POISON, hypercall_page(%rip)
        jne     3f
        lea     msg_page_not_filled64(%rip), %rdi
        call    print_str64
        jmp     park64
3:      movl    $1, hypercall_ready(%rip)
        cmpl    $BOOT_UNKNOWN, boot_proto(%rip)
        jne     4f
        lea     msg_bad_start_info64(%rip), %rdi
        call    print_str64
        mov     boot_info(%rip), %edi
        call    print_hex64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        mov     $SHUTDOWN_crash, %edi
        call    shutdown64
4:      mov     %esi, %eax
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

no_xen64:
        lea     msg_boot64(%rip), %rdi
        call    print_str64
        mov     boot_proto(%rip), %eax
        lea     boot_proto_names64(%rip), %rdi
        mov     (%rdi,%rax,8), %rdi
        call    print_str64
        lea     msg_info_at64(%rip), %rdi
        call    print_str64
        mov     boot_info(%rip), %edi
        call    print_hex64
        lea     msg_mode64(%rip), %rdi
        call    print_str64
        lea     msg_no_xen64(%rip), %rdi
        call    print_str64
park64:
        mov     $NO_XEN_EXIT_VALUE, %al
        outb    %al, $PORT_QEMU_DEBUG_EXIT
1:      cli
        hlt
        jmp     1b

/* console_write64(RDI = buffer, RSI = length) */
        .globl  console_write64
console_write64:
        push    %rax
        push    %rdi
        push    %rsi
        push    %rdx
        push    %r8
        push    %r10
        push    %r11
        push    %rcx
        cmpl    $0, hypercall_ready(%rip)
        je      1f
        mov     %rdi, %rdx              /* buffer */
        mov     $CONSOLEIO_write, %edi
        call    HYPERCALL(__HYPERVISOR_console_io)
        test    %rax, %rax
        jns     2f
        mov     8*6(%rsp), %rdi         /* reload buffer and length */
        mov     8*5(%rsp), %rsi
1:      call    e9_write64
2:      pop     %rcx
        pop     %r11
        pop     %r10
        pop     %r8
        pop     %rdx
        pop     %rsi
        pop     %rdi
        pop     %rax
        ret

/* e9_write64(RDI = buffer, RSI = length): one outb per byte to port 0xE9. */
        .globl  e9_write64
e9_write64:
        push    %rax
        push    %rcx
        push    %rsi
        mov     %rsi, %rcx
        mov     %rdi, %rsi
        jrcxz   2f
1:      lodsb
        outb    %al, $PORT_E9
        loop    1b
2:      pop     %rsi
        pop     %rcx
        pop     %rax
        ret

/* strlen64(RDI) -> RAX */
        .globl  strlen64
strlen64:
        mov     %rdi, %rax
1:      cmpb    $0, (%rax)
        je      2f
        inc     %rax
        jmp     1b
2:      sub     %rdi, %rax
        ret

/* print_str64(RDI = NUL-terminated string) */
        .globl  print_str64
print_str64:
        push    %rax
        push    %rsi
        call    strlen64
        mov     %rax, %rsi
        call    console_write64
        pop     %rsi
        pop     %rax
        ret

/* e9_print64(RDI = NUL-terminated string) to port 0xE9 only. */
        .globl  e9_print64
e9_print64:
        push    %rax
        push    %rsi
        call    strlen64
        mov     %rax, %rsi
        call    e9_write64
        pop     %rsi
        pop     %rax
        ret

/* print_hex64(RDI): "0x" and 16 hex digits. */
        .globl  print_hex64
print_hex64:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rdi
        push    %rsi
        push    %r8
        sub     $24, %rsp
        movw    $0x7830, (%rsp)
        lea     17(%rsp), %r8
        lea     hex_digits64(%rip), %rsi
        mov     %rdi, %rax
        mov     $16, %ecx
1:      mov     %eax, %edx
        and     $0xF, %edx
        movb    (%rsi,%rdx), %dl
        mov     %dl, (%r8)
        dec     %r8
        shr     $4, %rax
        loop    1b
        mov     %rsp, %rdi
        mov     $18, %esi
        call    console_write64
        add     $24, %rsp
        pop     %r8
        pop     %rsi
        pop     %rdi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* print_dec64(RDI): unsigned decimal. */
        .globl  print_dec64
print_dec64:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rdi
        push    %rsi
        push    %r8
        sub     $24, %rsp
        lea     24(%rsp), %r8
        mov     %rdi, %rax
        mov     $10, %ecx
1:      xor     %edx, %edx
        div     %rcx
        add     $'0', %dl
        dec     %r8
        mov     %dl, (%r8)
        test    %rax, %rax
        jnz     1b
        mov     %r8, %rdi
        lea     24(%rsp), %rsi
        sub     %r8, %rsi
        call    console_write64
        add     $24, %rsp
        pop     %r8
        pop     %rsi
        pop     %rdi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* xen_version64(RDI = cmd, RSI = buffer) -> RAX, through the hypercall page. */
        .globl  xen_version64
xen_version64:
        push    %rdi
        push    %rsi
        push    %rdx
        push    %r8
        push    %r10
        push    %r11
        push    %rcx
        call    HYPERCALL(__HYPERVISOR_xen_version)
        pop     %rcx
        pop     %r11
        pop     %r10
        pop     %r8
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

/* xen_version64_vmcall(RDI = cmd, RSI = buffer) -> RAX, with a direct VMCALL
 * (0F 01 C1) instead of the hypercall page, as Linux does since XSA-466. */
        .globl  xen_version64_vmcall
xen_version64_vmcall:
        push    %rdi
        push    %rsi
        push    %rdx
        push    %r8
        push    %r10
        push    %r11
        push    %rcx
        mov     $__HYPERVISOR_xen_version, %eax
        vmcall
        pop     %rcx
        pop     %r11
        pop     %r10
        pop     %r8
        pop     %rdx
        pop     %rsi
        pop     %rdi
        ret

/* print_version64(RDI = XENVER_version result): "<major>.<minor>" */
        .globl  print_version64
print_version64:
        push    %rdi
        push    %rdi
        shr     $16, %edi
        call    print_dec64
        lea     msg_dot64(%rip), %rdi
        call    print_str64
        pop     %rdi
        and     $0xFFFF, %edi
        call    print_dec64
        pop     %rdi
        ret

/* print_xen_version64: "Xen <major>.<minor><extraversion>\n" */
        .globl  print_xen_version64
print_xen_version64:
        push    %rax
        push    %rdi
        push    %rsi
        lea     msg_xen64(%rip), %rdi
        call    print_str64
        mov     $XENVER_version, %edi
        xor     %esi, %esi
        call    xen_version64
        mov     %rax, %rdi
        call    print_version64
        mov     $XENVER_extraversion, %edi
        lea     extraversion64(%rip), %rsi
        call    xen_version64
        test    %rax, %rax
        js      1f
        lea     extraversion64(%rip), %rdi
        call    print_str64
1:      lea     msg_newline64(%rip), %rdi
        call    print_str64
        pop     %rsi
        pop     %rdi
        pop     %rax
        ret

/* shutdown64(RDI = reason): does not return. */
        .globl  shutdown64
shutdown64:
        push    %rdi                    /* struct sched_shutdown { u32 reason; } */
        mov     %rsp, %rsi
        mov     $SCHEDOP_shutdown, %edi
        call    HYPERCALL(__HYPERVISOR_sched_op)
        mov     %rax, %rbx
        lea     msg_shutdown_returned64(%rip), %rdi
        call    print_str64
        mov     %rbx, %rdi
        call    print_hex64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
1:      cli
        hlt
        jmp     1b

/* fail64(RDI = message): "FAIL: <message>\n", then shutdown with reason crash. */
        .globl  fail64
fail64:
        push    %rdi
        lea     msg_fail64(%rip), %rdi
        call    print_str64
        pop     %rdi
        call    print_str64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        mov     $SHUTDOWN_crash, %edi
        call    shutdown64

        .section .rodata
hex_digits64:   .ascii "0123456789abcdef"
        .balign 8
boot_proto_names64:
        .quad   msg_unknown64, msg_pvh64, msg_multiboot64
msg_unknown64:  .asciz "unknown (no start_info magic)"
msg_pvh64:      .asciz "PVH"
msg_multiboot64: .asciz "multiboot"
msg_boot64:     .asciz "xpvh-guest: entered via "
msg_info_at64:  .asciz ", EBX="
msg_mode64:     .asciz ", now in long mode\n"
msg_no_xen64:   .asciz "xpvh-guest: no Xen CPUID leaves, halting\n"
msg_page_not_filled64: .asciz "xpvh-guest: the hypercall MSR write left the page unfilled, halting\n"
msg_bad_start_info64: .asciz "FAIL: EBX at entry does not point at hvm_start_info (magic 0x336ec578): EBX="
msg_shutdown_returned64: .asciz "FAIL: SCHEDOP_shutdown returned "
msg_fail64:     .asciz "FAIL: "
msg_xen64:      .asciz "Xen "
msg_dot64:      .asciz "."
        .globl  msg_newline64
msg_newline64:  .asciz "\n"

        .bss
extraversion64: .skip XENVER_EXTRAVERSION_LEN + 1
