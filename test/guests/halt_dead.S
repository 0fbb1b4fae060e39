/* halt_dead.elf (32-bit): says so on port 0xE9, then `cli; hlt` forever. No
 * interrupt can ever wake it: the machine must notice the vCPU is dead rather
 * than wait. It never touches Xen. */
#include "lib/pvh.h"

        .text
        .code32
        .globl  main32
main32:
        mov     $msg, %eax
        call    e9_print
1:      cli
        hlt
        jmp     1b

        .section .rodata
msg:    .asciz  "halt_dead: cli; hlt forever\n"
