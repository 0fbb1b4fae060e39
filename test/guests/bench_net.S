/* bench_net.elf: virtio-net packets per second measured from the guest
 * (bench/devices.ts runs it on two machines joined by a hub or a socket). The
 * driver part is virtio_net.S's (virtio 1.x section 5.1, MSI-X through the
 * local APIC), for the first 1af4:1041 function, with 256-entry queues: 256
 * receive buffers of 2 KiB, and 256 transmit slots of 2 KiB, slot i owning
 * descriptor i. Transmit completions raise no interrupt (the transmit ring's
 * VIRTQ_AVAIL_F_NO_INTERRUPT, as Linux without napi-tx does); the driver takes
 * the used entries back before it posts more.
 *
 * Frames: broadcast, EtherType 0x88B5, after the 14-byte header a u32 kind
 * (1 data, 2 end, 3 credit, 4 hello), a u32 number (data: its sequence number
 * from 0; credit: data frames received so far) and a u32 flags (credit: 1 =
 * the end frame arrived too).
 *
 * Start: the sender says hello every 10 ms (guest TSC) until a credit answers,
 * so that neither machine has to start first and a socket may connect late;
 * the receiver answers every hello with a credit. Only then does the
 * measurement begin.
 *
 * send=1: the sender. It sends count= data frames of len= bytes (60..1514,
 * the Ethernet header included, no FCS) and then an end frame. It keeps at most
 * window= frames (at most 256) beyond what the receiver has acknowledged, and
 * notifies the device after every batch= frames (default 1: one notify per
 * frame). When the window is full it waits (sti; hlt) for the receiver's
 * credit frames; it is done when the final credit arrives. It prints
 *   bench_net: sending count=N len=L window=W batch=B
 *   bench_net: sent frames=N bytes=B tsc=T acked=A
 * send=0 (the default): the receiver. It counts data frames, gives every
 * used buffer back at once (one notify per batch of used entries), and sends a
 * credit frame every credit= frames (default 32) and after the end frame. It
 * prints
 *   bench_net: receiving
 *   bench_net: received frames=N bytes=B tsc=T misordered=M
 * T is the guest's RDTSC difference (1 GHz nominal: ns), for the sender from
 * before the first frame to the final credit, for the receiver from the first
 * data frame to the end frame. B counts frame bytes (Ethernet header included).
 * Checks: every frame acknowledged (sender); count= frames arrived, in order
 * (receiver). Ends with PASS and poweroff. */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "pci_lib.h"

#define QSIZE           256
#define NET_VECTOR      0x42
#define NET_HDR         12
#define SLOT_BYTES      2048
#define ETHERTYPE_BE    0xB588  /* 0x88B5 as stored */
#define F_MAC           (1 << 5)
#define K_DATA          1
#define K_END           2
#define K_CREDIT        3
#define K_HELLO         4
#define HELLO_TICKS     10000000        /* 10 ms at 1 GHz */
#define CREDIT_LEN      64
#define MIN_LEN         60
#define MAX_LEN         1514
#define AVAIL_F_NO_INTERRUPT 1

/* Offsets in a frame (after the virtio_net_hdr). */
#define FR_SRC          6
#define FR_TYPE         12
#define FR_KIND         14
#define FR_NUM          18
#define FR_FLAGS        22

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    cpu_test_init

        lea     key_send(%rip), %rdi
        xor     %esi, %esi
        call    param64
        mov     %rax, p_send(%rip)
        lea     key_count(%rip), %rdi
        mov     $100000, %esi
        call    param64
        mov     %rax, p_count(%rip)
        lea     key_len(%rip), %rdi
        mov     $64, %esi
        call    param64
        cmp     $MIN_LEN, %rax
        jae     1f
        mov     $MIN_LEN, %eax
1:      cmp     $MAX_LEN, %rax
        jbe     2f
        mov     $MAX_LEN, %eax
2:      mov     %rax, p_len(%rip)
        lea     key_window(%rip), %rdi
        mov     $QSIZE, %esi
        call    param64
        call    clamp_ring
        mov     %rax, p_window(%rip)
        lea     key_batch(%rip), %rdi
        mov     $1, %esi
        call    param64
        call    clamp_ring
        mov     %rax, p_batch(%rip)
        lea     key_credit(%rip), %rdi
        mov     $32, %esi
        call    param64
        call    clamp_ring
        mov     %rax, p_credit(%rip)

        mov     $LAPIC_GPA + 0xF0, %eax
        movl    $0x1FF, (%rax)
        mov     $NET_VECTOR, %edi
        lea     net_irq(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate

        /* The first NIC. */
        xor     %r12d, %r12d
3:      mov     %r12, %rdi
        xor     %esi, %esi
        call    pci_read32
        cmp     $0x10411af4, %eax
        je      4f
        inc     %r12d
        cmp     $32, %r12d
        jb      3b
        lea     msg_no_nic(%rip), %rdi
        call    test_fail
        call    test_finish
4:      call    nic_up
        sti
        cmpq    $0, p_send(%rip)
        je      5f
        call    sender
        call    test_finish
5:      call    receiver
        call    test_finish

/* clamp_ring(RAX) -> RAX in 1..QSIZE */
clamp_ring:
        test    %rax, %rax
        jnz     1f
        mov     $1, %eax
1:      cmp     $QSIZE, %rax
        jbe     2f
        mov     $QSIZE, %eax
2:      ret

/* nic_up(R12 = device): BARs, MSI-X entry 1 (queue 0), features VERSION_1 and
 * MAC, both queues, the receive buffers, the transmit slots' headers. */
nic_up:
        push    %rbx
        mov     %r12, %rdi
        call    pci_assign_bars
        mov     $PCI_COMMAND, %esi
        mov     $(PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER), %edx
        call    pci_write16
        mov     $VIRTIO_PCI_CAP_COMMON, %esi
        call    virtio_find
        mov     %rax, common(%rip)
        mov     $VIRTIO_PCI_CAP_DEVICE, %esi
        call    virtio_find
        mov     %rax, devcfg(%rip)
        mov     $VIRTIO_PCI_CAP_NOTIFY, %esi
        call    virtio_find
        mov     %rax, notify_base(%rip)
        lea     16(%rdx), %rsi
        call    pci_read32
        mov     %eax, notify_mul(%rip)

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
        movl    $LAPIC_GPA, 16(%rax)
        movl    $0, 20(%rax)
        movl    $NET_VECTOR, 24(%rax)
        movl    $0, 28(%rax)
        lea     2(%rbx), %rsi
        call    pci_read16
        or      $0x8000, %eax
        mov     %eax, %edx
        call    pci_write16

        mov     common(%rip), %rbx
        movb    $0, VCC_STATUS(%rbx)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER), VCC_STATUS(%rbx)
        movl    $0, VCC_DFSELECT(%rbx)
        mov     VCC_DF(%rbx), %eax
        and     $F_MAC, %eax
        CHECK   %rax, $F_MAC, "the NIC offers VIRTIO_NET_F_MAC"
        movl    $0, VCC_GFSELECT(%rbx)
        movl    $F_MAC, VCC_GF(%rbx)
        movl    $1, VCC_GFSELECT(%rbx)
        movl    $1, VCC_GF(%rbx)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK), VCC_STATUS(%rbx)
        movw    $0xFFFF, VCC_MSIX(%rbx)

        /* Queue 0 (receive): vector 1. Queue 1 (transmit): no vector. */
        movw    $0, VCC_Q_SELECT(%rbx)
        movzwl  VCC_Q_SIZE(%rbx), %eax
        cmp     $QSIZE, %eax
        jae     1f
        lea     msg_small_queue(%rip), %rdi
        call    test_fail
        call    test_finish
1:      movw    $QSIZE, VCC_Q_SIZE(%rbx)
        movw    $1, VCC_Q_MSIX(%rbx)
        lea     rx_desc(%rip), %rax
        mov     %rax, VCC_Q_DESC(%rbx)
        lea     rx_avail(%rip), %rax
        mov     %rax, VCC_Q_DRIVER(%rbx)
        lea     rx_used(%rip), %rax
        mov     %rax, VCC_Q_DEVICE(%rbx)
        movzwl  VCC_Q_NOFF(%rbx), %eax
        imul    notify_mul(%rip), %eax
        add     notify_base(%rip), %rax
        mov     %rax, rx_notify(%rip)
        movw    $1, VCC_Q_ENABLE(%rbx)
        movw    $1, VCC_Q_SELECT(%rbx)
        movw    $QSIZE, VCC_Q_SIZE(%rbx)
        movw    $0xFFFF, VCC_Q_MSIX(%rbx)
        lea     tx_desc(%rip), %rax
        mov     %rax, VCC_Q_DESC(%rbx)
        lea     tx_avail(%rip), %rax
        mov     %rax, VCC_Q_DRIVER(%rbx)
        lea     tx_used(%rip), %rax
        mov     %rax, VCC_Q_DEVICE(%rbx)
        movzwl  VCC_Q_NOFF(%rbx), %eax
        imul    notify_mul(%rip), %eax
        add     notify_base(%rip), %rax
        mov     %rax, tx_notify(%rip)
        movw    $1, VCC_Q_ENABLE(%rbx)
        movw    $AVAIL_F_NO_INTERRUPT, tx_avail(%rip)

        /* The MAC. */
        mov     devcfg(%rip), %rax
        mov     (%rax), %ecx
        mov     %ecx, mac(%rip)
        movzwl  4(%rax), %ecx
        mov     %cx, mac+4(%rip)

        /* Receive buffers: descriptor i -> buffer i, all available. */
        xor     %ecx, %ecx
2:      mov     %ecx, %eax
        shl     $4, %eax
        lea     rx_desc(%rip), %rdx
        add     %rax, %rdx
        mov     %ecx, %eax
        shl     $11, %eax               /* SLOT_BYTES */
        lea     rx_bufs(%rip), %rsi
        add     %rsi, %rax
        mov     %rax, (%rdx)
        movl    $SLOT_BYTES, 8(%rdx)
        movw    $VIRTQ_DESC_F_WRITE, 12(%rdx)
        movw    $0, 14(%rdx)
        lea     rx_avail(%rip), %rdx
        mov     %cx, 4(%rdx,%rcx,2)
        /* Transmit slot i: descriptor i, and the frame's fixed header. */
        mov     %ecx, %eax
        shl     $4, %eax
        lea     tx_desc(%rip), %rdx
        add     %rax, %rdx
        mov     %ecx, %eax
        shl     $11, %eax
        lea     tx_bufs(%rip), %rsi
        add     %rsi, %rax
        mov     %rax, (%rdx)
        movl    $NET_HDR + MIN_LEN, 8(%rdx)
        movw    $0, 12(%rdx)
        movw    $0, 14(%rdx)
        lea     NET_HDR(%rax), %rdx     /* the frame */
        movl    $0xFFFFFFFF, (%rdx)
        movw    $0xFFFF, 4(%rdx)
        mov     mac(%rip), %esi
        mov     %esi, FR_SRC(%rdx)
        movzwl  mac+4(%rip), %esi
        mov     %si, FR_SRC+4(%rdx)
        movw    $ETHERTYPE_BE, FR_TYPE(%rdx)
        inc     %ecx
        cmp     $QSIZE, %ecx
        jb      2b
        movw    $QSIZE, rx_avail_idx(%rip)
        movw    $QSIZE, rx_avail+2(%rip)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK), VCC_STATUS(%rbx)
        mfence
        mov     rx_notify(%rip), %rax
        movw    $0, (%rax)
        pop     %rbx
        ret

/* tx_post(EDI = kind, ESI = number, EDX = flags, ECX = frame length) -> RAX =
 * 1 if posted, 0 if the ring is full. Fills the next transmit slot and makes it
 * available; the caller publishes the index (tx_publish). */
tx_post:
        push    %rbx
        push    %r8
        movzwl  tx_avail_idx(%rip), %eax
        movzwl  tx_used+2(%rip), %r8d
        mov     %eax, %ebx
        sub     %r8d, %ebx
        and     $0xFFFF, %ebx
        cmp     $QSIZE, %ebx
        jae     1f
        mov     %eax, %ebx
        and     $(QSIZE - 1), %ebx      /* slot */
        mov     %ebx, %r8d
        shl     $4, %r8d
        lea     tx_desc(%rip), %rax
        add     %r8, %rax
        lea     NET_HDR(%rcx), %r8d
        mov     %r8d, 8(%rax)           /* the descriptor's length */
        mov     (%rax), %rax            /* the buffer */
        mov     %edi, NET_HDR+FR_KIND(%rax)
        mov     %esi, NET_HDR+FR_NUM(%rax)
        mov     %edx, NET_HDR+FR_FLAGS(%rax)
        movzwl  tx_avail_idx(%rip), %eax
        lea     tx_avail(%rip), %r8
        mov     %bx, 4(%r8,%rbx,2)
        inc     %eax
        mov     %ax, tx_avail_idx(%rip)
        mov     $1, %eax
        jmp     2f
1:      xor     %eax, %eax
2:      pop     %r8
        pop     %rbx
        ret

/* tx_publish: avail->idx, then notify the transmit queue. */
tx_publish:
        push    %rax
        movzwl  tx_avail_idx(%rip), %eax
        mov     %ax, tx_avail+2(%rip)
        mfence
        mov     tx_notify(%rip), %rax
        movw    $1, (%rax)
        pop     %rax
        ret

/* rx_reap -> RAX = used entries taken. For each: data frames counted (and
 * their order checked), the end frame and credits noted; the buffer goes back
 * to the available ring. Publishes and notifies once if it took any. */
rx_reap:
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        xor     %edi, %edi
1:      movzwl  rx_last(%rip), %eax
        cmp     rx_used+2(%rip), %ax
        je      8f
        and     $(QSIZE - 1), %eax
        lea     rx_used(%rip), %rcx
        mov     4(%rcx,%rax,8), %ebx    /* id */
        mov     8(%rcx,%rax,8), %edx    /* len */
        incw    rx_last(%rip)
        inc     %edi
        and     $(QSIZE - 1), %ebx
        mov     %ebx, %eax
        shl     $11, %eax
        lea     rx_bufs+NET_HDR(%rip), %rsi
        add     %rax, %rsi              /* the frame */
        cmpw    $ETHERTYPE_BE, FR_TYPE(%rsi)
        jne     7f
        mov     FR_KIND(%rsi), %eax
        cmp     $K_DATA, %eax
        jne     3f
        cmpq    $0, rx_frames(%rip)
        jne     2f
        call    tsc_now
        mov     %rax, rx_tsc0(%rip)
2:      mov     FR_NUM(%rsi), %eax
        cmp     rx_frames(%rip), %rax
        je      21f
        incq    rx_misordered(%rip)
21:     incq    rx_frames(%rip)
        sub     $NET_HDR, %rdx
        add     %rdx, rx_bytes(%rip)
        incq    rx_since_credit(%rip)
        jmp     7f
3:      cmp     $K_END, %eax
        jne     4f
        movq    $1, rx_end(%rip)
        jmp     7f
4:      cmp     $K_HELLO, %eax
        jne     41f
        movq    $1, rx_hello(%rip)
        jmp     7f
41:     cmp     $K_CREDIT, %eax
        jne     7f
        incq    credits(%rip)
        mov     FR_NUM(%rsi), %eax
        cmp     acked(%rip), %rax
        jbe     5f
        mov     %rax, acked(%rip)
5:      testl   $1, FR_FLAGS(%rsi)
        jz      7f
        movq    $1, fin(%rip)
7:      /* The buffer back: avail->ring[idx % QSIZE] = id. */
        movzwl  rx_avail_idx(%rip), %eax
        mov     %eax, %ecx
        and     $(QSIZE - 1), %ecx
        lea     rx_avail(%rip), %rdx
        mov     %bx, 4(%rdx,%rcx,2)
        inc     %eax
        mov     %ax, rx_avail_idx(%rip)
        jmp     1b
8:      test    %edi, %edi
        jz      9f
        movzwl  rx_avail_idx(%rip), %eax
        mov     %ax, rx_avail+2(%rip)
        mfence
        mov     rx_notify(%rip), %rax
        movw    $0, (%rax)
9:      mov     %rdi, %rax
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

/* rx_wait: sleeps (sti; hlt) until the receive ring has a used entry. */
rx_wait:
        push    %rax
1:      cli
        movzwl  rx_used+2(%rip), %eax
        cmp     rx_last(%rip), %ax
        jne     2f
        sti
        hlt
        jmp     1b
2:      sti
        pop     %rax
        ret

/* tsc_now -> RAX. The port read ends the host's run slice first, so the
 * counter is taken right after the host resynchronised it with its clock (in
 * real-time mode the TSC advances one tick per instruction within a slice). */
tsc_now:
        push    %rdx
        inb     $PORT_E9, %al
        rdtsc
        shl     $32, %rdx
        or      %rdx, %rax
        pop     %rdx
        ret

sender:
        push    %rbx
        push    %r12
        /* Hello until a credit answers. */
10:     mov     $K_HELLO, %edi
        xor     %esi, %esi
        xor     %edx, %edx
        mov     $MIN_LEN, %ecx
        call    tx_post
        call    tx_publish
        rdtsc
        shl     $32, %rdx
        or      %rdx, %rax
        lea     HELLO_TICKS(%rax), %rbx
11:     call    rx_reap
        cmpq    $0, credits(%rip)
        jne     12f
        pause
        rdtsc
        shl     $32, %rdx
        or      %rdx, %rax
        cmp     %rbx, %rax
        jb      11b
        jmp     10b
12:     lea     msg_sending(%rip), %rdi
        call    print_str64
        mov     p_count(%rip), %rdi
        call    print_dec64
        lea     msg_len(%rip), %rdi
        call    print_str64
        mov     p_len(%rip), %rdi
        call    print_dec64
        lea     msg_window(%rip), %rdi
        call    print_str64
        mov     p_window(%rip), %rdi
        call    print_dec64
        lea     msg_batch(%rip), %rdi
        call    print_str64
        mov     p_batch(%rip), %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        call    tsc_now
        mov     %rax, tx_tsc0(%rip)
        xor     %r12d, %r12d            /* data frames sent */
1:      call    rx_reap
        cmp     p_count(%rip), %r12
        jae     5f
        /* room = min(window - (sent - acked), batch, count - sent) */
        mov     %r12, %rax
        sub     acked(%rip), %rax
        mov     p_window(%rip), %rbx
        sub     %rax, %rbx
        jbe     4f                      /* the window is full */
        cmp     p_batch(%rip), %rbx
        jbe     2f
        mov     p_batch(%rip), %rbx
2:      mov     p_count(%rip), %rax
        sub     %r12, %rax
        cmp     %rax, %rbx
        jbe     3f
        mov     %rax, %rbx
3:      mov     $K_DATA, %edi
        mov     %r12d, %esi
        xor     %edx, %edx
        mov     p_len(%rip), %rcx
        call    tx_post
        test    %eax, %eax
        jz      31f                     /* the ring is full: publish what there is */
        inc     %r12
        dec     %rbx
        jnz     3b
31:     call    tx_publish
        jmp     1b
4:      call    rx_wait
        jmp     1b
        /* All sent: the end frame once the window has room, then the final credit. */
5:      mov     %r12, %rax
        sub     acked(%rip), %rax
        cmp     p_window(%rip), %rax
        jb      6f
        call    rx_wait
        call    rx_reap
        jmp     5b
6:      mov     $K_END, %edi
        mov     %r12d, %esi
        xor     %edx, %edx
        mov     $MIN_LEN, %ecx
        call    tx_post
        test    %eax, %eax
        jz      5b
        call    tx_publish
7:      call    rx_reap
        cmpq    $0, fin(%rip)
        jne     8f
        call    rx_wait
        jmp     7b
8:      call    tsc_now
        sub     tx_tsc0(%rip), %rax
        mov     %rax, %rbx
        lea     msg_sent(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        call    print_dec64
        lea     msg_bytes(%rip), %rdi
        call    print_str64
        mov     %r12, %rdi
        imul    p_len(%rip), %rdi
        call    print_dec64
        lea     msg_tsc(%rip), %rdi
        call    print_str64
        mov     %rbx, %rdi
        call    print_dec64
        lea     msg_acked(%rip), %rdi
        call    print_str64
        mov     acked(%rip), %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        CHECK   acked(%rip), p_count(%rip), "every frame acknowledged"
        pop     %r12
        pop     %rbx
        ret

receiver:
        push    %rbx
        lea     msg_receiving(%rip), %rdi
        call    print_str64
1:      call    rx_wait
        call    rx_reap
        cmpq    $0, rx_hello(%rip)
        jne     2f
        mov     rx_since_credit(%rip), %rax
        cmp     p_credit(%rip), %rax
        jae     2f
        cmpq    $0, rx_end(%rip)
        je      1b
2:      movq    $0, rx_since_credit(%rip)
        movq    $0, rx_hello(%rip)
        mov     $K_CREDIT, %edi
        mov     rx_frames(%rip), %rsi
        mov     rx_end(%rip), %rdx
        mov     $CREDIT_LEN, %ecx
        call    tx_post
        test    %eax, %eax
        jnz     3f
        pause                           /* the ring is full (the device has not taken them yet) */
        jmp     2b
3:      call    tx_publish
        cmpq    $0, rx_end(%rip)
        je      1b
        call    tsc_now
        sub     rx_tsc0(%rip), %rax
        mov     %rax, %rbx
        lea     msg_received(%rip), %rdi
        call    print_str64
        mov     rx_frames(%rip), %rdi
        call    print_dec64
        lea     msg_bytes(%rip), %rdi
        call    print_str64
        mov     rx_bytes(%rip), %rdi
        call    print_dec64
        lea     msg_tsc(%rip), %rdi
        call    print_str64
        mov     %rbx, %rdi
        call    print_dec64
        lea     msg_misordered(%rip), %rdi
        call    print_str64
        mov     rx_misordered(%rip), %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        CHECK   rx_frames(%rip), p_count(%rip), "every frame arrived"
        CHECK   rx_misordered(%rip), $0, "in order"
        pop     %rbx
        ret

/* param64(RDI = "key=", RSI = default) -> RAX: the decimal number after the
 * first "key=" that starts the command line or follows a space; the default
 * when there is none (as bench_lib.S's bench_param). */
param64:
        push    %rbx
        push    %rcx
        push    %rdx
        push    %r8
        push    %r9
        mov     %rsi, %rax
        mov     boot_cmdline(%rip), %r8d
        test    %r8, %r8
        jz      9f
        mov     $' ', %bl
1:      cmpb    $0, (%r8)
        je      9f
        cmp     $' ', %bl
        jne     3f
        mov     %rdi, %r9
        mov     %r8, %rcx
2:      movb    (%r9), %dl
        test    %dl, %dl
        jz      4f
        cmp     (%rcx), %dl
        jne     3f
        inc     %r9
        inc     %rcx
        jmp     2b
3:      movb    (%r8), %bl
        inc     %r8
        jmp     1b
4:      xor     %eax, %eax
        xor     %r9d, %r9d
5:      movzbl  (%rcx), %edx
        sub     $'0', %edx
        cmp     $9, %edx
        ja      6f
        imul    $10, %rax, %rax
        add     %rdx, %rax
        inc     %rcx
        inc     %r9
        jmp     5b
6:      test    %r9, %r9
        jnz     9f
        mov     %rsi, %rax
9:      pop     %r9
        pop     %r8
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

net_irq:
        push    %rax
        incq    irq_count(%rip)
        mov     $LAPIC_GPA + 0xB0, %eax
        movl    $0, (%rax)              /* EOI */
        pop     %rax
        iretq

        .section .rodata
name:           .asciz "bench_net"
msg_no_nic:     .asciz "no virtio-net (1af4:1041) on bus 0"
msg_small_queue: .asciz "a queue is smaller than 256 entries"
msg_sending:    .asciz "bench_net: sending count="
msg_len:        .asciz " len="
msg_window:     .asciz " window="
msg_batch:      .asciz " batch="
msg_sent:       .asciz "bench_net: sent frames="
msg_bytes:      .asciz " bytes="
msg_tsc:        .asciz " tsc="
msg_acked:      .asciz " acked="
msg_receiving:  .asciz "bench_net: receiving\n"
msg_received:   .asciz "bench_net: received frames="
msg_misordered: .asciz " misordered="
key_send:       .asciz "send="
key_count:      .asciz "count="
key_len:        .asciz "len="
key_window:     .asciz "window="
key_batch:      .asciz "batch="
key_credit:     .asciz "credit="

        .data
        .balign 8
notify_mul:     .long 0
        .balign 8
common:         .quad 0
devcfg:         .quad 0
notify_base:    .quad 0
rx_notify:      .quad 0
tx_notify:      .quad 0
irq_count:      .quad 0
p_send:         .quad 0
p_count:        .quad 0
p_len:          .quad 0
p_window:       .quad 0
p_batch:        .quad 0
p_credit:       .quad 0
acked:          .quad 0
fin:            .quad 0
tx_tsc0:        .quad 0
rx_tsc0:        .quad 0
rx_frames:      .quad 0
rx_bytes:       .quad 0
rx_misordered:  .quad 0
rx_since_credit: .quad 0
rx_end:         .quad 0
rx_hello:       .quad 0
credits:        .quad 0
mac:            .quad 0
rx_avail_idx:   .word 0
rx_last:        .word 0
tx_avail_idx:   .word 0

        .bss
        .balign 4096
rx_desc:        .skip 16 * QSIZE
tx_desc:        .skip 16 * QSIZE
        .balign 4096
rx_avail:       .skip 6 + 2 * QSIZE
        .balign 4096
rx_used:        .skip 6 + 8 * QSIZE
        .balign 4096
tx_avail:       .skip 6 + 2 * QSIZE
        .balign 4096
tx_used:        .skip 6 + 8 * QSIZE
        .balign 4096
rx_bufs:        .skip SLOT_BYTES * QSIZE
tx_bufs:        .skip SLOT_BYTES * QSIZE
