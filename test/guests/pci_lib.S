/* PCI helpers of the device test guests (pci_enum.S, virtio_blk.S), on top of
 * lib/long_mode.S's identity map of the first 4 GiB and lib/cpu_test.S's
 * harness. They talk to the PCIe host bridge through ECAM at PCI_ECAM_GPA and
 * place every BAR, 64-bit ones included, in the 32-bit window from
 * PCI_MMIO_GPA up, so that everything stays inside the identity map. Both are
 * the xenpvh defaults (and QEMU microvm's with pcie=on, so QEMU can run these
 * guests as an oracle).
 *
 * Addresses at or above 2 GiB are always loaded into a register first: a
 * 32-bit displacement would be sign-extended in 64-bit mode.
 * Calling convention as in lib/xen64.S: arguments in RDI, RSI, RDX, result in
 * RAX; every other register is preserved. */
#include "lib/pvh.h"
#include "pci_lib.h"

        .text
        .code64

/* pci_cfg_addr(RDI = device, RSI = register) -> RAX = ECAM address (bus 0, fn 0) */
        .globl  pci_cfg_addr
pci_cfg_addr:
        mov     %rdi, %rax
        shl     $15, %rax
        add     %rsi, %rax
        push    %rdx
        mov     $PCI_ECAM_GPA, %edx
        add     %rdx, %rax
        pop     %rdx
        ret

/* pci_read32 / pci_read16 / pci_read8(RDI = device, RSI = register) -> RAX */
        .globl  pci_read32, pci_read16, pci_read8
pci_read32:
        call    pci_cfg_addr
        mov     (%rax), %eax
        ret
pci_read16:
        call    pci_cfg_addr
        movzwl  (%rax), %eax
        ret
pci_read8:
        call    pci_cfg_addr
        movzbl  (%rax), %eax
        ret

/* pci_write32 / pci_write16(RDI = device, RSI = register, RDX = value) */
        .globl  pci_write32, pci_write16
pci_write32:
        push    %rax
        call    pci_cfg_addr
        mov     %edx, (%rax)
        pop     %rax
        ret
pci_write16:
        push    %rax
        call    pci_cfg_addr
        mov     %dx, (%rax)
        pop     %rax
        ret

/* print_hexn(RDI = value, RSI = digits): that many hex digits, no prefix. */
        .globl  print_hexn
print_hexn:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rdi
        push    %rsi
        push    %r8
        sub     $24, %rsp
        mov     %rsi, %rcx
        lea     -1(%rsp,%rcx), %r8
        lea     pci_hex_digits(%rip), %rdx
        mov     %rdi, %rax
1:      mov     %eax, %esi
        and     $0xF, %esi
        movb    (%rdx,%rsi), %sil
        mov     %sil, (%r8)
        dec     %r8
        shr     $4, %rax
        loop    1b
        mov     %rsp, %rdi
        mov     24+8(%rsp), %rsi        /* digits */
        call    console_write64
        add     $24, %rsp
        pop     %r8
        pop     %rsi
        pop     %rdi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* bar_size(RDI = device, RSI = BAR index) -> RAX = size in bytes (0: none),
 * RDX = 1 when it is a 64-bit BAR. The BAR keeps its old value. */
        .globl  bar_size
bar_size:
        push    %rbx
        push    %rcx
        push    %rsi
        push    %r8
        lea     0x10(,%rsi,4), %rsi     /* register offset */
        call    pci_read32
        mov     %eax, %r8d              /* old low dword */
        mov     $0xFFFFFFFF, %edx
        call    pci_write32
        call    pci_read32
        mov     %eax, %ebx              /* size mask | type bits */
        mov     %r8d, %edx
        call    pci_write32
        xor     %ecx, %ecx              /* 64-bit? */
        test    $1, %ebx
        jnz     3f                      /* I/O BAR: not used here */
        mov     %ebx, %eax
        and     $6, %eax
        cmp     $4, %eax
        jne     1f
        mov     $1, %ecx
        add     $4, %rsi                /* the upper half */
        call    pci_read32
        mov     %eax, %r8d
        mov     $0xFFFFFFFF, %edx
        call    pci_write32
        call    pci_read32
        shl     $32, %rax
        or      %rax, %rbx
        mov     %r8d, %edx
        call    pci_write32
        jmp     2f
1:      mov     %ebx, %eax              /* 32-bit: no size bits means no BAR */
        and     $~0xF, %eax
        jz      3f
        mov     $0xFFFFFFFF, %eax       /* the mask's upper half is all ones */
        shl     $32, %rax
        or      %rax, %rbx
2:      and     $~0xF, %rbx
        jz      3f
        mov     %rbx, %rax
        neg     %rax                    /* size = ~mask + 1 */
        mov     %rcx, %rdx
        jmp     4f
3:      xor     %eax, %eax
        xor     %edx, %edx
4:      pop     %r8
        pop     %rsi
        pop     %rcx
        pop     %rbx
        ret

/* pci_assign_bars(RDI = device): sizes each memory BAR, gives it the next
 * naturally aligned address of the window and prints
 * "  BARn mem32|mem64 size 0x... at 0x...". Decoding is left off. */
        .globl  pci_assign_bars
pci_assign_bars:
        push    %rax
        push    %rbx
        push    %rdx
        push    %rsi
        push    %r12
        push    %r13
        xor     %r12d, %r12d            /* BAR index */
1:      cmp     $6, %r12d
        jae     9f
        mov     %r12, %rsi
        call    bar_size
        test    %rax, %rax
        jz      8f
        mov     %rax, %rbx              /* size */
        mov     %rdx, %r13              /* 64-bit */
        /* address = align_up(next, size) */
        mov     pci_next_mmio(%rip), %rax
        lea     -1(%rax,%rbx), %rax
        mov     %rbx, %rdx
        neg     %rdx
        and     %rdx, %rax
        lea     (%rax,%rbx), %rdx
        mov     %rdx, pci_next_mmio(%rip)
        push    %rax
        lea     0x10(,%r12,4), %rsi
        mov     %rax, %rdx
        call    pci_write32
        test    %r13, %r13
        jz      2f
        add     $4, %rsi
        shr     $32, %rdx
        call    pci_write32
2:      /* the line */
        push    %rdi
        lea     msg_bar(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        call    print_dec64
        lea     msg_mem32(%rip), %rdi
        test    %r13, %r13
        jz      3f
        lea     msg_mem64(%rip), %rdi
3:      call    print_str64
        mov     %rbx, %rdi
        mov     $8, %esi
        lea     msg_size(%rip), %rdi
        call    print_str64
        mov     %rbx, %rdi
        call    print_hexn
        lea     msg_at(%rip), %rdi
        call    print_str64
        mov     8(%rsp), %rdi
        call    print_hexn
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        pop     %rdi
        pop     %rax
        add     %r13, %r12              /* a 64-bit BAR takes two slots */
8:      inc     %r12
        jmp     1b
9:      pop     %r13
        pop     %r12
        pop     %rsi
        pop     %rdx
        pop     %rbx
        pop     %rax
        ret

/* bar_address(RDI = device, RSI = BAR index) -> RAX = the address programmed */
        .globl  bar_address
bar_address:
        push    %rsi
        push    %rdx
        lea     0x10(,%rsi,4), %rsi
        call    pci_read32
        mov     %eax, %edx
        and     $~0xF, %edx
        test    $4, %eax                /* 64-bit type */
        jz      1f
        add     $4, %rsi
        call    pci_read32
        shl     $32, %rax
        or      %rax, %rdx
1:      mov     %rdx, %rax
        pop     %rdx
        pop     %rsi
        ret

/* pci_find_cap(RDI = device, RSI = capability id) -> RAX = its offset or 0 */
        .globl  pci_find_cap
pci_find_cap:
        push    %rbx
        push    %rcx
        push    %rsi
        mov     %rsi, %rbx
        mov     $PCI_STATUS, %esi
        call    pci_read16
        xor     %ecx, %ecx
        test    $PCI_STATUS_CAP_LIST, %eax
        jz      3f
        mov     $PCI_CAP_PTR, %esi
        call    pci_read8
        mov     %eax, %ecx
1:      and     $0xFC, %ecx
        jz      3f
        mov     %rcx, %rsi
        call    pci_read8
        cmp     %ebx, %eax
        je      3f
        lea     1(%rcx), %rsi
        call    pci_read8
        mov     %eax, %ecx
        jmp     1b
3:      mov     %rcx, %rax
        pop     %rsi
        pop     %rcx
        pop     %rbx
        ret

/* virtio_find(RDI = device, RSI = cfg_type) -> RAX = address of that virtio
 * structure (BAR + offset), RDX = the capability's config offset; 0/0 if none. */
        .globl  virtio_find
virtio_find:
        push    %rbx
        push    %rcx
        push    %rsi
        mov     %rsi, %rbx
        mov     $PCI_CAP_PTR, %esi
        call    pci_read8
        mov     %eax, %ecx
1:      and     $0xFC, %ecx
        jz      4f
        mov     %rcx, %rsi
        call    pci_read8
        cmp     $PCI_CAP_VENDOR, %eax
        jne     2f
        lea     3(%rcx), %rsi
        call    pci_read8
        cmp     %ebx, %eax
        je      3f
2:      lea     1(%rcx), %rsi
        call    pci_read8
        mov     %eax, %ecx
        jmp     1b
3:      lea     4(%rcx), %rsi
        call    pci_read8
        mov     %rax, %rsi
        call    bar_address
        mov     %rax, %rbx
        lea     8(%rcx), %rsi
        call    pci_read32
        add     %rbx, %rax
        mov     %rcx, %rdx
        jmp     5f
4:      xor     %eax, %eax
        xor     %edx, %edx
5:      pop     %rsi
        pop     %rcx
        pop     %rbx
        ret

        .section .rodata
pci_hex_digits: .ascii "0123456789abcdef"
msg_bar:        .asciz "  BAR"
msg_mem32:      .asciz " mem32"
msg_mem64:      .asciz " mem64"
msg_size:       .asciz " size 0x"
msg_at:         .asciz " at 0x"

        .data
        .balign 8
pci_next_mmio:  .quad PCI_MMIO_GPA
