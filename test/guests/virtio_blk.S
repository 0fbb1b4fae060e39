/* virtio_blk.elf: a minimal virtio-blk driver (virtio 1.x sections 3.1, 4.1,
 * 5.2) with MSI-X interrupts through the local APIC. It finds the first
 * 1af4:1042 function on bus 0, assigns its BARs, enables memory and bus
 * mastering, points MSI-X entry 1 at vector 0x41, negotiates VERSION_1 only,
 * sets up queue 0 with 8 entries and then, waiting for the interrupt of each
 * request with sti; hlt:
 *   1. reads sector 0 and checks that it starts with "XPVHDISK";
 *   2. writes sector 1 ("written by virtio_blk.elf", then a byte pattern);
 *   3. reads sector 1 back and compares;
 *   4. asks for the device id (GET_ID) and prints it;
 *   5. reads the sector past the end and expects VIRTIO_BLK_S_IOERR.
 * Every used entry must carry the right length, and every request must have
 * raised exactly one interrupt. Ends with PASS and poweroff (xpvh), or
 * isa-debug-exit (QEMU microvm,pcie=on). */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "pci_lib.h"

#define QSIZE           8
#define BLK_VECTOR      0x41
#define T_IN            0
#define T_OUT           1
#define T_GET_ID        8

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    cpu_test_init

        /* Find the disk. */
        xor     %r12d, %r12d
1:      mov     %r12, %rdi
        xor     %esi, %esi
        call    pci_read32
        cmp     $0x10421af4, %eax
        je      2f
        inc     %r12d
        cmp     $32, %r12d
        jb      1b
        lea     msg_no_disk(%rip), %rdi
        call    test_fail
        call    test_finish
2:      lea     msg_found(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        mov     $2, %esi
        call    print_hexn
        lea     msg_newline64(%rip), %rdi
        call    print_str64

        mov     %r12, %rdi
        call    pci_assign_bars
        mov     $PCI_COMMAND, %esi
        mov     $(PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER), %edx
        call    pci_write16
        mov     $VIRTIO_PCI_CAP_COMMON, %esi
        call    virtio_find
        mov     %rax, %r13              /* common configuration */
        mov     $VIRTIO_PCI_CAP_DEVICE, %esi
        call    virtio_find
        mov     %rax, %r15              /* device configuration */
        mov     $VIRTIO_PCI_CAP_NOTIFY, %esi
        call    virtio_find
        mov     %rax, %r14              /* notification area */
        lea     16(%rdx), %rsi
        call    pci_read32
        mov     %eax, notify_mul(%rip)

        /* The local APIC on, and our vector in the IDT. */
        mov     $LAPIC_GPA + 0xF0, %eax
        movl    $0x1FF, (%rax)
        mov     $BLK_VECTOR, %edi
        lea     blk_irq(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate

        /* MSI-X: entry 1 (queue 0) -> vector 0x41 at APIC 0; enable. */
        mov     %r12, %rdi
        mov     $PCI_CAP_MSIX, %esi
        call    pci_find_cap
        mov     %rax, %rbx
        lea     4(%rbx), %rsi
        call    pci_read32              /* table offset | BIR */
        mov     %eax, %ecx
        and     $7, %eax
        mov     %rax, %rsi
        call    bar_address
        and     $~7, %ecx
        add     %rcx, %rax
        movl    $LAPIC_GPA, 16(%rax)
        movl    $0, 20(%rax)
        movl    $BLK_VECTOR, 24(%rax)
        movl    $0, 28(%rax)
        lea     2(%rbx), %rsi
        call    pci_read16
        or      $0x8000, %eax
        mov     %eax, %edx
        call    pci_write16

        /* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. */
        movb    $0, VCC_STATUS(%r13)
        movb    $VIRTIO_S_ACKNOWLEDGE, VCC_STATUS(%r13)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER), VCC_STATUS(%r13)
        movl    $1, VCC_DFSELECT(%r13)
        mov     VCC_DF(%r13), %eax
        and     $1, %eax
        CHECK   %rax, $1, "the device offers VIRTIO_F_VERSION_1"
        movl    $0, VCC_GFSELECT(%r13)
        movl    $0, VCC_GF(%r13)
        movl    $1, VCC_GFSELECT(%r13)
        movl    $1, VCC_GF(%r13)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK), VCC_STATUS(%r13)
        movzbl  VCC_STATUS(%r13), %eax
        and     $VIRTIO_S_FEATURES_OK, %eax
        CHECK   %rax, $VIRTIO_S_FEATURES_OK, "FEATURES_OK accepted"
        movw    $0xFFFF, VCC_MSIX(%r13)

        /* Queue 0: 8 entries, vector 1. */
        movw    $0, VCC_Q_SELECT(%r13)
        movzwl  VCC_Q_SIZE(%r13), %eax
        cmp     $QSIZE, %eax
        jae     3f
        lea     msg_small_queue(%rip), %rdi
        call    test_fail
        call    test_finish
3:      movw    $QSIZE, VCC_Q_SIZE(%r13)
        movw    $1, VCC_Q_MSIX(%r13)
        movzwl  VCC_Q_MSIX(%r13), %eax
        CHECK   %rax, $1, "queue 0 takes MSI-X vector 1"
        lea     vq_desc(%rip), %rax
        mov     %rax, VCC_Q_DESC(%r13)
        lea     vq_avail(%rip), %rax
        mov     %rax, VCC_Q_DRIVER(%r13)
        lea     vq_used(%rip), %rax
        mov     %rax, VCC_Q_DEVICE(%r13)
        movzwl  VCC_Q_NOFF(%r13), %eax
        imul    notify_mul(%rip), %eax
        add     %rax, %r14              /* queue 0's notify address */
        movw    $1, VCC_Q_ENABLE(%r13)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK), VCC_STATUS(%r13)

        lea     msg_capacity(%rip), %rdi
        call    print_str64
        mov     (%r15), %rdi
        mov     %rdi, capacity(%rip)
        call    print_dec64
        lea     msg_sectors(%rip), %rdi
        call    print_str64
        sti

        /* 1. Sector 0. */
        mov     $T_IN, %edi
        xor     %esi, %esi
        lea     buf_a(%rip), %rdx
        mov     $512, %ecx
        call    blk_request
        CHECK   %rax, $0, "read sector 0: status OK"
        CHECK   used_len(%rip), $513, "read sector 0: used length 513"
        mov     buf_a(%rip), %rax
        mov     magic(%rip), %rcx
        CHECK   %rax, %rcx, "sector 0 starts with XPVHDISK"

        /* 2. Write sector 1. */
        lea     buf_b(%rip), %rdi
        lea     written(%rip), %rsi
        mov     $32, %ecx
        rep movsb
        mov     $480, %ecx
        mov     $0x5A, %al
        rep stosb
        mov     $T_OUT, %edi
        mov     $1, %esi
        lea     buf_b(%rip), %rdx
        mov     $512, %ecx
        call    blk_request
        CHECK   %rax, $0, "write sector 1: status OK"
        CHECK   used_len(%rip), $1, "write sector 1: used length 1"

        /* 3. Read it back. */
        mov     $T_IN, %edi
        mov     $1, %esi
        lea     buf_a(%rip), %rdx
        mov     $512, %ecx
        call    blk_request
        CHECK   %rax, $0, "read sector 1: status OK"
        lea     buf_a(%rip), %rsi
        lea     buf_b(%rip), %rdi
        mov     $512, %ecx
        repe cmpsb
        sete    %al
        movzbl  %al, %eax
        CHECK   %rax, $1, "sector 1 reads back what was written"

        /* 4. The device id. */
        mov     $T_GET_ID, %edi
        xor     %esi, %esi
        lea     buf_id(%rip), %rdx
        mov     $20, %ecx
        call    blk_request
        CHECK   %rax, $0, "GET_ID: status OK"
        lea     msg_serial(%rip), %rdi
        call    print_str64
        lea     buf_id(%rip), %rdi
        call    print_str64
        lea     msg_newline64(%rip), %rdi
        call    print_str64

        /* 5. Past the end. */
        mov     $T_IN, %edi
        mov     capacity(%rip), %rsi
        lea     buf_a(%rip), %rdx
        mov     $512, %ecx
        call    blk_request
        CHECK   %rax, $1, "reading past the end: VIRTIO_BLK_S_IOERR"

        mov     irq_count(%rip), %eax
        CHECK   %rax, $5, "one interrupt per request"
        call    test_finish

/* blk_request(EDI = type, RSI = sector, RDX = buffer, ECX = length) -> RAX =
 * status byte; used_len gets the used entry's length. A three-descriptor chain:
 * header, data (device-writable unless OUT), status. Waits with sti; hlt for
 * the used ring to move. */
blk_request:
        push    %rbx
        push    %rcx
        push    %rdx
        mov     %edi, req_hdr(%rip)
        movl    $0, req_hdr+4(%rip)
        mov     %rsi, req_hdr+8(%rip)
        movb    $0xFF, req_status(%rip)
        lea     vq_desc(%rip), %rbx
        lea     req_hdr(%rip), %rax
        mov     %rax, 0(%rbx)
        movl    $16, 8(%rbx)
        movw    $VIRTQ_DESC_F_NEXT, 12(%rbx)
        movw    $1, 14(%rbx)
        mov     %rdx, 16(%rbx)
        mov     %ecx, 24(%rbx)
        mov     $(VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE), %eax
        cmp     $T_OUT, %edi
        jne     1f
        mov     $VIRTQ_DESC_F_NEXT, %eax
1:      mov     %ax, 28(%rbx)
        movw    $2, 30(%rbx)
        lea     req_status(%rip), %rax
        mov     %rax, 32(%rbx)
        movl    $1, 40(%rbx)
        movw    $VIRTQ_DESC_F_WRITE, 44(%rbx)
        movw    $0, 46(%rbx)
        /* avail->ring[idx % QSIZE] = 0; avail->idx++ */
        lea     vq_avail(%rip), %rbx
        movzwl  2(%rbx), %eax
        mov     %eax, %ecx
        and     $(QSIZE - 1), %ecx
        movw    $0, 4(%rbx,%rcx,2)
        inc     %eax
        mov     %ax, 2(%rbx)
        mov     irq_count(%rip), %ebx
        mfence
        movw    $0, (%r14)              /* notify queue 0 */
        /* Wait for the used ring (and the interrupt). */
2:      cli
        movzwl  vq_used+2(%rip), %eax
        cmp     last_used(%rip), %ax
        jne     3f
        sti
        hlt
        jmp     2b
3:      sti
        /* Let the interrupt in if it is still on its way. */
        mov     $100000, %ecx
4:      cmp     irq_count(%rip), %ebx
        jne     5f
        pause
        loop    4b
5:      movzwl  last_used(%rip), %eax
        and     $(QSIZE - 1), %eax
        lea     vq_used(%rip), %rcx
        mov     8(%rcx,%rax,8), %edx    /* used->ring[i].len */
        mov     %rdx, used_len(%rip)
        incw    last_used(%rip)
        movzbl  req_status(%rip), %eax
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

blk_irq:
        push    %rax
        incl    irq_count(%rip)
        mov     $LAPIC_GPA + 0xB0, %eax
        movl    $0, (%rax)              /* EOI */
        pop     %rax
        iretq

        .section .rodata
name:           .asciz "virtio_blk"
        .balign 8
magic:          .ascii "XPVHDISK"
written:        .asciz "written by virtio_blk.elf"
        .fill 6, 1, 0
msg_no_disk:    .asciz "no virtio-blk (1af4:1042) on bus 0"
msg_small_queue: .asciz "queue 0 is smaller than 8 entries"
msg_found:      .asciz "virtio-blk at 00:"
msg_capacity:   .asciz "capacity: "
msg_sectors:    .asciz " sectors\n"
msg_serial:     .asciz "serial: "

        .data
        .balign 8
notify_mul:     .long 0
irq_count:      .long 0
last_used:      .word 0
        .balign 8
capacity:       .quad 0
used_len:       .quad 0

        .bss
        .balign 4096
vq_desc:        .skip 16 * QSIZE
        .balign 256
vq_avail:       .skip 6 + 2 * QSIZE
        .balign 256
vq_used:        .skip 6 + 8 * QSIZE
        .balign 16
req_hdr:        .skip 16
req_status:     .skip 1
        .balign 4096
buf_a:          .skip 512
buf_b:          .skip 512
buf_id:         .skip 21
