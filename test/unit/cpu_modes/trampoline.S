/*
 * An application processor's start-up trampoline, after Linux's
 * arch/x86/realmode/rm/trampoline_64.S and arch/x86/kernel/verify_cpu.S:
 * real mode at CS = 0x0800 (start-up IPI vector 8) -> 32-bit protected mode ->
 * long mode, then a marker in memory and HLT with interrupts off.
 * Linked at 0x8000 (build.sh); test/unit/cpu_realmode.test.ts loads it there.
 *
 * Results (physical addresses):
 *   0x8ff0 u32 verify_cpu's result (0 = long mode capable)
 *   0x8ff4 u32 EFLAGS.ID could be toggled (1)
 *   0x8ff8 u64 the marker written from 64-bit code
 */
#define KERNEL_CS   0x08
#define KERNEL32_CS 0x10
#define KERNEL_DS   0x18
#define CR0_STATE   0x80050033 /* PG AM WP NE ET MP PE */
#define MSR_EFER    0xc0000080
#define MSR_MISC    0x1a0
#include "desc.h"

	.text
	.code16
	.globl start
start:
	cli
	wbinvd
	/* LJMPW_RM: reload CS with the real-mode segment */
	.byte 0xea
	.word 1f - start, 0x0800
1:
	SET_SEGS %cs, %ax, %ds, %es, %ss
	movl	$(rm_stack_end - start), %esp

	call	verify_cpu
	movl	%eax, (res_verify - start)
	testl	%eax, %eax
	jnz	no_longmode

	lidtl	(tr_idt - start)
	lgdtl	(gdt_ptr - start)
	movw	$KERNEL_DS, %dx
	movl	$(CR0_STATE & ~0x80000000), %eax
	movl	%eax, %cr0
	/* 66 EA: a 32-bit far jump, still fetched through the real-mode CS base */
	ljmpl	$KERNEL32_CS, $startup_32

no_longmode:
	hlt
	jmp	no_longmode

verify_cpu:
	pushf
	push	$0
	popf
	pushfl
	popl	%eax
	movl	%eax, %ebx
	xorl	$0x200000, %eax
	pushl	%eax
	popfl
	pushfl
	popl	%eax
	cmpl	%eax, %ebx
	jz	.Lno
	movl	$1, (res_id - start)

	movl	$0, %eax
	cpuid
	cmpl	$1, %eax
	jb	.Lno
	xor	%di, %di
	cmpl	$0x756e6547, %ebx	/* GenuineIntel */
	jnz	.Lcheck
	movl	$1, %eax
	cpuid
	movl	%eax, %ecx
	andl	$0x0ff00f00, %eax
	shrl	$8, %eax
	cmpl	$6, %eax
	ja	.Lclear_xd
	jb	.Lcheck
	andl	$0x000f00f0, %ecx
	shrl	$4, %ecx
	cmpl	$0xd, %ecx
	jb	.Lcheck
.Lclear_xd:
	movl	$MSR_MISC, %ecx
	rdmsr
	btrl	$2, %edx		/* MISC_ENABLE.XD_DISABLE */
	jnc	.Lcheck
	wrmsr
.Lcheck:
	movl	$1, %eax
	cpuid
	andl	$0x07008179, %edx	/* FPU PSE TSC MSR PAE CX8 PGE CMOV FXSR SSE SSE2 */
	xorl	$0x07008179, %edx
	jnz	.Lno
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	.Lno
	movl	$0x80000001, %eax
	cpuid
	andl	$0x20100000, %edx	/* LM NX */
	xorl	$0x20100000, %edx
	jnz	.Lno
	popf
	xorl	%eax, %eax
	ret
.Lno:
	popf
	movl	$1, %eax
	ret

	.code32
	.balign 4
startup_32:
	movl	%edx, %ss
	addl	$0x8000, %esp		/* pa_real_mode_base */
	movl	%edx, %ds
	movl	%edx, %es
	movl	%edx, %fs
	movl	%edx, %gs
	movl	$0x20, %eax		/* CR4.PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	cmp	tr_efer, %eax
	jne	.Lwrite_efer
	cmp	tr_efer + 4, %edx
	je	.Ldone_efer
.Lwrite_efer:
	movl	tr_efer, %eax
	movl	tr_efer + 4, %edx
	wrmsr
.Ldone_efer:
	movl	$CR0_STATE, %eax
	movl	%eax, %cr0
	ljmpl	$KERNEL_CS, $startup_64

	.code64
	.balign 4
startup_64:
	jmpq	*tr_start(%rip)

done64:
	movabsq	$0x5a5a5a5a12345678, %rax
	movq	%rax, res_marker(%rip)
	hlt
	jmp	done64

	.balign 8
tr_start:	.quad done64
tr_efer:	.quad 0x100		/* LME */
tr_idt:		.word 0
		.long 0
	.balign 8
	TABLE_PTR gdt
	.balign 8
gdt:		.quad 0
		FLAT_CODE64(0)			/* 0x08 64-bit code */
		FLAT_CODE32(0)			/* 0x10 32-bit code */
		FLAT_DATA(0)			/* 0x18 data */
gdt_end:

	. = start + 0xf00
rm_stack_end:
	. = start + 0xff0
res_verify:	.long 0
res_id:		.long 0
res_marker:	.quad 0

	/* identity map of the first 2 MiB */
	.balign 4096
pml4:	.quad pdpt + 3
	.fill 511, 8, 0
pdpt:	.quad pd + 3
	.fill 511, 8, 0
pd:	.quad 0x83
	.fill 511, 8, 0
