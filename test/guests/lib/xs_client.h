/* Macros of the xenstore client (lib/xs_client.S) for the guests that use it.
 * Included after xen_test.h. */
#ifndef XPVH_GUEST_XS_CLIENT_H
#define XPVH_GUEST_XS_CLIENT_H
#ifdef __ASSEMBLER__

/* XS type, "payload" [, tx]: a request whose payload is the string's bytes
 * (write NULs as \000); RAX = reply type. */
.macro XS type, payload, tx=$0
        .pushsection .rodata
.Lxsp\@: .ascii "\payload"
.Lxse\@:
        .popsection
        mov     $\type, %edi
        lea     .Lxsp\@(%rip), %rsi
        mov     $(.Lxse\@ - .Lxsp\@), %edx
        mov     \tx, %rcx
        call    xs_request
.endm

/* CHECK_REPLY "bytes", "name": the last reply's payload is exactly these. */
.macro CHECK_REPLY text, name
        .pushsection .rodata
.Lrp\@: .ascii "\text"
.Lre\@:
        .popsection
        push    %rax
        lea     .Lrp\@(%rip), %rdi
        mov     $(.Lre\@ - .Lrp\@), %esi
        call    xs_reply_is
        CHECK   %rax, $1, "\name"
        pop     %rax
.endm

#endif
#endif
