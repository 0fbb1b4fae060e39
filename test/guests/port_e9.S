/* port_e9.elf (32-bit): prints through the Xen debug port 0xE9 (one outb per
 * byte), before and without using console_io, then powers off. */
#include "lib/pvh.h"

        .text
        .code32
        .globl  main32
main32:
        mov     $msg, %esi
1:      lodsb
        test    %al, %al
        jz      2f
        outb    %al, $PORT_E9
        jmp     1b
2:      call    xen_init
        mov     $SHUTDOWN_poweroff, %eax
        call    shutdown

        .section .rodata
msg:    .asciz  "hello via port 0xE9\n"
