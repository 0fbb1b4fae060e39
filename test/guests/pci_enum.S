/* pci_enum.elf: walks PCI bus 0 through ECAM the way an OS does and prints what
 * it finds, one line per function:
 *     00:03.0 1af4:1042 class 010000
 *       BAR1 mem32 size 0x00001000 at 0xc0000000
 *       BAR4 mem64 size 0x00004000 at 0xc0004000
 *       cap 11
 *       cap 09 virtio type 1 bar 4 offset 0x00000000 length 0x00001000
 *       virtio device 2 queues 1
 * It sizes and assigns every memory BAR, turns memory decoding on, walks the
 * capability list, and for virtio functions reads num_queues through the
 * common configuration BAR. Checks (PASS:/FAIL: lines): the host bridge is
 * 1b36:0008 class 0600 at 00:00.0; function 1 and bus 1 are absent; a virtio
 * function's device id matches its class; the BAR keeps its type bits when
 * sized; memory decoding off hides the registers. Runs on xpvh (Xen console)
 * and on QEMU microvm,pcie=on (port 0xE9). */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "pci_lib.h"

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    cpu_test_init

        /* The host bridge. */
        xor     %edi, %edi
        xor     %esi, %esi
        call    pci_read32
        mov     $0x00081b36, %ecx
        CHECK   %rax, %rcx, "00:00.0 is 1b36:0008"
        mov     $PCI_CLASS_REV, %esi
        call    pci_read32
        shr     $8, %eax
        CHECK   %rax, $0x060000, "00:00.0 class is 060000 (host bridge)"

        /* Absent: function 1 of device 0, and bus 1. */
        mov     $PCI_ECAM_GPA + 0x1000, %eax
        mov     (%rax), %eax
        mov     $0xFFFFFFFF, %ecx
        CHECK   %rax, %rcx, "00:00.1 reads all-ones"
        mov     $PCI_ECAM_GPA + 0x100000, %eax
        mov     (%rax), %eax
        CHECK   %rax, %rcx, "01:00.0 reads all-ones"

        xor     %r12d, %r12d            /* device number */
next_device:
        mov     %r12, %rdi
        xor     %esi, %esi
        call    pci_read32
        cmp     $0xFFFFFFFF, %eax
        je      skip
        mov     %eax, %r13d             /* vendor | device << 16 */
        incq    functions(%rip)
        call    print_function
        mov     %r12, %rdi
        call    pci_assign_bars
        mov     $PCI_COMMAND, %esi
        mov     $PCI_CMD_MEMORY, %edx
        call    pci_write16
        call    print_caps
        cmp     $0x1af4, %r13w
        jne     skip
        call    check_virtio
skip:
        inc     %r12d
        cmp     $32, %r12d
        jb      next_device

        lea     msg_functions(%rip), %rdi
        call    print_str64
        mov     functions(%rip), %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        call    test_finish

/* "00:DD.0 vvvv:dddd class cccccc" for device R12 (id in R13). */
print_function:
        lea     msg_bus0(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        mov     $2, %esi
        call    print_hexn
        lea     msg_fn0(%rip), %rdi
        call    print_str64
        movzwl  %r13w, %edi
        mov     $4, %esi
        call    print_hexn
        lea     msg_colon1(%rip), %rdi
        call    print_str64
        mov     %r13d, %edi
        shr     $16, %edi
        call    print_hexn
        lea     msg_class(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        mov     $PCI_CLASS_REV, %esi
        call    pci_read32
        mov     %eax, %edi
        shr     $8, %edi
        mov     $6, %esi
        call    print_hexn
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        ret

/* "  cap II" per capability, with the virtio fields for vendor ones. */
print_caps:
        push    %rbx
        mov     %r12, %rdi
        mov     $PCI_STATUS, %esi
        call    pci_read16
        test    $PCI_STATUS_CAP_LIST, %eax
        jz      9f
        mov     $PCI_CAP_PTR, %esi
        call    pci_read8
        mov     %eax, %ebx
1:      and     $0xFC, %ebx
        jz      9f
        lea     msg_cap(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        mov     %rbx, %rsi
        call    pci_read8
        push    %rax
        mov     %rax, %rdi
        mov     $2, %esi
        call    print_hexn
        pop     %rax
        cmp     $PCI_CAP_VENDOR, %eax
        jne     2f
        lea     msg_vtype(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        lea     3(%rbx), %rsi
        call    pci_read8
        mov     %rax, %rdi
        call    print_dec64
        lea     msg_vbar(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        lea     4(%rbx), %rsi
        call    pci_read8
        mov     %rax, %rdi
        call    print_dec64
        lea     msg_voff(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        lea     8(%rbx), %rsi
        call    pci_read32
        mov     %rax, %rdi
        mov     $8, %esi
        call    print_hexn
        lea     msg_vlen(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        lea     12(%rbx), %rsi
        call    pci_read32
        mov     %rax, %rdi
        mov     $8, %esi
        call    print_hexn
2:      lea     msg_newline64(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        lea     1(%rbx), %rsi
        call    pci_read8
        mov     %eax, %ebx
        jmp     1b
9:      pop     %rbx
        ret

/* A virtio function: id vs class, num_queues through the BAR, decode off. */
check_virtio:
        push    %rbx
        mov     %r13d, %ebx
        shr     $16, %ebx
        sub     $0x1040, %ebx           /* virtio device type (modern ids) */
        and     $0x3F, %ebx
        mov     %r12, %rdi
        mov     $PCI_CLASS_REV, %esi
        call    pci_read32
        shr     $24, %eax               /* base class */
        lea     class_of_type(%rip), %rcx
        movzbl  (%rcx,%rbx), %ecx
        CHECK   %rax, %rcx, "virtio device id matches its class"
        mov     %r12, %rdi
        mov     $VIRTIO_PCI_CAP_COMMON, %esi
        call    virtio_find
        test    %rax, %rax
        jnz     1f
        lea     msg_no_common(%rip), %rdi
        call    test_fail
        jmp     9f
1:      mov     %rax, %rcx              /* common configuration */
        lea     msg_virtio(%rip), %rdi
        call    print_str64
        mov     %rbx, %rdi
        call    print_dec64
        lea     msg_queues(%rip), %rdi
        call    print_str64
        movzwl  VCC_NUMQ(%rcx), %edi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        movzwl  VCC_NUMQ(%rcx), %eax
        test    %eax, %eax
        setnz   %al
        movzbl  %al, %eax
        CHECK   %rax, $1, "virtio num_queues is not zero"
        /* With memory decoding off the registers are gone. */
        mov     %r12, %rdi
        mov     $PCI_COMMAND, %esi
        xor     %edx, %edx
        call    pci_write16
        movzwl  VCC_NUMQ(%rcx), %eax
        CHECK   %rax, $0xFFFF, "memory decode off: the BAR reads all-ones"
        mov     $PCI_CMD_MEMORY, %edx
        call    pci_write16
9:      pop     %rbx
        ret

        .section .rodata
name:           .asciz "pci_enum"
msg_bus0:       .asciz "00:"
msg_fn0:        .asciz ".0 "
msg_colon1:     .asciz ":"
msg_class:      .asciz " class "
msg_cap:        .asciz "  cap "
msg_vtype:      .asciz " virtio type "
msg_vbar:       .asciz " bar "
msg_voff:       .asciz " offset 0x"
msg_vlen:       .asciz " length 0x"
msg_virtio:     .asciz "  virtio device "
msg_queues:     .asciz " queues "
msg_functions:  .asciz "functions on bus 0: "
msg_no_common:  .asciz "virtio function without a common configuration capability"
/* PCI base class per virtio device type: 1 net 02, 2 block 01, 3 console 07. */
class_of_type:  .byte 0xff, 0x02, 0x01, 0x07, 0xff, 0xff, 0xff, 0xff
                .fill 64, 1, 0xff

        .data
        .balign 8
functions:      .quad 0
