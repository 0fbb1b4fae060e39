/* Common head of every xpvh test guest: the ELF notes that make the image a
 * PVH kernel, a multiboot v1 header, the 32-bit entry point, our GDT, the stack,
 * and the data every guest shares (the hypercall page, boot information).
 *
 * PVH entry state (xen-pvh-abi.md section 1): 32-bit flat protected mode, paging
 * off, EBX = guest-physical address of hvm_start_info, no stack, GDT or IDT.
 * Multiboot v1 entry is the same machine state with EAX = 0x2BADB002 and EBX =
 * multiboot_info. The head records which one it was, clears .bss, loads its own
 * GDT and stack, and calls main32 (the guest's, or lib/long_mode.S's for 64-bit
 * guests). Assembled once per guest, in the guest's ELF class. */
#include "pvh.h"

        .section .head, "ax"
        .code32

/* Multiboot v1 header: 4-byte aligned in the first 8 KiB of the file. With
 * MB1_FLAG_ADDRESSES the loader copies [load_addr, load_end_addr) straight from
 * the file, zeroes up to bss_end_addr and jumps to entry_addr. */
        .balign 4
mb1_header:
        .long   MB1_HEADER_MAGIC
        .long   MB1_FLAG_ADDRESSES
        .long   -(MB1_HEADER_MAGIC + MB1_FLAG_ADDRESSES)
        .long   mb1_header              /* header_addr */
        .long   __image_start           /* load_addr */
        .long   __load_end              /* load_end_addr */
        .long   __bss_end               /* bss_end_addr */
        .long   _start                  /* entry_addr */

        .globl  _start
_start:
        cli
        cld
        mov     %eax, %ebp              /* boot magic (multiboot) */
        mov     %ebx, %edx              /* hvm_start_info or multiboot_info */

        lgdt    gdt_desc
        ljmp    $SEL_CODE32, $1f
1:      mov     $SEL_DATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs

        /* Clear .bss (stack, page tables, buffers); PVH does not promise it. */
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        mov     $stack_top, %esp

        mov     %edx, boot_info
        /* start_info's magic first: some PVH loaders (qboot) also leave the
         * multiboot magic in EAX. */
        cmpl    $HVM_START_MAGIC, (%edx)
        je      .Lpvh
        cmp     $MB1_BOOT_MAGIC, %ebp
        je      .Lmultiboot
        jmp     .Lunknown
.Lpvh:
        movl    $BOOT_PVH, boot_proto
        /* cmdline_paddr is a u64; take it only when it fits in 32 bits. */
        cmpl    $0, START_INFO_CMDLINE_OFF+4(%edx)
        jne     .Lcall_main
        mov     START_INFO_CMDLINE_OFF(%edx), %eax
        mov     %eax, boot_cmdline
        jmp     .Lcall_main
.Lmultiboot:
        movl    $BOOT_MULTIBOOT, boot_proto
        testl   $MB1_INFO_CMDLINE, (%edx)
        jz      .Lcall_main
        mov     MB1_INFO_CMDLINE_OFF(%edx), %eax
        mov     %eax, boot_cmdline
        jmp     .Lcall_main
.Lunknown:
        movl    $BOOT_UNKNOWN, boot_proto
.Lcall_main:
        call    main32
        /* main32 does not return; if it does, park the CPU. */
2:      cli
        hlt
        jmp     2b

        .section .rodata
        .balign 8
gdt:
        .quad   0                       /* null */
        .quad   0x00CF9A000000FFFF      /* 0x08: 32-bit code, flat */
        .quad   0x00CF92000000FFFF      /* 0x10: data, flat */
        .quad   0x00AF9A000000FFFF      /* 0x18: 64-bit code */
gdt_end:
        .balign 8
        .globl  gdt_desc
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt
        .long   0                       /* upper half of the base for lgdt in long mode */

/* The page Xen fills with hypercall stubs when we write its physical address to
 * the hypercall MSR. Filled with the 0xC3 poison so the fill can be checked. */
        .section .data.hypercall_page, "aw"
        .balign 4096
        .globl  hypercall_page
hypercall_page:
        .fill   4096, 1, HYPERCALL_PAGE_POISON

        .bss
        .balign 4
        .globl  boot_proto, boot_info, boot_cmdline, hypercall_ready
boot_proto:     .long 0         /* BOOT_PVH, BOOT_MULTIBOOT or BOOT_UNKNOWN */
boot_info:      .long 0         /* EBX at entry */
boot_cmdline:   .long 0         /* guest-physical address of the command line, or 0 */
hypercall_ready: .long 0        /* 1 once the hypercall page is filled */
        .balign 16
stack_bottom:
        .skip   STACK_BYTES
        .globl  stack_top
stack_top:

/* ELF notes, in their own PT_NOTE segment. A loader scans every note; the
 * GUEST_OS string comes first so that it has to skip one it does not need. */
        .section .note.Xen, "a", @note
        .balign 4
        .long   4                       /* namesz: "Xen\0" */
        .long   guest_os_end - guest_os /* descsz */
        .long   XEN_ELFNOTE_GUEST_OS
        .asciz  "Xen"
guest_os:
        .asciz  "xpvh-test-guest"
guest_os_end:
        .balign 4
        .long   4                       /* namesz */
        .long   4                       /* descsz: u32 physical entry */
        .long   XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"
        .long   _start
