/* exitcode.elf (32-bit): prints one line and shuts down with reason crash (3),
 * so tests can check that a guest's shutdown reason reaches the exit status. */
#include "lib/pvh.h"

        .text
        .code32
        .globl  main32
main32:
        call    xen_init
        mov     $msg, %eax
        call    print_str
        mov     $SHUTDOWN_crash, %eax
        call    shutdown

        .section .rodata
msg:    .asciz  "exitcode: shutting down with reason crash (3)\n"
