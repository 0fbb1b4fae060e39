/* Shared code of the CPU benchmark guests (bench_*.elf, 32-bit): start-up with
 * or without Xen, numeric parameters from the command line, the memory loop
 * that bench_mem and bench_paged share, and the power-off.
 *
 * The benchmark guests also run on peers that have no Xen (v86, QEMU), entered
 * through the multiboot header. There xen_init would park the CPU, so
 * bench_init looks for the Xen CPUID leaves itself and calls xen_init only when
 * they are there. Without Xen, console_write falls back to port 0xE9 (the
 * hypercall page is never filled), and bench_exit writes to port 0xF4
 * (QEMU's isa-debug-exit; the bench harness hooks the same port in v86).
 *
 * Calling convention as in lib/xen32.S: arguments in EAX, EDX; result in EAX;
 * every other register preserved. */
#include "lib/pvh.h"

/* The memory loop's array: 64 KiB of u32. */
#define MEM_ARRAY_BYTES         65536
#define MEM_ARRAY_ELEMS         (MEM_ARRAY_BYTES / 4)

        .text
        .code32

/* bench_init: fill the hypercall page if Xen is there; remember whether it is. */
        .globl  bench_init
bench_init:
        push    %eax
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
        sub     %esi, %eax              /* xen_init wants leaves up to base+2 */
        cmp     $2, %eax
        jge     3f
2:      add     $XEN_CPUID_STEP, %esi
        cmp     $XEN_CPUID_END, %esi
        jb      1b
        jmp     4f
3:      call    xen_init
        movl    $1, bench_xen
4:      pop     %esi
        pop     %edx
        pop     %ecx
        pop     %ebx
        pop     %eax
        ret

/* bench_param(EAX = "key=", EDX = default) -> EAX: the decimal number after the
 * first "key=" that starts the command line or follows a space; the default
 * when there is none. */
        .globl  bench_param
bench_param:
        push    %ebx
        push    %ecx
        push    %esi
        push    %edi
        push    %edx                    /* the default */
        mov     boot_cmdline, %esi
        test    %esi, %esi
        jz      .Ldefault
        mov     $' ', %bl               /* previous character: start counts as a space */
1:      cmpb    $0, (%esi)
        je      .Ldefault
        cmp     $' ', %bl
        jne     2f
        mov     %eax, %edi              /* compare with the key */
        mov     %esi, %ecx
3:      mov     (%edi), %dl
        test    %dl, %dl
        jz      .Lnumber
        cmp     (%ecx), %dl
        jne     2f
        inc     %edi
        inc     %ecx
        jmp     3b
2:      mov     (%esi), %bl
        inc     %esi
        jmp     1b
.Lnumber:
        xor     %eax, %eax
        xor     %ebx, %ebx              /* digits seen */
4:      movzbl  (%ecx), %edi
        sub     $'0', %edi
        cmp     $9, %edi
        ja      5f
        imul    $10, %eax, %eax
        add     %edi, %eax
        inc     %ecx
        inc     %ebx
        jmp     4b
5:      test    %ebx, %ebx
        jz      .Ldefault
        pop     %edx
        jmp     6f
.Ldefault:
        pop     %edx
        mov     %edx, %eax
6:      pop     %edi
        pop     %esi
        pop     %ecx
        pop     %ebx
        ret

/* bench_print_kv(EAX = " key=", EDX = value): the key, then the value in decimal. */
        .globl  bench_print_kv
bench_print_kv:
        push    %eax
        call    print_str
        mov     %edx, %eax
        call    print_dec
        pop     %eax
        ret

/* bench_print_hex_kv(EAX = " key=", EDX = value): the key, then 0x and 8 hex digits. */
        .globl  bench_print_hex_kv
bench_print_hex_kv:
        push    %eax
        call    print_str
        mov     %edx, %eax
        call    print_hex
        pop     %eax
        ret

/* mem_loop(EAX = base of a 64 KiB array, EDX = passes) -> EAX = checksum.
 * Sets a[i] = i, then for every pass and every element: load, add the running
 * sum, store, fold into the sum. Seven instructions per element. */
        .globl  mem_loop
mem_loop:
        push    %ebx
        push    %ecx
        push    %esi
        push    %edi
        mov     %eax, %esi
        mov     %edx, %edi
        xor     %ecx, %ecx
1:      mov     %ecx, (%esi,%ecx,4)
        inc     %ecx
        cmp     $MEM_ARRAY_ELEMS, %ecx
        jb      1b
        mov     $0x9E3779B9, %ebx
        test    %edi, %edi
        jz      4f
        .balign 16
2:      xor     %ecx, %ecx
3:      mov     (%esi,%ecx,4), %eax
        add     %ebx, %eax
        mov     %eax, (%esi,%ecx,4)
        xor     %eax, %ebx
        add     $1, %ecx
        cmp     $MEM_ARRAY_ELEMS, %ecx
        jb      3b
        dec     %edi
        jnz     2b
4:      mov     %ebx, %eax
        pop     %edi
        pop     %esi
        pop     %ecx
        pop     %ebx
        ret

/* bench_exit: power off. Under Xen: SCHEDOP_shutdown(poweroff). Without Xen:
 * port 0xF4 (QEMU exits with status 33 when it has isa-debug-exit), then park. */
        .globl  bench_exit
bench_exit:
        cmpl    $0, bench_xen
        je      1f
        mov     $SHUTDOWN_poweroff, %eax
        call    shutdown
1:      mov     $NO_XEN_EXIT_VALUE, %al
        outb    %al, $PORT_QEMU_DEBUG_EXIT
2:      cli
        hlt
        jmp     2b

/* bench_fail(EAX = message): "FAIL: <message>". Under Xen: shut down with
 * reason crash (lib/xen32.S fail). Without Xen: on port 0xE9, then bench_exit. */
        .globl  bench_fail
bench_fail:
        cmpl    $0, bench_xen
        je      1f
        call    fail
1:      push    %eax
        mov     $msg_fail_prefix, %eax
        call    print_str
        pop     %eax
        call    print_str
        mov     $msg_newline, %eax
        call    print_str
        call    bench_exit

        .section .rodata
msg_fail_prefix: .asciz "FAIL: "
        .globl  msg_checksum, msg_done
msg_checksum:   .asciz " checksum="
msg_done:       .asciz " done\n"

        .bss
        .balign 4
bench_xen:      .long 0         /* 1 when the Xen CPUID leaves were found */
