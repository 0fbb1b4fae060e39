/* bench_blk.elf: virtio-blk throughput and IOPS measured from the guest
 * (bench/devices.ts runs it). The driver part is virtio_blk.S's (virtio 1.x
 * sections 4.1 and 5.2, MSI-X through the local APIC, VERSION_1 only), with a
 * queue of 64 entries and up to 16 requests in flight: request slot i owns
 * descriptors 4i..4i+2 (header, data, status), a 64 KiB data buffer, a header
 * and a status byte. The descriptors of a phase are written once; a request
 * then costs the header's sector, the status byte and one available-ring entry.
 * The driver posts as many requests as the queue depth allows, notifies once
 * for the batch, and waits for the used ring with sti; hlt (so that a backend
 * that answers later, such as a file, gets the host's event loop).
 *
 * Phases, in this order (the 64 KiB ones over the first seq_mib MiB of the
 * disk, the 4 KiB ones at random 4 KiB-aligned offsets over the whole disk,
 * from a fixed xorshift64 seed):
 *   seqwrite  64 KiB writes, queue depth seq_qd (default 1)
 *   seqread   64 KiB reads of the same blocks, queue depth seq_qd
 *   randread  4 KiB, queue depth 1        randwrite 4 KiB, queue depth 1
 *   randread  4 KiB, queue depth qd       randwrite 4 KiB, queue depth qd (default 16)
 * Each phase prints two lines, which the host timestamps as they arrive:
 *   bench_blk: phase seqwrite bs=65536 qd=1 ops=1024
 *   bench_blk: done seqwrite ops=1024 bytes=67108864 tsc=123456789 errors=0
 * tsc is the guest's RDTSC difference over the phase (1 GHz nominal: ns; see
 * tsc_now).
 * errors counts requests whose status was not OK or whose used length was
 * wrong, and (seqread) blocks that did not read back the block number
 * seqwrite stored in their first 8 bytes. Each phase is one check; the guest
 * ends with PASS and poweroff when every phase had no errors.
 *
 * Command line: seq_mib=64 rand_ops=20000 qd=16 seq_qd=1 (decimal). */
#include "lib/pvh.h"
#include "lib/cpu_test.h"
#include "pci_lib.h"

#define QSIZE           64
#define SLOTS           16
#define SLOT_DESCS      4       /* descriptors per slot (3 used): head = 4 * slot */
#define BUF_BYTES       65536
#define BLK_VECTOR      0x41
#define T_IN            0
#define T_OUT           1
#define SEQ_BS          65536
#define RAND_BS         4096

        .text
        .code64
        .globl  main64
main64:
        lea     name(%rip), %rdi
        call    cpu_test_init

        /* Parameters. */
        lea     key_seq_mib(%rip), %rdi
        mov     $64, %esi
        call    param64
        mov     %rax, p_seq_mib(%rip)
        lea     key_rand_ops(%rip), %rdi
        mov     $20000, %esi
        call    param64
        mov     %rax, p_rand_ops(%rip)
        lea     key_qd(%rip), %rdi
        mov     $SLOTS, %esi
        call    param64
        call    clamp_qd
        mov     %rax, p_qd(%rip)
        lea     key_seq_qd(%rip), %rdi
        mov     $1, %esi
        call    param64
        call    clamp_qd
        mov     %rax, p_seq_qd(%rip)

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
2:      mov     %r12, %rdi
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

        /* MSI-X: entry 1 (queue 0) -> BLK_VECTOR at APIC 0; enable. */
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

        /* Reset, ACKNOWLEDGE, DRIVER, VERSION_1 only, FEATURES_OK. */
        movb    $0, VCC_STATUS(%r13)
        movb    $VIRTIO_S_ACKNOWLEDGE, VCC_STATUS(%r13)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER), VCC_STATUS(%r13)
        movl    $0, VCC_GFSELECT(%r13)
        movl    $0, VCC_GF(%r13)
        movl    $1, VCC_GFSELECT(%r13)
        movl    $1, VCC_GF(%r13)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK), VCC_STATUS(%r13)
        movzbl  VCC_STATUS(%r13), %eax
        and     $VIRTIO_S_FEATURES_OK, %eax
        CHECK   %rax, $VIRTIO_S_FEATURES_OK, "FEATURES_OK accepted"
        movw    $0xFFFF, VCC_MSIX(%r13)

        /* Queue 0: QSIZE entries, MSI-X vector 1. */
        movw    $0, VCC_Q_SELECT(%r13)
        movzwl  VCC_Q_SIZE(%r13), %eax
        cmp     $QSIZE, %eax
        jae     3f
        lea     msg_small_queue(%rip), %rdi
        call    test_fail
        call    test_finish
3:      movw    $QSIZE, VCC_Q_SIZE(%r13)
        movw    $1, VCC_Q_MSIX(%r13)
        lea     vq_desc(%rip), %rax
        mov     %rax, VCC_Q_DESC(%r13)
        lea     vq_avail(%rip), %rax
        mov     %rax, VCC_Q_DRIVER(%r13)
        lea     vq_used(%rip), %rax
        mov     %rax, VCC_Q_DEVICE(%r13)
        movzwl  VCC_Q_NOFF(%r13), %eax
        imul    notify_mul(%rip), %eax
        add     %rax, %r14
        mov     %r14, notify_addr(%rip)
        movw    $1, VCC_Q_ENABLE(%r13)
        movb    $(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK), VCC_STATUS(%r13)

        mov     (%r15), %rax
        mov     %rax, capacity(%rip)
        lea     msg_capacity(%rip), %rdi
        call    print_str64
        mov     %rax, %rdi
        call    print_dec64
        lea     msg_sectors(%rip), %rdi
        call    print_str64

        /* The sequential phases cover seq_mib MiB, at most the disk. */
        mov     p_seq_mib(%rip), %rax
        shl     $4, %rax                /* 64 KiB blocks */
        mov     capacity(%rip), %rcx
        shr     $7, %rcx                /* 128 sectors a block */
        cmp     %rcx, %rax
        jbe     4f
        mov     %rcx, %rax
4:      mov     %rax, seq_blocks(%rip)
        movabs  $0x9E3779B97F4A7C15, %rax
        mov     %rax, rng(%rip)
        sti

        mov     $T_OUT, %edi
        mov     $SEQ_BS, %esi
        mov     p_seq_qd(%rip), %rdx
        mov     seq_blocks(%rip), %rcx
        xor     %r8d, %r8d
        lea     ph_seqwrite(%rip), %r9
        call    run_phase
        mov     $T_IN, %edi
        mov     $SEQ_BS, %esi
        mov     p_seq_qd(%rip), %rdx
        mov     seq_blocks(%rip), %rcx
        xor     %r8d, %r8d
        lea     ph_seqread(%rip), %r9
        call    run_phase
        mov     $T_IN, %edi
        mov     $RAND_BS, %esi
        mov     $1, %edx
        mov     p_rand_ops(%rip), %rcx
        mov     $1, %r8d
        lea     ph_randread(%rip), %r9
        call    run_phase
        mov     $T_OUT, %edi
        mov     $RAND_BS, %esi
        mov     $1, %edx
        mov     p_rand_ops(%rip), %rcx
        mov     $1, %r8d
        lea     ph_randwrite(%rip), %r9
        call    run_phase
        mov     $T_IN, %edi
        mov     $RAND_BS, %esi
        mov     p_qd(%rip), %rdx
        mov     p_rand_ops(%rip), %rcx
        mov     $1, %r8d
        lea     ph_randread(%rip), %r9
        call    run_phase
        mov     $T_OUT, %edi
        mov     $RAND_BS, %esi
        mov     p_qd(%rip), %rdx
        mov     p_rand_ops(%rip), %rcx
        mov     $1, %r8d
        lea     ph_randwrite(%rip), %r9
        call    run_phase
        call    test_finish

/* clamp_qd(RAX) -> RAX in 1..SLOTS */
clamp_qd:
        test    %rax, %rax
        jnz     1f
        mov     $1, %eax
1:      cmp     $SLOTS, %rax
        jbe     2f
        mov     $SLOTS, %eax
2:      ret

/* run_phase(EDI = T_IN or T_OUT, RSI = block size (a multiple of 512, at most
 * BUF_BYTES), RDX = queue depth (1..SLOTS), RCX = requests, R8 = 1 for random
 * offsets over the disk (else block i of the sequence is request i), R9 = the
 * phase's name). Prints the phase and done lines and checks errors == 0. */
run_phase:
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %edi, ph_type(%rip)
        mov     %rsi, ph_bs(%rip)
        mov     %rdx, ph_qd(%rip)
        mov     %rcx, ph_ops(%rip)
        mov     %r8, ph_random(%rip)
        mov     %r9, ph_name(%rip)
        mov     %rsi, %rax
        shr     $9, %rax
        mov     %rax, ph_sectors(%rip)  /* sectors a request */
        mov     %rax, %rcx
        mov     capacity(%rip), %rax
        xor     %edx, %edx
        div     %rcx
        mov     %rax, ph_nblocks(%rip)  /* whole blocks on the disk */
        /* The expected used length: data + status for reads, status for writes. */
        mov     $1, %eax
        cmpl    $T_IN, ph_type(%rip)
        jne     1f
        add     ph_bs(%rip), %rax
1:      mov     %rax, ph_used_len(%rip)

        /* "bench_blk: phase NAME bs=B qd=Q ops=N" */
        lea     msg_phase(%rip), %rdi
        call    print_str64
        mov     ph_name(%rip), %rdi
        call    print_str64
        lea     msg_bs(%rip), %rdi
        call    print_str64
        mov     ph_bs(%rip), %rdi
        call    print_dec64
        lea     msg_qd(%rip), %rdi
        call    print_str64
        mov     ph_qd(%rip), %rdi
        call    print_dec64
        lea     msg_ops(%rip), %rdi
        call    print_str64
        mov     ph_ops(%rip), %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64

        /* Each slot's chain and header, once for the phase; all slots free. */
        xor     %ecx, %ecx
2:      mov     %ecx, %eax
        shl     $6, %eax                /* 4 descriptors x 16 bytes */
        lea     vq_desc(%rip), %rbx
        add     %rax, %rbx
        mov     %ecx, %eax
        shl     $4, %eax
        lea     req_hdrs(%rip), %rdx
        add     %rax, %rdx              /* this slot's header */
        mov     ph_type(%rip), %eax
        mov     %eax, (%rdx)
        movl    $0, 4(%rdx)
        movq    $0, 8(%rdx)
        mov     %rdx, 0(%rbx)
        movl    $16, 8(%rbx)
        movw    $VIRTQ_DESC_F_NEXT, 12(%rbx)
        lea     1(,%rcx,SLOT_DESCS), %eax
        mov     %ax, 14(%rbx)
        mov     %ecx, %eax
        shl     $16, %rax               /* BUF_BYTES */
        lea     bufs(%rip), %rdx
        add     %rdx, %rax
        mov     %rax, 16(%rbx)
        mov     ph_bs(%rip), %rax
        mov     %eax, 24(%rbx)
        mov     $(VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE), %eax
        cmpl    $T_OUT, ph_type(%rip)
        jne     3f
        mov     $VIRTQ_DESC_F_NEXT, %eax
3:      mov     %ax, 28(%rbx)
        lea     2(,%rcx,SLOT_DESCS), %eax
        mov     %ax, 30(%rbx)
        lea     req_status(%rip), %rax
        add     %rcx, %rax
        mov     %rax, 32(%rbx)
        movl    $1, 40(%rbx)
        movw    $VIRTQ_DESC_F_WRITE, 44(%rbx)
        movw    $0, 46(%rbx)
        lea     free_slots(%rip), %rax
        mov     %cl, (%rax,%rcx)
        inc     %ecx
        cmp     ph_qd(%rip), %rcx
        jb      2b
        mov     %rcx, free_top(%rip)

        xor     %r12d, %r12d            /* requests posted */
        xor     %r13d, %r13d            /* requests completed */
        xor     %r14d, %r14d            /* in flight */
        xor     %r15d, %r15d            /* errors */
        call    tsc_now
        mov     %rax, ph_tsc0(%rip)

.Lpost:
        xor     %r8d, %r8d              /* posted in this batch */
4:      cmp     ph_qd(%rip), %r14
        jae     .Lkick
        cmp     ph_ops(%rip), %r12
        jae     .Lkick
        /* A free slot. */
        mov     free_top(%rip), %rax
        dec     %rax
        mov     %rax, free_top(%rip)
        lea     free_slots(%rip), %rcx
        movzbl  (%rcx,%rax), %ebx       /* slot */
        /* Its block: the next of the sequence, or a random one. */
        mov     %r12, %rax
        cmpq    $0, ph_random(%rip)
        je      5f
        mov     rng(%rip), %rax         /* xorshift64 */
        mov     %rax, %rdx
        shl     $13, %rdx
        xor     %rdx, %rax
        mov     %rax, %rdx
        shr     $7, %rdx
        xor     %rdx, %rax
        mov     %rax, %rdx
        shl     $17, %rdx
        xor     %rdx, %rax
        mov     %rax, rng(%rip)
        xor     %edx, %edx
        divq    ph_nblocks(%rip)
        mov     %rdx, %rax
5:      lea     req_block(%rip), %rcx
        mov     %rax, (%rcx,%rbx,8)
        /* seqwrite stores the block number in the block's first 8 bytes. */
        cmpq    $0, ph_random(%rip)
        jne     6f
        cmpl    $T_OUT, ph_type(%rip)
        jne     6f
        mov     %rbx, %rcx
        shl     $16, %rcx
        lea     bufs(%rip), %rdx
        mov     %rax, (%rdx,%rcx)
6:      imul    ph_sectors(%rip), %rax
        mov     %rbx, %rcx
        shl     $4, %rcx
        lea     req_hdrs(%rip), %rdx
        mov     %rax, 8(%rdx,%rcx)      /* sector */
        lea     req_status(%rip), %rdx
        movb    $0xFF, (%rdx,%rbx)
        /* avail->ring[idx % QSIZE] = head */
        movzwl  avail_idx(%rip), %eax
        mov     %eax, %ecx
        and     $(QSIZE - 1), %ecx
        lea     vq_avail(%rip), %rdx
        lea     (,%rbx,SLOT_DESCS), %esi
        mov     %si, 4(%rdx,%rcx,2)
        inc     %eax
        mov     %ax, avail_idx(%rip)
        inc     %r12
        inc     %r14
        inc     %r8
        jmp     4b
.Lkick:
        test    %r8, %r8
        jz      .Lwait
        movzwl  avail_idx(%rip), %eax
        mov     %ax, vq_avail+2(%rip)
        mfence
        mov     notify_addr(%rip), %rax
        movw    $0, (%rax)              /* notify queue 0 */

        /* Wait for the used ring to move. */
.Lwait:
        cli
        movzwl  vq_used+2(%rip), %eax
        cmp     last_used(%rip), %ax
        jne     7f
        sti
        hlt
        jmp     .Lwait
7:      sti
        /* Reap every used entry. */
8:      movzwl  last_used(%rip), %eax
        cmp     vq_used+2(%rip), %ax
        je      .Lreaped
        and     $(QSIZE - 1), %eax
        lea     vq_used(%rip), %rcx
        mov     4(%rcx,%rax,8), %ebx    /* id = head = 4 * slot */
        mov     8(%rcx,%rax,8), %edx    /* len */
        incw    last_used(%rip)
        test    $(SLOT_DESCS - 1), %ebx
        jnz     .Lbad_id
        shr     $2, %ebx
        cmp     ph_qd(%rip), %rbx
        jae     .Lbad_id
        cmp     ph_used_len(%rip), %rdx
        je      9f
        inc     %r15
9:      lea     req_status(%rip), %rcx
        cmpb    $0, (%rcx,%rbx)
        je      10f
        inc     %r15
10:     cmpq    $0, ph_random(%rip)
        jne     11f
        cmpl    $T_IN, ph_type(%rip)
        jne     11f
        mov     %rbx, %rcx
        shl     $16, %rcx
        lea     bufs(%rip), %rdx
        mov     (%rdx,%rcx), %rax
        lea     req_block(%rip), %rcx
        cmp     (%rcx,%rbx,8), %rax
        je      11f
        inc     %r15
11:     mov     free_top(%rip), %rax
        lea     free_slots(%rip), %rcx
        mov     %bl, (%rcx,%rax)
        inc     %rax
        mov     %rax, free_top(%rip)
        dec     %r14
        inc     %r13
        jmp     8b
.Lbad_id:
        /* Not a head we posted: count it and stop, or the slots would be lost. */
        inc     %r15
        jmp     .Ldone
.Lreaped:
        cmp     ph_ops(%rip), %r13
        jb      .Lpost

.Ldone:
        call    tsc_now
        sub     ph_tsc0(%rip), %rax
        mov     %rax, %rbx
        /* "bench_blk: done NAME ops=N bytes=B tsc=T errors=E" */
        lea     msg_done(%rip), %rdi
        call    print_str64
        mov     ph_name(%rip), %rdi
        call    print_str64
        lea     msg_ops(%rip), %rdi
        call    print_str64
        mov     %r13, %rdi
        call    print_dec64
        lea     msg_bytes(%rip), %rdi
        call    print_str64
        mov     %r13, %rdi
        imul    ph_bs(%rip), %rdi
        call    print_dec64
        lea     msg_tsc(%rip), %rdi
        call    print_str64
        mov     %rbx, %rdi
        call    print_dec64
        lea     msg_errors(%rip), %rdi
        call    print_str64
        mov     %r15, %rdi
        call    print_dec64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        mov     %r15, %rdi
        xor     %esi, %esi
        mov     ph_name(%rip), %rdx
        call    check_eq64
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
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
        mov     $' ', %bl               /* the previous character */
1:      cmpb    $0, (%r8)
        je      9f
        cmp     $' ', %bl
        jne     3f
        mov     %rdi, %r9               /* compare with the key */
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
4:      xor     %eax, %eax              /* the number at RCX */
        xor     %r9d, %r9d              /* digits */
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

/* tsc_now -> RAX. The port read ends the host's run slice first, so the
 * counter is taken right after the host resynchronised it with its clock (in
 * real-time mode the TSC advances one tick per instruction within a slice, and
 * a slice that spent host time on hypercalls would leave it behind). */
tsc_now:
        push    %rdx
        inb     $PORT_E9, %al
        rdtsc
        shl     $32, %rdx
        or      %rdx, %rax
        pop     %rdx
        ret

blk_irq:
        push    %rax
        incq    irq_count(%rip)
        mov     $LAPIC_GPA + 0xB0, %eax
        movl    $0, (%rax)              /* EOI */
        pop     %rax
        iretq

        .section .rodata
name:           .asciz "bench_blk"
msg_no_disk:    .asciz "no virtio-blk (1af4:1042) on bus 0"
msg_small_queue: .asciz "queue 0 is smaller than 64 entries"
msg_capacity:   .asciz "bench_blk: capacity "
msg_sectors:    .asciz " sectors\n"
msg_phase:      .asciz "bench_blk: phase "
msg_done:       .asciz "bench_blk: done "
msg_bs:         .asciz " bs="
msg_qd:         .asciz " qd="
msg_ops:        .asciz " ops="
msg_bytes:      .asciz " bytes="
msg_tsc:        .asciz " tsc="
msg_errors:     .asciz " errors="
ph_seqwrite:    .asciz "seqwrite"
ph_seqread:     .asciz "seqread"
ph_randread:    .asciz "randread"
ph_randwrite:   .asciz "randwrite"
key_seq_mib:    .asciz "seq_mib="
key_rand_ops:   .asciz "rand_ops="
key_qd:         .asciz "qd="
key_seq_qd:     .asciz "seq_qd="

        .data
        .balign 8
notify_mul:     .long 0
        .balign 8
notify_addr:    .quad 0
irq_count:      .quad 0
capacity:       .quad 0
seq_blocks:     .quad 0
rng:            .quad 0
p_seq_mib:      .quad 0
p_rand_ops:     .quad 0
p_qd:           .quad 0
p_seq_qd:       .quad 0
ph_type:        .quad 0
ph_bs:          .quad 0
ph_qd:          .quad 0
ph_ops:         .quad 0
ph_random:      .quad 0
ph_name:        .quad 0
ph_sectors:     .quad 0
ph_nblocks:     .quad 0
ph_used_len:    .quad 0
ph_tsc0:        .quad 0
free_top:       .quad 0
avail_idx:      .word 0
last_used:      .word 0

        .bss
        .balign 4096
vq_desc:        .skip 16 * QSIZE
        .balign 256
vq_avail:       .skip 6 + 2 * QSIZE
        .balign 256
vq_used:        .skip 6 + 8 * QSIZE
        .balign 16
req_hdrs:       .skip 16 * SLOTS
req_block:      .skip 8 * SLOTS
req_status:     .skip SLOTS
free_slots:     .skip SLOTS
        .balign 4096
bufs:           .skip BUF_BYTES * SLOTS
