/* Constants shared by the xpvh test guests (included by every .S through cpp).
 * Numbers come from Xen's public headers; see ../../../../shared/reference/xen-pvh-abi.md
 * sections 1-3 and 9 for the meaning of each. */
#ifndef XPVH_GUEST_PVH_H
#define XPVH_GUEST_PVH_H

/* Where every guest image is linked and loaded (1 MiB). */
#define GUEST_LOAD_GPA          0x100000

/* xen/include/public/elfnote.h */
#define XEN_ELFNOTE_GUEST_OS    6
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* xen/include/public/arch-x86/hvm/start_info.h */
#define HVM_START_MAGIC         0x336EC578
#define START_INFO_CMDLINE_OFF  24

/* Multiboot v1: header magic, boot magic in EAX, header flags.
 * Flag bit 16 says the address fields are valid (the "a.out kludge"), so a
 * loader can place the image without reading ELF headers at all. */
#define MB1_HEADER_MAGIC        0x1BADB002
#define MB1_BOOT_MAGIC          0x2BADB002
#define MB1_FLAG_ADDRESSES      0x00010000
#define MB1_INFO_CMDLINE        0x00000004   /* multiboot_info.flags bit 2 */
#define MB1_INFO_CMDLINE_OFF    16

/* How the guest was entered (the boot_proto variable). */
#define BOOT_UNKNOWN            0
#define BOOT_PVH                1
#define BOOT_MULTIBOOT          2

/* Xen CPUID leaves: "XenVMMXenVMM" in EBX, ECX, EDX of base+0. */
#define XEN_CPUID_FIRST         0x40000000
#define XEN_CPUID_END           0x40010000
#define XEN_CPUID_STEP          0x100
#define XEN_SIG_EBX             0x566E6558
#define XEN_SIG_ECX             0x65584D4D
#define XEN_SIG_EDX             0x4D4D566E

/* Hypercall numbers (xen/include/public/xen.h) and their sub-commands. */
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_sched_op   29
#define XENVER_version          0
#define XENVER_extraversion     1
#define XENVER_EXTRAVERSION_LEN 16
#define CONSOLEIO_write         0
#define SCHEDOP_shutdown        2
#define SHUTDOWN_poweroff       0
#define SHUTDOWN_reboot         1
#define SHUTDOWN_crash          3

/* Entry of hypercall nr in the hypercall page: 32 bytes per stub. */
#define HYPERCALL(nr)           (hypercall_page + 32 * (nr))
/* The page starts as 0xC3 (ret) poison; Xen's fill replaces byte 0. */
#define HYPERCALL_PAGE_POISON   0xC3

/* I/O ports: Xen's debug console, and QEMU's isa-debug-exit (only touched
 * when there is no Xen at all, so a QEMU oracle run can end). */
#define PORT_E9                 0xE9
#define PORT_QEMU_DEBUG_EXIT    0xF4
#define NO_XEN_EXIT_VALUE       0x10

/* Our GDT selectors (lib/head.S). */
#define SEL_CODE32              0x08
#define SEL_DATA                0x10
#define SEL_CODE64              0x18

/* Control-register and MSR bits for the switch to long mode. */
#define CR0_PG                  0x80000000
#define CR4_PAE                 0x00000020
#define MSR_EFER                0xC0000080
#define EFER_LME                0x00000100
#define EFER_LMA                0x00000400
#define PTE_PRESENT_RW          0x003
#define PDE_2MIB_PAGE           0x083        /* present, writable, PS */

#define STACK_BYTES             16384

#endif
