/* virtio_net.elf: a minimal virtio-net driver (virtio 1.x section 5.1) for the
 * first two 1af4:1041 functions on bus 0, with MSI-X interrupts. For each NIC
 * it reads the MAC and link status from the device configuration, posts four
 * receive buffers, and sends one broadcast frame (EtherType 0x88B5, "xpvh-net
 * hello"). Then it waits until every NIC has received such a frame from some
 * other MAC, printing
 *     nic0: 52:54:00:12:34:56 link up
 *     nic1: received from 52:54:00:12:34:56: xpvh-net hello
 * Two NICs on one hub hear each other; a single NIC needs a peer machine on
 * its netdev (two machines on a hub, a socket pair). Ends with PASS (poweroff
 * under Xen, isa-debug-exit 0 on a bare machine or QEMU microvm,pcie=on). */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "pci_lib.h"

#define QSIZE           4
#define NET_VECTOR      0x42
#define NET_HDR         12
#define RX_BUF          0x800
#define ETHERTYPE_XPVH  0x88B5
#define F_MAC           (1 << 5)
#define F_STATUS        (1 << 16)
#define MAX_NICS        2

/* Per-NIC block (NIC_SIZE bytes in .bss, R15 points at it). */
#define N_COMMON        0x00    /* common configuration address */
#define N_DEVICE        0x08    /* device configuration address */
#define N_NOTIFY        0x10    /* notification area */
#define N_MUL           0x18    /* notify_off_multiplier */
#define N_RXNOTIFY      0x20    /* queue 0's notify address */
#define N_TXNOTIFY      0x28    /* queue 1's notify address */
#define N_MAC           0x30    /* 6 bytes */
#define N_RXLAST        0x38    /* u16 used entries seen on queue 0 */
#define N_RXGOT         0x3C    /* u32 frames from another MAC */
#define N_SLOT          0x40
#define N_RXDESC        0x1000
#define N_RXAVAIL       0x1100
#define N_RXUSED        0x1200
#define N_TXDESC        0x1400
#define N_TXAVAIL       0x1500
#define N_TXUSED        0x1600
#define N_TXBUF         0x2000
#define N_RXBUFS        0x3000  /* QSIZE x RX_BUF */
#define NIC_SIZE        0x6000

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    cpu_test_init
        mov     $LAPIC_GPA + 0xF0, %eax
        movl    $0x1FF, (%rax)
        mov     $NET_VECTOR, %edi
        lea     net_irq(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate

        /* Find up to two NICs and bring each up. */
        xor     %r12d, %r12d            /* device number */
1:      mov     %r12, %rdi
        xor     %esi, %esi
        call    pci_read32
        cmp     $0x10411af4, %eax
        jne     2f
        mov     nics(%rip), %eax
        imul    $NIC_SIZE, %eax
        lea     nic_blocks(%rip), %r15
        add     %rax, %r15
        mov     %r12d, N_SLOT(%r15)
        call    nic_up
        incl    nics(%rip)
        cmpl    $MAX_NICS, nics(%rip)
        je      3f
2:      inc     %r12d
        cmp     $32, %r12d
        jb      1b
3:      mov     nics(%rip), %eax
        test    %eax, %eax
        jnz     4f
        lea     msg_no_nic(%rip), %rdi
        call    test_fail
        call    test_finish

        /* Every NIC sends its frame. */
4:      xor     %ebx, %ebx
5:      call    nic_by_index
        call    nic_send
        inc     %ebx
        cmp     nics(%rip), %ebx
        jb      5b

        /* Wait until every NIC heard another MAC. */
        sti
6:      cli
        xor     %ebx, %ebx
        xor     %r13d, %r13d            /* NICs still waiting */
7:      call    nic_by_index
        call    nic_receive
        cmpl    $0, N_RXGOT(%r15)
        jne     8f
        inc     %r13d
8:      inc     %ebx
        cmp     nics(%rip), %ebx
        jb      7b
        test    %r13d, %r13d
        jz      9f
        sti
        hlt
        jmp     6b
9:      sti
        xor     %ebx, %ebx
10:     call    nic_by_index
        mov     N_RXGOT(%r15), %eax
        CHECK   %rax, $1, "a NIC received exactly one frame from another MAC"
        inc     %ebx
        cmp     nics(%rip), %ebx
        jb      10b
        mov     irq_count(%rip), %eax
        test    %eax, %eax
        setnz   %al
        movzbl  %al, %eax
        CHECK   %rax, $1, "MSI-X interrupts arrived"
        call    test_finish

/* nic_by_index(EBX) -> R15 = that NIC's block */
nic_by_index:
        mov     %ebx, %eax
        imul    $NIC_SIZE, %eax
        lea     nic_blocks(%rip), %r15
        add     %rax, %r15
        ret

/* nic_up(R15 = block with N_SLOT): BARs, MSI-X, features, queues, MAC. */
nic_up:
        push    %rbx
        push    %r12
        mov     N_SLOT(%r15), %r12d
        mov     %r12, %rdi
        call    pci_assign_bars
        mov     $PCI_COMMAND, %esi
        mov     $(PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER), %edx
        call    pci_write16
        mov     $VIRTIO_PCI_CAP_COMMON, %esi
        call    virtio_find
        mov     %rax, N_COMMON(%r15)
        mov     $VIRTIO_PCI_CAP_DEVICE, %esi
        call    virtio_find
        mov     %rax, N_DEVICE(%r15)
        mov     $VIRTIO_PCI_CAP_NOTIFY, %esi
        call    virtio_find
        mov     %rax, N_NOTIFY(%r15)
        lea     16(%rdx), %rsi
        call    pci_read32
        mov     %eax, N_MUL(%r15)

        /* MSI-X entries 1 and 2 (queues 0 and 1) -> NET_VECTOR; enable. */
        mov     $PCI_CAP_MSIX, %esi
        call    pci_find_cap
        mov     %rax, %rbx
        lea     4(%rbx), %rsi
        call    pci_read32
        mov     %eax, %ecx
        and     $7, %eax
        mov     %rax, %rsi
        call    bar_address
        and     $~7, %ecx
        add     %rcx, %rax
        mov     $1, %ecx
1:      mov     %ecx, %edx
        shl     $4, %edx
        movl    $LAPIC_GPA, (%rax,%rdx)
        movl    $0, 4(%rax,%rdx)
        movl    $NET_VECTOR, 8(%rax,%rdx)
        movl    $0, 12(%rax,%rdx)
        inc     %ecx
        cmp     $3, %ecx
        jb      1b
        lea     2(%rbx), %rsi
        call    pci_read16
        or      $0x8000, %eax
        mov     %eax, %edx
        call    pci_write16

        /* Features: VERSION_1 and whichever of MAC and STATUS the device has. */
        mov     N_COMMON(%r15), %rbx
        movb    $0, VCC_STATUS(%rbx)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER), VCC_STATUS(%rbx)
        movl    $0, VCC_DFSELECT(%rbx)
        mov     VCC_DF(%rbx), %ecx
        and     $(F_MAC | F_STATUS), %ecx
        movl    $1, VCC_DFSELECT(%rbx)
        mov     VCC_DF(%rbx), %eax
        and     $1, %eax
        CHECK   %rax, $1, "the NIC offers VIRTIO_F_VERSION_1"
        mov     %ecx, %eax
        and     $F_MAC, %eax
        CHECK   %rax, $F_MAC, "the NIC offers VIRTIO_NET_F_MAC"
        movl    $0, VCC_GFSELECT(%rbx)
        mov     %ecx, VCC_GF(%rbx)
        movl    $1, VCC_GFSELECT(%rbx)
        movl    $1, VCC_GF(%rbx)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK), VCC_STATUS(%rbx)
        movzbl  VCC_STATUS(%rbx), %eax
        and     $VIRTIO_S_FEATURES_OK, %eax
        CHECK   %rax, $VIRTIO_S_FEATURES_OK, "FEATURES_OK accepted"
        movw    $0xFFFF, VCC_MSIX(%rbx)

        /* Queue 0 (receive) and 1 (transmit). */
        movw    $0, VCC_Q_SELECT(%rbx)
        movw    $QSIZE, VCC_Q_SIZE(%rbx)
        movw    $1, VCC_Q_MSIX(%rbx)
        lea     N_RXDESC(%r15), %rax
        mov     %rax, VCC_Q_DESC(%rbx)
        lea     N_RXAVAIL(%r15), %rax
        mov     %rax, VCC_Q_DRIVER(%rbx)
        lea     N_RXUSED(%r15), %rax
        mov     %rax, VCC_Q_DEVICE(%rbx)
        movzwl  VCC_Q_NOFF(%rbx), %eax
        imul    N_MUL(%r15), %eax
        add     N_NOTIFY(%r15), %rax
        mov     %rax, N_RXNOTIFY(%r15)
        movw    $1, VCC_Q_ENABLE(%rbx)
        movw    $1, VCC_Q_SELECT(%rbx)
        movw    $QSIZE, VCC_Q_SIZE(%rbx)
        movw    $2, VCC_Q_MSIX(%rbx)
        lea     N_TXDESC(%r15), %rax
        mov     %rax, VCC_Q_DESC(%rbx)
        lea     N_TXAVAIL(%r15), %rax
        mov     %rax, VCC_Q_DRIVER(%rbx)
        lea     N_TXUSED(%r15), %rax
        mov     %rax, VCC_Q_DEVICE(%rbx)
        movzwl  VCC_Q_NOFF(%rbx), %eax
        imul    N_MUL(%r15), %eax
        add     N_NOTIFY(%r15), %rax
        mov     %rax, N_TXNOTIFY(%r15)
        movw    $1, VCC_Q_ENABLE(%rbx)

        /* Four receive buffers, one descriptor each, all in the available ring. */
        xor     %ecx, %ecx
2:      mov     %ecx, %eax
        shl     $4, %eax
        lea     N_RXDESC(%r15,%rax), %rdx
        mov     %ecx, %eax
        imul    $RX_BUF, %eax
        lea     N_RXBUFS(%r15,%rax), %rax
        mov     %rax, (%rdx)
        movl    $RX_BUF, 8(%rdx)
        movw    $VIRTQ_DESC_F_WRITE, 12(%rdx)
        movw    $0, 14(%rdx)
        mov     %cx, N_RXAVAIL+4(%r15,%rcx,2)
        inc     %ecx
        cmp     $QSIZE, %ecx
        jb      2b
        movw    $QSIZE, N_RXAVAIL+2(%r15)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK), VCC_STATUS(%rbx)
        mov     N_RXNOTIFY(%r15), %rax
        movw    $0, (%rax)

        /* The MAC and the link. */
        mov     N_DEVICE(%r15), %rax
        mov     (%rax), %ecx
        mov     %ecx, N_MAC(%r15)
        movzwl  4(%rax), %ecx
        mov     %cx, N_MAC+4(%r15)
        lea     msg_nic(%rip), %rdi
        call    print_str64
        mov     nics(%rip), %edi
        call    print_dec64
        lea     msg_colon_sp(%rip), %rdi
        call    print_str64
        lea     N_MAC(%r15), %rdi
        call    print_mac
        movzwl  6(%rax), %ecx
        lea     msg_link_down(%rip), %rdi
        test    $1, %ecx
        jz      3f
        lea     msg_link_up(%rip), %rdi
3:      call    print_str64
        and     $1, %ecx
        CHECK   %rcx, $1, "link is up (VIRTIO_NET_S_LINK_UP)"
        pop     %r12
        pop     %rbx
        ret

/* nic_send(R15): one broadcast frame behind a zero virtio_net_hdr. */
nic_send:
        lea     N_TXBUF(%r15), %rdi
        xor     %eax, %eax
        mov     $(NET_HDR + 64), %ecx
        rep stosb
        lea     N_TXBUF+NET_HDR(%r15), %rdi
        movl    $0xFFFFFFFF, (%rdi)
        movw    $0xFFFF, 4(%rdi)
        mov     N_MAC(%r15), %eax
        mov     %eax, 6(%rdi)
        movzwl  N_MAC+4(%r15), %eax
        mov     %ax, 10(%rdi)
        movw    $((ETHERTYPE_XPVH >> 8) | ((ETHERTYPE_XPVH & 0xFF) << 8)), 12(%rdi)
        lea     14(%rdi), %rdi
        lea     hello(%rip), %rsi
        mov     $HELLO_LEN, %ecx
        rep movsb
        lea     N_TXBUF(%r15), %rax
        mov     %rax, N_TXDESC(%r15)
        movl    $(NET_HDR + 60), N_TXDESC+8(%r15)
        movw    $0, N_TXDESC+12(%r15)
        movw    $0, N_TXAVAIL+4(%r15)
        movw    $1, N_TXAVAIL+2(%r15)
        mfence
        mov     N_TXNOTIFY(%r15), %rax
        movw    $1, (%rax)
        ret

/* nic_receive(R15): looks at new used entries of queue 0 (interrupts off). */
nic_receive:
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
1:      movzwl  N_RXUSED+2(%r15), %eax
        cmp     N_RXLAST(%r15), %ax
        je      9f
        movzwl  N_RXLAST(%r15), %eax
        and     $(QSIZE - 1), %eax
        mov     N_RXUSED+4(%r15,%rax,8), %ebx   /* id = the buffer */
        and     $(QSIZE - 1), %ebx
        imul    $RX_BUF, %ebx
        lea     N_RXBUFS+NET_HDR(%r15,%rbx), %rbx   /* the frame */
        incw    N_RXLAST(%r15)
        cmpw    $((ETHERTYPE_XPVH >> 8) | ((ETHERTYPE_XPVH & 0xFF) << 8)), 12(%rbx)
        jne     1b
        mov     6(%rbx), %eax                   /* from ourselves? */
        cmp     N_MAC(%r15), %eax
        jne     2f
        movzwl  10(%rbx), %eax
        cmp     N_MAC+4(%r15), %ax
        je      1b
2:      incl    N_RXGOT(%r15)
        lea     msg_nic(%rip), %rdi
        call    print_str64
        mov     %r15, %rax
        lea     nic_blocks(%rip), %rdi
        sub     %rdi, %rax
        xor     %edx, %edx
        mov     $NIC_SIZE, %ecx
        div     %rcx
        mov     %rax, %rdi
        call    print_dec64
        lea     msg_received(%rip), %rdi
        call    print_str64
        lea     6(%rbx), %rdi
        call    print_mac
        lea     msg_colon_sp(%rip), %rdi
        call    print_str64
        lea     14(%rbx), %rdi
        mov     $HELLO_LEN, %esi
        call    console_write64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        jmp     1b
9:      pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

/* print_mac(RDI = 6 bytes): xx:xx:xx:xx:xx:xx */
print_mac:
        push    %rax
        push    %rbx
        push    %rdi
        push    %rsi
        mov     %rdi, %rbx
        xor     %eax, %eax
1:      test    %eax, %eax
        jz      2f
        lea     msg_colon(%rip), %rdi
        call    print_str64
2:      movzbl  (%rbx,%rax), %edi
        mov     $2, %esi
        call    print_hexn
        inc     %eax
        cmp     $6, %eax
        jb      1b
        pop     %rsi
        pop     %rdi
        pop     %rbx
        pop     %rax
        ret

net_irq:
        push    %rax
        incl    irq_count(%rip)
        mov     $LAPIC_GPA + 0xB0, %eax
        movl    $0, (%rax)              /* EOI */
        pop     %rax
        iretq

        .section .rodata
name:           .asciz "virtio_net"
hello:          .ascii "xpvh-net hello"
        .set    HELLO_LEN, . - hello
msg_no_nic:     .asciz "no virtio-net (1af4:1041) on bus 0"
msg_nic:        .asciz "nic"
msg_colon_sp:   .asciz ": "
msg_colon:      .asciz ":"
msg_link_up:    .asciz " link up\n"
msg_link_down:  .asciz " link down\n"
msg_received:   .asciz ": received from "

        .data
        .balign 8
nics:           .long 0
irq_count:      .long 0

        .bss
        .balign 4096
nic_blocks:     .skip NIC_SIZE * MAX_NICS
