/* 32-bit guest library: Xen detection, hypercall page, console output, numbers,
 * xen_version and shutdown.
 *
 * Calling convention (ours, for hand-written callers): first argument in EAX,
 * second in EDX, result in EAX; every other register is preserved.
 * Hypercalls (xen-pvh-abi.md section 2): number in EAX via `call page+32*nr`,
 * arguments in EBX, ECX, EDX, ESI, EDI, result in EAX; argument registers may
 * be clobbered, so each wrapper saves them. Pointers are guest-virtual; paging
 * is off in 32-bit guests, so they are the physical addresses too. */
#include "pvh.h"

        .text
        .code32

/* xen_init: find the Xen CPUID leaves, fill the hypercall page, and check that
 * we were entered through PVH. Without Xen it reports over port 0xE9 and parks
 * the CPU (the QEMU oracle run). Returns the CPUID base in EAX. */
        .globl  xen_init
xen_init:
        push    %ebx
        push    %ecx
        push    %edx
        push    %esi
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
        sub     %esi, %eax              /* the base must offer leaves up to base+2 */
        cmp     $2, %eax
        jge     .Lfound
2:      add     $XEN_CPUID_STEP, %esi
        cmp     $XEN_CPUID_END, %esi
        jb      1b
        jmp     no_xen

.Lfound:
        lea     2(%esi), %eax           /* base+2: EBX = hypercall MSR */
        xor     %ecx, %ecx
        cpuid
        mov     %ebx, %ecx
        mov     $hypercall_page, %eax
        xor     %edx, %edx
        wrmsr
        cmpb    $HYPERCALL_PAGE_POISON, hypercall_page
        jne     3f
        mov     $msg_page_not_filled, %eax
        call    print_str               /* still on port 0xE9 */
        jmp     park
3:      movl    $1, hypercall_ready
        cmpl    $BOOT_UNKNOWN, boot_proto
        jne     4f
        mov     $msg_bad_start_info, %eax
        call    print_str
        mov     boot_info, %eax
        call    print_hex
        mov     $msg_newline, %eax
        call    print_str
        mov     $SHUTDOWN_crash, %eax
        call    shutdown
4:      mov     %esi, %eax
        pop     %esi
        pop     %edx
        pop     %ecx
        pop     %ebx
        ret

/* No Xen: say how we were booted, then stop (QEMU exits if it has isa-debug-exit). */
no_xen:
        mov     $msg_boot, %eax
        call    print_str
        mov     boot_proto, %eax
        mov     boot_proto_names(,%eax,4), %eax
        call    print_str
        mov     $msg_info_at, %eax
        call    print_str
        mov     boot_info, %eax
        call    print_hex
        mov     $msg_mode32, %eax
        call    print_str
        mov     $msg_no_xen, %eax
        call    print_str
park:
        mov     $NO_XEN_EXIT_VALUE, %al
        outb    %al, $PORT_QEMU_DEBUG_EXIT
1:      cli
        hlt
        jmp     1b

/* console_write(EAX = buffer, EDX = length): console_io(CONSOLEIO_write), or
 * port 0xE9 before the hypercall page exists or when the hypercall fails (the
 * earlyprintk=xen fallback). */
        .globl  console_write
console_write:
        push    %ebx
        push    %ecx
        push    %edx
        push    %esi
        push    %edi
        mov     %eax, %esi              /* keep buffer and length for the fallback */
        mov     %edx, %edi
        cmpl    $0, hypercall_ready
        je      1f
        mov     $CONSOLEIO_write, %ebx
        mov     %edi, %ecx              /* count */
        mov     %esi, %edx              /* buffer */
        call    HYPERCALL(__HYPERVISOR_console_io)
        test    %eax, %eax
        jns     2f
1:      mov     %esi, %eax
        mov     %edi, %edx
        call    e9_write
2:      pop     %edi
        pop     %esi
        pop     %edx
        pop     %ecx
        pop     %ebx
        ret

/* e9_write(EAX = buffer, EDX = length): one outb per byte to port 0xE9. */
        .globl  e9_write
e9_write:
        push    %ecx
        push    %esi
        mov     %eax, %esi
        mov     %edx, %ecx
        jecxz   2f
1:      lodsb
        outb    %al, $PORT_E9
        loop    1b
2:      pop     %esi
        pop     %ecx
        ret

/* e9_print(EAX = NUL-terminated string) to port 0xE9 only. */
        .globl  e9_print
e9_print:
        push    %edx
        push    %eax
        call    strlen
        mov     %eax, %edx
        pop     %eax
        call    e9_write
        pop     %edx
        ret

/* strlen(EAX = string) -> EAX */
        .globl  strlen
strlen:
        push    %ecx
        mov     %eax, %ecx
1:      cmpb    $0, (%ecx)
        je      2f
        inc     %ecx
        jmp     1b
2:      sub     %ecx, %eax
        neg     %eax
        pop     %ecx
        ret

/* print_str(EAX = NUL-terminated string) to the Xen console. */
        .globl  print_str
print_str:
        push    %edx
        push    %eax
        call    strlen
        mov     %eax, %edx
        pop     %eax
        call    console_write
        pop     %edx
        ret

/* print_hex(EAX): "0x" and 8 hex digits. */
        .globl  print_hex
print_hex:
        push    %eax
        push    %ecx
        push    %edx
        push    %edi
        sub     $12, %esp
        movw    $0x7830, (%esp)         /* "0x" */
        lea     9(%esp), %edi
        mov     $8, %ecx
1:      mov     %eax, %edx
        and     $0xF, %edx
        movb    hex_digits(%edx), %dl
        mov     %dl, (%edi)
        dec     %edi
        shr     $4, %eax
        loop    1b
        mov     %esp, %eax
        mov     $10, %edx
        call    console_write
        add     $12, %esp
        pop     %edi
        pop     %edx
        pop     %ecx
        pop     %eax
        ret

/* print_dec(EAX): unsigned decimal. */
        .globl  print_dec
print_dec:
        push    %eax
        push    %ecx
        push    %edx
        push    %edi
        sub     $12, %esp
        lea     12(%esp), %edi          /* digits grow down from the end */
        mov     $10, %ecx
1:      xor     %edx, %edx
        div     %ecx
        add     $'0', %dl
        dec     %edi
        mov     %dl, (%edi)
        test    %eax, %eax
        jnz     1b
        mov     %edi, %eax
        lea     12(%esp), %edx
        sub     %edi, %edx
        call    console_write
        add     $12, %esp
        pop     %edi
        pop     %edx
        pop     %ecx
        pop     %eax
        ret

/* xen_version(EAX = cmd, EDX = buffer) -> EAX */
        .globl  xen_version
xen_version:
        push    %ebx
        push    %ecx
        push    %edx
        push    %esi
        push    %edi
        mov     %eax, %ebx
        mov     %edx, %ecx
        call    HYPERCALL(__HYPERVISOR_xen_version)
        pop     %edi
        pop     %esi
        pop     %edx
        pop     %ecx
        pop     %ebx
        ret

/* print_xen_version: "Xen <major>.<minor><extraversion>\n" */
        .globl  print_xen_version
print_xen_version:
        push    %eax
        push    %edx
        mov     $XENVER_version, %eax
        xor     %edx, %edx
        call    xen_version
        push    %eax
        mov     $msg_xen, %eax
        call    print_str
        mov     (%esp), %eax
        shr     $16, %eax
        call    print_dec
        mov     $msg_dot, %eax
        call    print_str
        pop     %eax
        and     $0xFFFF, %eax
        call    print_dec
        mov     $XENVER_extraversion, %eax
        mov     $extraversion, %edx
        call    xen_version
        test    %eax, %eax
        js      1f
        mov     $extraversion, %eax     /* 16 bytes, then our own NUL */
        call    print_str
1:      mov     $msg_newline, %eax
        call    print_str
        pop     %edx
        pop     %eax
        ret

/* shutdown(EAX = reason): sched_op(SCHEDOP_shutdown, &{u32 reason}). Does not
 * return; if Xen returns anyway it says so and parks the CPU. */
        .globl  shutdown
shutdown:
        push    %eax                    /* struct sched_shutdown { u32 reason; } */
        mov     $SCHEDOP_shutdown, %ebx
        mov     %esp, %ecx
        call    HYPERCALL(__HYPERVISOR_sched_op)
        push    %eax
        mov     $msg_shutdown_returned, %eax
        call    print_str
        pop     %eax
        call    print_hex
        mov     $msg_newline, %eax
        call    print_str
1:      cli
        hlt
        jmp     1b

/* fail(EAX = message): print "FAIL: <message>" and shut down with reason crash. */
        .globl  fail
fail:
        push    %eax
        mov     $msg_fail, %eax
        call    print_str
        pop     %eax
        call    print_str
        mov     $msg_newline, %eax
        call    print_str
        mov     $SHUTDOWN_crash, %eax
        call    shutdown

        .section .rodata
hex_digits:     .ascii "0123456789abcdef"
        .balign 4
boot_proto_names:
        .long   msg_unknown, msg_pvh, msg_multiboot
msg_unknown:    .asciz "unknown (no start_info magic)"
msg_pvh:        .asciz "PVH"
msg_multiboot:  .asciz "multiboot"
msg_boot:       .asciz "xpvh-guest: entered via "
msg_info_at:    .asciz ", EBX="
msg_mode32:     .asciz ", 32-bit\n"
msg_no_xen:     .asciz "xpvh-guest: no Xen CPUID leaves, halting\n"
msg_page_not_filled: .asciz "xpvh-guest: the hypercall MSR write left the page unfilled, halting\n"
msg_bad_start_info: .asciz "FAIL: EBX at entry does not point at hvm_start_info (magic 0x336ec578): EBX="
msg_shutdown_returned: .asciz "FAIL: SCHEDOP_shutdown returned "
msg_fail:       .asciz "FAIL: "
msg_xen:        .asciz "Xen "
msg_dot:        .asciz "."
        .globl  msg_newline
msg_newline:    .asciz "\n"

        .bss
extraversion:   .skip XENVER_EXTRAVERSION_LEN + 1
