/*
 * Real-address mode: segment loads (MOV/POP Sreg, LDS/LES/LSS, far JMP/CALL/RET
 * at both operand sizes), INT n, exceptions and an external interrupt through
 * the interrupt vector table, IRET, 16-bit defaults with 66/67 overrides, the
 * 64 KiB segment limit.
 * Started by a start-up IPI with vector 8 (CS = 0x0800, IP = 0); IF stays 0
 * until the STI before the external interrupt, and it ends with CLI; HLT.
 * Linked at 0x8000 (build.sh); test/unit/cpu_realmode.test.ts reads the
 * results, words at 0x8e00 + 2 * n (the R() offsets below), back.
 */
#define R(n) (0xe00 + 2 * (n))
#include "desc.h"

	.text
	.code16
	.globl start
start:
	cli
	SET_SEGS %cs, %ax, %ds, %ss
	mov	$0xd00, %sp
	/* the vector table at linear 0 (IDTR after INIT: base 0, limit 0xffff) */
	xor	%ax, %ax
	mov	%ax, %es
	IVT_ENTRY 0x40, int40, 0x0800
	IVT_ENTRY 6, ud_handler, 0x0800
	IVT_ENTRY 0, de_handler, 0x0800
	IVT_ENTRY 0x50, ext_handler, 0x0800
	IVT_ENTRY 13, gp_handler, 0x0800
	IVT_ENTRY 12, ss_handler, 0x0800

	/* INT n: handler sees IF/TF clear, a 3-word frame, CS:IP of the next insn */
	stc
	mov	%sp, %si
	int	$0x40
after_int40:
	sbb	%ax, %ax		/* CF restored by IRET: AX = 0xffff */
	mov	%ax, R(1)
	sub	%sp, %si
	mov	%si, R(2)		/* 0: the stack is balanced */

	/* #UD and #DE: the saved IP is the faulting instruction */
	ud2
	mov	$0x1234, %ax
	mov	%ax, R(5)
	xor	%bx, %bx
	mov	$7, %ax
	div	%bl
	mov	%ax, R(7)		/* the handler skipped the DIV: AX = 7 */

	/* far JMP to another CS with the same linear address (seg 0x0700 + 0x1000) */
	ljmp	$0x0700, $(1f - start + 0x1000)
1:	mov	%cs, R(8)		/* 0x0700 */
	ljmp	$0x0800, $(1f - start)
1:
	/* far CALL and RET, 16- and 32-bit, direct and through memory */
	lcall	$0x0800, $(far16 - start)
	mov	%ax, R(9)		/* 0x1616 */
	lcalll	$0x0800, $(far32 - start)
	mov	%ax, R(10)		/* 0x3232 */
	mov	%sp, %si
	push	$1
	push	$2
	lcallw	*(farptr - start)
	sub	%sp, %si
	mov	%si, R(11)		/* 0: RET 4 released the arguments */
	mov	%ax, R(12)		/* 0x4444 */

	/* LDS/LES/LSS, POP DS, MOV from/to Sreg */
	lds	(dsptr - start), %bx	/* DS = 0x0900, BX = 0x0123 */
	mov	%ds, %ax
	push	%cs
	pop	%ds
	mov	%ax, R(13)		/* 0x0900 */
	mov	%bx, R(14)		/* 0x0123 */
	les	(dsptr - start), %di
	movb	$0x5a, %es:(%di)	/* linear 0x9000 + 0x123 */
	mov	%es, R(15)
	mov	%ss, %cx
	mov	%sp, %dx
	lss	(ssptr - start), %sp	/* SS:SP = 0x0880:0x0c00, linear 0x9400 */
	push	$0x7777
	pop	%ax
	movw	%ss:0xbfe, %bp		/* the pushed word, through SS */
	mov	%cx, %ss
	mov	%dx, %sp
	mov	%bp, R(16)		/* 0x7777 */

	/* 66/67 overrides: 32-bit registers and addressing, and a 16-bit wrap */
	movl	$0x12345678, %eax
	movl	$(0xe00 + 2 * 17), %ebx
	movl	%eax, (%ebx)		/* 67 66: R(17) R(18) = 0x5678 0x1234 */
	mov	$0xfff0, %bx
	mov	$(0x10 + R(24)), %si
	movw	$0x4321, (%bx, %si)	/* BX+SI wraps to R(24) within DS */
	mov	R(24), %ax
	mov	%ax, R(19)		/* 0x4321 */

	/* the 64 KiB limit: a word at 0xffff is #GP (DS) or #SS (SS), through the IVT */
	mov	(0xffff), %ax		/* 3 bytes, skipped by gp_handler */
	mov	%ss:(0xffff), %ax	/* 4 bytes, skipped by ss_handler */
	mov	(0xfffe), %ax		/* the last word: fine */

	/* an external interrupt (vector 0x50, queued by the host) waits for STI */
	movw	$0, R(20)
	sti
	nop
	cli
	mov	R(20), %ax
	mov	%ax, R(21)		/* 0x5050 */
	movw	$0x600d, R(0)
	hlt

int40:
	pushf
	pop	%ax
	and	$0x0300, %ax		/* IF TF */
	mov	%ax, R(3)		/* 0 */
	mov	%sp, %bp
	mov	(%bp), %ax
	mov	%ax, R(4)		/* the return IP */
	iret

ud_handler:
	push	%bp
	mov	%sp, %bp
	mov	2(%bp), %ax
	mov	%ax, R(6)		/* the IP of UD2 */
	addw	$2, 2(%bp)
	pop	%bp
	iret

de_handler:
	push	%bp
	mov	%sp, %bp
	addw	$2, 2(%bp)		/* skip DIV BL */
	pop	%bp
	iret

gp_handler:
	push	%bp
	mov	%sp, %bp
	addw	$3, 2(%bp)
	pop	%bp
	movw	$13, R(22)
	iret

ss_handler:
	push	%bp
	mov	%sp, %bp
	addw	$4, 2(%bp)
	pop	%bp
	movw	$12, R(23)
	iret

ext_handler:
	movw	$0x5050, R(20)
	iret

far16:	mov	$0x1616, %ax
	lret
far32:	mov	$0x3232, %ax
	lretl
far_args:
	mov	$0x4444, %ax
	lret	$4

	.balign 2
farptr:	.word far_args - start, 0x0800
dsptr:	.word 0x0123, 0x0900
ssptr:	.word 0x0c00, 0x0880
