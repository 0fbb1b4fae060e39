/* Library of the CPU test guests (cpu_*.S): a self-checking harness that runs
 * the same on xpvh (output over console_io, SCHEDOP_shutdown at the end) and
 * on a plain x86 machine such as QEMU's microvm (output on port 0xE9, exit
 * through isa-debug-exit at port 0xF4), so that QEMU can be the oracle for the
 * guests' expectations.
 *
 * What it sets up (cpu_test_init), on top of lib/long_mode.S's identity map:
 *   - a GDT with kernel and user segments, a 64-bit TSS (RSP0, IST1..3) and
 *     an IDT whose vectors 0-31 and 0x80-0x83 lead to exc_common, which records
 *     the exception in exc_* and then fails the test, returns, or resumes at
 *     a label (see EXPECT_FAULT / EXPECT_RETURN in cpu_test.h);
 *   - the first 2 MiB split into 4 KiB pages, with the user sections
 *     (.text.user, .data.user) marked user-accessible, so ring 3 code can run;
 *   - the test window: a page table behind the PDE of WINDOW_VA whose entries
 *     the tests fill (window_pte), and LARGE_VA, the next 2 MiB PDE;
 *   - TEST_PAGES pages of .bss (test_pages), page i starting with the marker
 *     PAGE_MARKER + i.
 * The oracle run (test/unit/cpu_guests.test.ts does it when QEMU is there):
 *   qemu-system-x86_64 -M microvm,pit=off,pic=off,rtc=off -nodefaults \
 *     -nographic -display none -kernel test/guests/cpu_pf.elf \
 *     -debugcon stdio -device isa-debug-exit,iobase=0xf4
 * exits with status 1 when every check passed and 3 otherwise. Where QEMU
 * and the SDM disagree the SDM decides (the test lists QEMU 7.2's deviations).
 * Calling convention as in xen64.S: arguments in RDI, RSI, RDX, result in RAX,
 * everything else preserved unless a routine says otherwise. */
#include "pvh.h"
#include "cpu_test.h"

        .text
        .code64

/* cpu_test_init(RDI = the guest name, for the output). */
        .globl  cpu_test_init
cpu_test_init:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        mov     %rdi, test_name(%rip)
        call    xen_present64
        test    %rax, %rax
        jz      1f
        call    xen_init64
        jmp     2f
1:      movl    $1, no_xen(%rip)
        lea     msg_no_xen_cpu(%rip), %rdi
        call    print_str64
2:      call    print_name
        lea     msg_start(%rip), %rdi
        call    print_str64

        call    tables_init
        call    paging_init

        /* The test pages start with their markers. */
        lea     test_pages(%rip), %rdi
        mov     $PAGE_MARKER, %eax
        xor     %ecx, %ecx
3:      mov     %rax, (%rdi)
        add     $4096, %rdi
        inc     %eax
        inc     %ecx
        cmp     $TEST_PAGES, %ecx
        jb      3b
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* xen_present64 -> RAX = 1 when the Xen CPUID signature is there. */
xen_present64:
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        mov     $XEN_CPUID_FIRST, %esi
1:      mov     %esi, %eax
        xor     %ecx, %ecx
        cpuid
        cmp     $XEN_SIG_EBX, %ebx
        jne     2f
        cmp     $XEN_SIG_ECX, %ecx
        jne     2f
        cmp     $XEN_SIG_EDX, %edx
        jne     2f
        sub     %esi, %eax
        cmp     $2, %eax
        jl      2f
        mov     $1, %eax
        jmp     3f
2:      add     $XEN_CPUID_STEP, %esi
        cmp     $XEN_CPUID_END, %esi
        jb      1b
        xor     %eax, %eax
3:      pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

print_name:
        push    %rdi
        mov     test_name(%rip), %rdi
        call    print_str64
        pop     %rdi
        ret

/* ------------------------------------------------------------------------
 * Descriptor tables */

tables_init:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi

        /* TSS: RSP0, IST1..3; no I/O bitmap (its offset is past the limit). */
        lea     kstack0_top(%rip), %rax
        mov     %rax, cpu_tss+4(%rip)
        lea     ist1_top(%rip), %rax
        mov     %rax, cpu_tss+36(%rip)
        lea     ist2_top(%rip), %rax
        mov     %rax, cpu_tss+44(%rip)
        lea     ist3_top(%rip), %rax
        mov     %rax, cpu_tss+52(%rip)
        movw    $104, cpu_tss+102(%rip)

        /* Its 16-byte descriptor: limit 103, type 9 (available 64-bit TSS), P. */
        lea     cpu_tss(%rip), %rax
        mov     $103, %ecx
        mov     %rax, %rdx
        and     $0xFFFFFF, %edx
        shl     $16, %rdx
        or      %rdx, %rcx
        mov     $0x89, %edx
        shl     $40, %rdx
        or      %rdx, %rcx
        mov     %rax, %rdx
        shr     $24, %rdx
        and     $0xFF, %edx
        shl     $56, %rdx
        or      %rdx, %rcx
        mov     %rcx, cpu_gdt_tss(%rip)
        mov     %rax, %rdx
        shr     $32, %rdx
        mov     %rdx, cpu_gdt_tss+8(%rip)

        lgdt    cpu_gdt_desc(%rip)
        push    $SEL_KCODE64
        lea     1f(%rip), %rax
        push    %rax
        lretq
1:      mov     $SEL_KDATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax              /* null FS and GS: bases come from the MSRs */
        mov     %eax, %fs
        mov     %eax, %gs
        mov     $SEL_TSS, %eax
        ltr     %ax

        /* IDT: exceptions 0-31 as interrupt gates, then the software vectors. */
        xor     %edi, %edi
        lea     exc_stub_table(%rip), %rcx
2:      mov     (%rcx,%rdi,8), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate
        inc     %edi
        cmp     $32, %edi
        jb      2b
        mov     $VEC_SYSCALL80, %edi
        lea     exc_stub_0x80(%rip), %rsi
        mov     $GATE_INTR_DPL3, %edx
        call    set_gate
        mov     $VEC_KERNEL_ONLY, %edi
        lea     exc_stub_0x81(%rip), %rsi
        mov     $GATE_INTR, %edx
        call    set_gate
        mov     $VEC_USER_EXIT, %edi
        lea     exc_stub_0x82(%rip), %rsi
        mov     $GATE_INTR_DPL3, %edx
        call    set_gate
        mov     $VEC_NOT_PRESENT, %edi
        lea     exc_stub_0x83(%rip), %rsi
        mov     $(GATE_INTR & 0x7F), %edx       /* P = 0 */
        call    set_gate
        /* #DF always on IST1: a broken stack must not take it down too. */
        mov     $VEC_DF, %edi
        lea     exc_stub_8(%rip), %rsi
        mov     $(GATE_INTR | GATE_IST(1)), %edx
        call    set_gate
        lidt    cpu_idt_desc(%rip)

        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* set_gate(RDI = vector, RSI = handler, RDX = attribute byte | IST << 8):
 * writes a 16-byte IDT gate with selector SEL_KCODE64. */
        .globl  set_gate
set_gate:
        push    %rax
        push    %rcx
        push    %rdi
        shl     $4, %rdi
        lea     cpu_idt(%rip), %rax
        add     %rax, %rdi
        mov     %esi, %eax
        and     $0xFFFF, %eax
        or      $(SEL_KCODE64 << 16), %eax
        mov     %eax, (%rdi)
        mov     %edx, %ecx
        shr     $8, %ecx
        and     $7, %ecx                /* IST */
        movzbl  %dl, %eax
        shl     $8, %eax                /* type and attributes */
        or      %eax, %ecx
        mov     %esi, %eax
        and     $0xFFFF0000, %eax       /* offset 31:16 */
        or      %eax, %ecx
        mov     %ecx, 4(%rdi)
        mov     %rsi, %rax
        shr     $32, %rax
        mov     %eax, 8(%rdi)
        movl    $0, 12(%rdi)
        pop     %rdi
        pop     %rcx
        pop     %rax
        ret

/* set_ist(RDI = vector, RSI = IST index 0..7): changes a gate's IST field. */
        .globl  set_ist
set_ist:
        push    %rax
        call    gate_address
        andb    $~7, 4(%rax)
        push    %rsi
        and     $7, %esi
        or      %sil, 4(%rax)
        pop     %rsi
        pop     %rax
        ret

/* gate_address(RDI = vector) -> RAX = address of the IDT gate */
        .globl  gate_address
gate_address:
        mov     %rdi, %rax
        shl     $4, %rax
        push    %rdx
        lea     cpu_idt(%rip), %rdx
        add     %rdx, %rax
        pop     %rdx
        ret

/* ------------------------------------------------------------------------
 * Paging */

/* pte_addr(RDI = linear address) -> RAX = address of the entry that maps it
 * at the lowest level reached (a PTE, or a PDE/PDPTE with PS, or the first
 * not-present entry), RDX = its level (1 = PT ... 4 = PML4). Page tables are
 * identity mapped, so the physical address is also the linear one. */
        .globl  pte_addr
pte_addr:
        push    %rcx
        push    %rsi
        push    %rdi
        movabs  $0x000FFFFFFFFFF000, %rsi
        mov     %cr3, %rax
        and     %rsi, %rax
        mov     $39, %ecx
        mov     $4, %edx
1:      mov     (%rsp), %rdi
        shr     %cl, %rdi
        and     $511, %edi
        lea     (%rax,%rdi,8), %rax
        cmp     $1, %edx
        je      2f
        testq   $PTE_P, (%rax)
        jz      2f
        testq   $PTE_PS, (%rax)
        jnz     2f
        mov     (%rax), %rax
        and     %rsi, %rax
        sub     $9, %ecx
        dec     %edx
        jmp     1b
2:      pop     %rdi
        pop     %rsi
        pop     %rcx
        ret

/* table_entry(RDI = linear address, RSI = level 4..1) -> RAX = address of
 * the entry at that level on the way to it (the levels above must be present
 * tables, not large pages). */
        .globl  table_entry
table_entry:
        push    %rcx
        push    %rdx
        push    %r8
        push    %r9
        movabs  $0x000FFFFFFFFFF000, %r8
        mov     %cr3, %rax
        and     %r8, %rax
        mov     $39, %ecx
        mov     $4, %r9d
1:      mov     %rdi, %rdx
        shr     %cl, %rdx
        and     $511, %edx
        lea     (%rax,%rdx,8), %rax
        cmp     %rsi, %r9
        je      2f
        mov     (%rax), %rax
        and     %r8, %rax
        sub     $9, %ecx
        dec     %r9
        jmp     1b
2:      pop     %r9
        pop     %r8
        pop     %rdx
        pop     %rcx
        ret

/* allow_user(RDI = linear address): sets U in the PML4E, PDPTE and (if it
 * is not a leaf) PDE on the way to it. */
allow_user:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        movabs  $0x000FFFFFFFFFF000, %rsi
        mov     %cr3, %rax
        and     %rsi, %rax
        mov     $39, %ecx
1:      mov     %rdi, %rdx
        shr     %cl, %rdx
        and     $511, %edx
        lea     (%rax,%rdx,8), %rax
        testq   $PTE_PS, (%rax)
        jnz     2f
        orq     $PTE_U, (%rax)
        mov     (%rax), %rax
        and     %rsi, %rax
        sub     $9, %ecx
        cmp     $12, %ecx
        jne     1b
2:      pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* split_2m(RDI = linear address mapped by a 2 MiB page, RSI = a free,
 * page-aligned page table): maps the same 2 MiB with 512 4 KiB pages with the
 * same P/W/U bits. */
split_2m:
        push    %rax
        push    %rcx
        push    %rdx
        push    %r8
        push    %r9
        call    pte_addr                /* RAX = &PDE */
        mov     (%rax), %r8
        mov     %r8, %r9
        and     $(PTE_P | PTE_W | PTE_U), %r9d
        movabs  $0x000FFFFFFFE00000, %rdx
        and     %rdx, %r8               /* 2 MiB frame */
        or      %r9, %r8
        xor     %ecx, %ecx
1:      mov     %r8, (%rsi,%rcx,8)
        add     $4096, %r8
        inc     %ecx
        cmp     $512, %ecx
        jb      1b
        mov     %rsi, %rdx
        or      %r9, %rdx
        or      $PTE_W, %edx
        mov     %rdx, (%rax)
        pop     %r9
        pop     %r8
        pop     %rdx
        pop     %rcx
        pop     %rax
        ret

/* set_user_pages(RDI = start, RSI = end): U on each 4 KiB page in between
 * (and on the tables above them). The range must lie in the first 2 MiB,
 * which paging_init split into 4 KiB pages. A guest with ring 3 code calls it
 * for its own page-aligned user sections (as cpu_ring3.S does). */
        .globl  set_user_pages
set_user_pages:
        push    %rax
        push    %rdx
        push    %rdi
1:      cmp     %rsi, %rdi
        jae     2f
        call    allow_user
        call    pte_addr
        orq     $PTE_U, (%rax)
        add     $4096, %rdi
        jmp     1b
2:      pop     %rdi
        pop     %rdx
        pop     %rax
        ret

paging_init:
        push    %rax
        push    %rdx
        push    %rsi
        push    %rdi
        /* The first 2 MiB (the image) in 4 KiB pages. */
        xor     %edi, %edi
        lea     low_pt(%rip), %rsi
        call    split_2m
        /* Our own user code and data. */
        lea     lib_user_text(%rip), %rdi
        lea     lib_user_text_end(%rip), %rsi
        call    set_user_pages
        lea     lib_user_data(%rip), %rdi
        lea     lib_user_data_end(%rip), %rsi
        call    set_user_pages
        /* The window: an empty page table behind the PDE of WINDOW_VA, user
         * allowed above it so the PTEs decide. */
        mov     $WINDOW_VA, %edi
        call    pte_addr
        lea     window_pt(%rip), %rdx
        or      $(PTE_P | PTE_W | PTE_U), %edx
        mov     %rdx, (%rax)
        call    allow_user
        mov     $LARGE_VA, %edi
        call    pte_addr
        movq    $0, (%rax)
        call    flush_tlb
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rax
        ret

/* window_pte(RDI = page index) -> RAX = address of its PTE */
        .globl  window_pte
window_pte:
        lea     window_pt(%rip), %rax
        lea     (%rax,%rdi,8), %rax
        ret

/* large_pde -> RAX = address of the PDE of LARGE_VA */
        .globl  large_pde
large_pde:
        push    %rdx
        push    %rdi
        mov     $LARGE_VA, %edi
        call    pte_addr
        pop     %rdi
        pop     %rdx
        ret

/* window_pde -> RAX = address of the PDE of WINDOW_VA (points to window_pt) */
        .globl  window_pde
window_pde:
        push    %rsi
        push    %rdi
        mov     $WINDOW_VA, %edi
        mov     $2, %esi
        call    table_entry
        pop     %rdi
        pop     %rsi
        ret

/* test_page(RDI = index) -> RAX = its address (identity mapped) */
        .globl  test_page
test_page:
        mov     %rdi, %rax
        shl     $12, %rax
        push    %rdx
        lea     test_pages(%rip), %rdx
        add     %rdx, %rax
        pop     %rdx
        ret

/* test_pte(RDI = test page index, RSI = flags) -> RAX = its address | flags */
        .globl  test_pte
test_pte:
        call    test_page
        or      %rsi, %rax
        ret

/* map_window(RDI = window page index, RSI = PTE value): sets the PTE and
 * invalidates the page with INVLPG. */
        .globl  map_window
map_window:
        push    %rax
        call    window_pte
        mov     %rsi, (%rax)
        mov     %rdi, %rax
        shl     $12, %rax
        add     $WINDOW_VA, %rax
        invlpg  (%rax)
        pop     %rax
        ret

/* flush_tlb: reload CR3. */
        .globl  flush_tlb
flush_tlb:
        push    %rax
        mov     %cr3, %rax
        mov     %rax, %cr3
        pop     %rax
        ret

/* ------------------------------------------------------------------------
 * Checks and the end of the test */

/* check_eq64(RDI = actual, RSI = expected, RDX = name). */
        .globl  check_eq64
check_eq64:
        push    %rdi
        cmp     %rsi, %rdi
        jne     1f
        incq    checks_passed(%rip)
        lea     msg_pass(%rip), %rdi
        call    print_str64
        mov     %rdx, %rdi
        call    print_str64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        pop     %rdi
        ret
1:      incq    checks_failed(%rip)
        lea     msg_fail(%rip), %rdi
        call    print_str64
        mov     %rdx, %rdi
        call    print_str64
        lea     msg_got(%rip), %rdi
        call    print_str64
        mov     (%rsp), %rdi
        call    print_hex64
        lea     msg_expected(%rip), %rdi
        call    print_str64
        mov     %rsi, %rdi
        call    print_hex64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        pop     %rdi
        ret

/* test_fail(RDI = message): a failure that is not a comparison. */
        .globl  test_fail
test_fail:
        push    %rdi
        incq    checks_failed(%rip)
        lea     msg_fail(%rip), %rdi
        call    print_str64
        mov     (%rsp), %rdi
        call    print_str64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        pop     %rdi
        ret

/* test_skip(RDI = message): "SKIP: message", counted apart. */
        .globl  test_skip
test_skip:
        push    %rdi
        incq    checks_skipped(%rip)
        lea     msg_skip(%rip), %rdi
        call    print_str64
        mov     (%rsp), %rdi
        call    print_str64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        pop     %rdi
        ret

/* test_finish: "<name>: N passed, M failed, K skipped", then "PASS" and
 * poweroff, or "FAIL: ..." and crash. Without Xen: isa-debug-exit gets 0
 * (QEMU exits 1) on success and 1 (QEMU exits 3) on failure. */
        .globl  test_finish
test_finish:
        cli
        lea     stack_top(%rip), %rsp   /* whatever state we come from */
        call    print_name
        lea     msg_colon(%rip), %rdi
        call    print_str64
        mov     checks_passed(%rip), %rdi
        call    print_dec64
        lea     msg_passed(%rip), %rdi
        call    print_str64
        mov     checks_failed(%rip), %rdi
        call    print_dec64
        lea     msg_failed(%rip), %rdi
        call    print_str64
        mov     checks_skipped(%rip), %rdi
        call    print_dec64
        lea     msg_skipped(%rip), %rdi
        call    print_str64
        cmpq    $0, checks_failed(%rip)
        jne     1f
        cmpq    $0, checks_passed(%rip)
        je      1f
        lea     msg_verdict_pass(%rip), %rdi
        call    print_str64
        xor     %ebx, %ebx
        jmp     2f
1:      lea     msg_verdict_fail(%rip), %rdi
        call    print_str64
        mov     $1, %ebx
2:      cmpl    $0, no_xen(%rip)
        jne     3f
        mov     $SHUTDOWN_poweroff, %edi
        test    %ebx, %ebx
        jz      4f
        mov     $SHUTDOWN_crash, %edi
4:      call    shutdown64
3:      mov     %bl, %al
        outb    %al, $PORT_QEMU_DEBUG_EXIT
5:      cli
        hlt
        jmp     5b

/* ------------------------------------------------------------------------
 * Exceptions */

/* One stub per vector: push a zero where the CPU pushes no error code, then
 * the vector with flags (bit 8: the CPU pushed an error code, bit 9: always
 * return with IRETQ). */
.macro EXC_STUB vec, has_code, flags=0
        .balign 16
exc_stub_\vec:
        .if \has_code == 0
        push    $0
        .endif
        push    $(\vec | (\has_code << 8) | \flags)
        jmp     exc_common
.endm

        EXC_STUB 0, 0
        EXC_STUB 1, 0
        EXC_STUB 2, 0
        EXC_STUB 3, 0
        EXC_STUB 4, 0
        EXC_STUB 5, 0
        EXC_STUB 6, 0
        EXC_STUB 7, 0
        EXC_STUB 8, 1
        EXC_STUB 9, 0
        EXC_STUB 10, 1
        EXC_STUB 11, 1
        EXC_STUB 12, 1
        EXC_STUB 13, 1
        EXC_STUB 14, 1
        EXC_STUB 15, 0
        EXC_STUB 16, 0
        EXC_STUB 17, 1
        EXC_STUB 18, 0
        EXC_STUB 19, 0
        EXC_STUB 20, 0
        EXC_STUB 21, 1
        EXC_STUB 22, 0
        EXC_STUB 23, 0
        EXC_STUB 24, 0
        EXC_STUB 25, 0
        EXC_STUB 26, 0
        EXC_STUB 27, 0
        EXC_STUB 28, 0
        EXC_STUB 29, 1
        EXC_STUB 30, 1
        EXC_STUB 31, 0
        EXC_STUB 0x80, 0, 0x200
        EXC_STUB 0x81, 0
        EXC_STUB 0x82, 0
        EXC_STUB 0x83, 0

/* Frame on entry to exc_common, after the 15 GPR pushes below:
 *   120 info (vector | flags)   128 error code   136 RIP   144 CS
 *   152 RFLAGS   160 RSP   168 SS */
#define F_INFO  120
#define F_ERR   128
#define F_RIP   136
#define F_CS    144
#define F_RFL   152
#define F_RSP   160
#define F_SS    168

exc_common:
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        pushfq
        pop     %rbx                    /* RFLAGS in the handler */
        cld
        /* The previous record moves to exc_prev_* (so that run_user can
         * show what happened before the exit to the kernel). */
        lea     exc_vector(%rip), %rsi
        lea     exc_prev(%rip), %rdi
        mov     $EXC_RECORD_QWORDS, %ecx
        rep movsq
        mov     F_INFO(%rsp), %rax
        movzbl  %al, %ecx
        mov     %rcx, exc_vector(%rip)
        mov     F_ERR(%rsp), %rcx
        mov     %rcx, exc_error(%rip)
        mov     F_RIP(%rsp), %rcx
        mov     %rcx, exc_rip(%rip)
        mov     F_CS(%rsp), %rcx
        mov     %rcx, exc_cs(%rip)
        mov     F_RFL(%rsp), %rcx
        mov     %rcx, exc_rflags(%rip)
        mov     F_RSP(%rsp), %rcx
        mov     %rcx, exc_rsp(%rip)
        mov     F_SS(%rsp), %rcx
        mov     %rcx, exc_ss(%rip)
        lea     F_RIP(%rsp), %rcx
        test    $0x100, %eax
        jz      1f
        sub     $8, %rcx
1:      mov     %rcx, exc_entry_rsp(%rip)
        mov     %cr2, %rcx
        mov     %rcx, exc_cr2(%rip)
        mov     %rbx, exc_handler_rflags(%rip)
        incq    exc_count(%rip)
        test    $0x200, %eax
        jnz     exc_iret
        mov     exc_resume(%rip), %rcx
        test    %rcx, %rcx
        jz      exc_unexpected
        movq    $EXC_UNEXPECTED, exc_resume(%rip)
        cmp     $EXC_RETURN, %rcx
        je      exc_iret
        /* Resume in ring 0 at the label, on the stack of EXPECT_FAULT. */
        mov     %rcx, F_RIP(%rsp)
        movq    $SEL_KCODE64, F_CS(%rsp)
        movq    $2, F_RFL(%rsp)
        mov     exc_resume_rsp(%rip), %rcx
        mov     %rcx, F_RSP(%rsp)
        movq    $SEL_KDATA, F_SS(%rsp)
exc_iret:
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        add     $16, %rsp
        iretq

exc_unexpected:
        incq    checks_failed(%rip)
        lea     msg_unexpected(%rip), %rdi
        call    print_str64
        mov     exc_vector(%rip), %rdi
        call    print_hex64
        lea     msg_exc_err(%rip), %rdi
        call    print_str64
        mov     exc_error(%rip), %rdi
        call    print_hex64
        lea     msg_exc_rip(%rip), %rdi
        call    print_str64
        mov     exc_rip(%rip), %rdi
        call    print_hex64
        lea     msg_exc_cr2(%rip), %rdi
        call    print_str64
        mov     exc_cr2(%rip), %rdi
        call    print_hex64
        lea     msg_newline64(%rip), %rdi
        call    print_str64
        jmp     test_finish

/* ------------------------------------------------------------------------
 * Ring 3 */

/* run_user(RDI = user function): IRETQ to ring 3 at RDI with RSP =
 * user_stack_top, RFLAGS = user_rflags | 2, CS = SEL_UCODE64, SS = SEL_UDATA.
 * The other registers reach ring 3 as they are. The user code ends with
 * `int $VEC_USER_EXIT` (user_exit) or with an exception; either way we come
 * back here in ring 0 with RAX = the vector that ended it (the exc_* variables
 * describe it). */
        .globl  run_user
run_user:
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        EXPECT_FAULT 1f
        push    $SEL_UDATA
        lea     user_stack_top(%rip), %rax
        push    %rax
        mov     user_rflags(%rip), %rax
        or      $2, %rax
        push    %rax
        push    $SEL_UCODE64
        push    %rdi
        iretq
1:      END_FAULT
        mov     exc_vector(%rip), %rax
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        ret

/* Code that runs in ring 3 lives in pages of its own, marked user. Each
 * file brackets its user code in one section with page alignment at both ends
 * (the linker concatenates the files' sections). */
        .section .text.user, "ax"
        .balign 4096
lib_user_text:
/* user_exit: the end of a ring 3 function. */
        .globl  user_exit
user_exit:
        int     $VEC_USER_EXIT
        ud2
        .balign 4096
lib_user_text_end:

        .section .data.user, "aw"
        .balign 4096
lib_user_data:
        .globl  user_stack_bottom, user_stack_top
user_stack_bottom:
        .skip   4096 - 256
user_stack_top:
        .skip   256
        .balign 4096
lib_user_data_end:

/* ------------------------------------------------------------------------
 * Data */

        .section .rodata
msg_no_xen_cpu: .asciz "xpvh-guest: no Xen CPUID leaves: console on port 0xE9, exit through port 0xF4\n"
msg_start:      .asciz ": start\n"
msg_pass:       .asciz "PASS: "
msg_fail:       .asciz "FAIL: "
msg_skip:       .asciz "SKIP: "
msg_got:        .asciz ": got "
msg_expected:   .asciz ", expected "
msg_colon:      .asciz ": "
msg_passed:     .asciz " passed, "
msg_failed:     .asciz " failed, "
msg_skipped:    .asciz " skipped\n"
msg_verdict_pass: .asciz "PASS\n"
msg_verdict_fail: .asciz "FAIL: some checks failed\n"
msg_unexpected: .asciz "FAIL: unexpected exception: vector "
msg_exc_err:    .asciz " error "
msg_exc_rip:    .asciz " RIP "
msg_exc_cr2:    .asciz " CR2 "

        .balign 8
exc_stub_table:
        .quad   exc_stub_0, exc_stub_1, exc_stub_2, exc_stub_3
        .quad   exc_stub_4, exc_stub_5, exc_stub_6, exc_stub_7
        .quad   exc_stub_8, exc_stub_9, exc_stub_10, exc_stub_11
        .quad   exc_stub_12, exc_stub_13, exc_stub_14, exc_stub_15
        .quad   exc_stub_16, exc_stub_17, exc_stub_18, exc_stub_19
        .quad   exc_stub_20, exc_stub_21, exc_stub_22, exc_stub_23
        .quad   exc_stub_24, exc_stub_25, exc_stub_26, exc_stub_27
        .quad   exc_stub_28, exc_stub_29, exc_stub_30, exc_stub_31

        .data
        .balign 16
        .globl  cpu_gdt
cpu_gdt:
        .quad   0                       /* 0x00 null */
        .quad   0x00CF9A000000FFFF      /* 0x08 32-bit code */
        .quad   0x00CF92000000FFFF      /* 0x10 kernel data */
        .quad   0x00AF9A000000FFFF      /* 0x18 kernel 64-bit code */
        .quad   0x00CF92000000FFFF      /* 0x20 kernel data (SS after SYSCALL) */
        .quad   0x00CFFA000000FFFF      /* 0x28 user 32-bit code */
        .quad   0x00CFF2000000FFFF      /* 0x30 user data */
        .quad   0x00AFFA000000FFFF      /* 0x38 user 64-bit code */
cpu_gdt_tss:
        .quad   0, 0                    /* 0x40 TSS, built by tables_init */
        .quad   0x00CF12000000FFFF      /* 0x50 data, not present */
cpu_gdt_end:
        .balign 8
        .word   0, 0, 0
cpu_gdt_desc:
        .word   cpu_gdt_end - cpu_gdt - 1
        .quad   cpu_gdt
        .word   0, 0, 0
        .globl  cpu_idt_desc
cpu_idt_desc:
        .word   256 * 16 - 1
        .quad   cpu_idt

        .balign 8
        .globl  exc_vector, exc_error, exc_rip, exc_cs, exc_rflags, exc_rsp, exc_ss
        .globl  exc_entry_rsp, exc_cr2, exc_count, exc_resume, exc_resume_rsp
        .globl  exc_handler_rflags
exc_vector:     .quad -1        /* vector of the last exception */
exc_error:      .quad -1        /* its error code (0 when the CPU pushes none) */
exc_rip:        .quad -1        /* the interrupt frame: RIP CS RFLAGS RSP SS */
exc_cs:         .quad 0
exc_rflags:     .quad 0
exc_rsp:        .quad 0
exc_ss:         .quad 0
exc_entry_rsp:  .quad 0         /* RSP when the handler started */
exc_cr2:        .quad 0         /* CR2 in the handler */
exc_handler_rflags: .quad 0     /* RFLAGS in the handler */
        .globl  exc_prev
exc_prev:       .skip EXC_RECORD_QWORDS * 8     /* the record before, same layout */
exc_count:      .quad 0
exc_resume:     .quad 0         /* EXC_UNEXPECTED, EXC_RETURN or where to resume */
exc_resume_rsp: .quad 0
        .globl  user_rflags
user_rflags:    .quad 2         /* RFLAGS run_user enters ring 3 with */
checks_passed:  .quad 0
checks_failed:  .quad 0
checks_skipped: .quad 0
test_name:      .quad 0
no_xen:         .long 0

        .bss
        .balign 4096
        .globl  cpu_idt, cpu_tss, test_pages, window_pt, low_pt
cpu_idt:        .skip 4096
low_pt:         .skip 4096
window_pt:      .skip 4096
test_pages:     .skip TEST_PAGES * 4096
cpu_tss:        .skip 128
        .balign 16
        .globl  kstack0_top, ist1_top, ist2_top, ist3_top
kstack0:        .skip KSTACK_BYTES
kstack0_top:
ist1:           .skip KSTACK_BYTES
ist1_top:
ist2:           .skip KSTACK_BYTES
ist2_top:
ist3:           .skip KSTACK_BYTES
ist3_top:
