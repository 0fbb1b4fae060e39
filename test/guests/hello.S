/* hello.elf: the embedded default guest (32-bit). Prints a banner and the Xen
 * version over console_io, then PASS, then powers off. */
#include "lib/pvh.h"

        .text
        .code32
        .globl  main32
main32:
        call    xen_init
        mov     $banner, %eax
        call    print_str
        call    print_xen_version
        mov     $pass, %eax
        call    print_str
        mov     $SHUTDOWN_poweroff, %eax
        call    shutdown

        .section .rodata
banner: .asciz  "xpvh: hello from a PVH guest\n"
pass:   .asciz  "PASS\n"
