/*
 * 64-bit call gates in IA-32e mode: a CALL from ring 3 through a DPL 3 gate to
 * ring 0 (RSP0 from the 64-bit TSS, SS becomes null with RPL 0, SS RSP CS RIP
 * pushed as quadwords) and RETQ back; a same-privilege CALL through a gate; a
 * 16-bit gate (not valid in IA-32e mode) and a gate whose upper half is not
 * type 0, both #GP(gate). Entered in 64-bit mode at ring 0 (identity-mapped
 * user pages, interrupts off); ends with INT 0x80 from ring 3, whose handler
 * halts. Linked at 0x100000 (build.sh). Results: quadwords at 0x100e00 + 8 * n.
 */
	.equ CODE0, 0x08
	.equ DATA0, 0x10
	.equ CODE3, 0x1b
	.equ DATA3, 0x23
	.equ TSS, 0x28		/* 16 bytes */
	.equ GATE3, 0x38	/* 64-bit, DPL 3, to CODE0:inner (16 bytes) */
	.equ SAME0, 0x48	/* 64-bit, DPL 0, to CODE0:same0 */
	.equ GATE16, 0x58	/* 16-bit gate: invalid in IA-32e mode */
	.equ BADHI, 0x60	/* 64-bit, DPL 3, upper half with a type */

#define R(n) (results + 8 * (n))
#include "desc.h"

	.text
	.code64
	.globl start
start:
	lgdt	gdt_ptr
	lidt	idt_ptr
	SET_SEGS $DATA0, %ax, %ds, %es, %ss
	mov	$stack0_top, %rsp
	mov	$TSS, %ax
	ltr	%ax

	/* same privilege through SAME0: the offset of the far pointer is ignored */
	mov	%rsp, %rsi
	lcall	*p_same0
after_same0:

	/* to ring 3 */
	push	$DATA3
	push	$stack3_top
	pushfq
	push	$CODE3
	push	$ring3
	iretq

same0:
	mov	%rsi, %rax
	sub	%rsp, %rax
	mov	%rax, R(0)		/* 16: CS and RIP as quadwords */
	mov	8(%rsp), %rax
	mov	%rax, R(1)		/* CODE0 */
	mov	(%rsp), %rax
	mov	%rax, R(2)		/* after_same0 */
	lretq

ring3:
	mov	%cs, %eax
	mov	%rax, R(3)		/* CODE3 */
	mov	%rsp, %rdi
	lcall	*p_gate3
after_gate3:
	mov	%rax, R(4)		/* 0x4242 */
	mov	%cs, %eax
	mov	%rax, R(5)		/* CODE3 */
	mov	%ss, %eax
	mov	%rax, R(6)		/* DATA3 */
	mov	%rsp, %rax
	sub	%rdi, %rax
	mov	%rax, R(7)		/* 0 */
	FAULT 16, "lcall *p_gate16", q, %rax	/* #GP(GATE16) */
	FAULT 18, "lcall *p_badhi", q, %rax	/* #GP(BADHI) */
	movq	$0x600d, R(20)
	int	$0x80

inner:	/* ring 0 through GATE3 */
	mov	%cs, %eax
	mov	%rax, R(8)		/* CODE0 */
	mov	%ss, %eax
	mov	%rax, R(9)		/* 0: a null SS with RPL 0 */
	mov	$stack0_top, %rax
	sub	%rsp, %rax
	mov	%rax, R(10)		/* 32 */
	mov	(%rsp), %rax
	mov	%rax, R(11)		/* after_gate3 */
	mov	8(%rsp), %rax
	mov	%rax, R(12)		/* CODE3 */
	mov	16(%rsp), %rax
	sub	%rdi, %rax
	mov	%rax, R(13)		/* 0: the caller's RSP */
	mov	24(%rsp), %rax
	mov	%rax, R(14)		/* DATA3 */
	mov	$0x4242, %eax
	lretq

gp_stub:
	push	$13
	jmp	common
np_stub:
	push	$11
common:	/* [vector][error code][RIP][CS][RFLAGS][RSP][SS] */
	EXC_RESUME 8, %rax, %rsp, iretq
finish:
	hlt
	jmp	finish

	.balign 8
gdt:	.quad 0
	FLAT_CODE64(0)				/* 0x08 ring 0 64-bit code */
	FLAT_DATA(0)				/* 0x10 ring 0 data */
	FLAT_CODE64(3)				/* 0x18 ring 3 64-bit code */
	FLAT_DATA(3)				/* 0x20 ring 3 data */
	SYSDESC64(ABS(tss), 0x67, 0x89)		/* 0x28 64-bit TSS */
	CALLGATE64(CODE0, inner, 0xec)		/* 0x38 */
	CALLGATE64(CODE0, same0, 0x8c)		/* 0x48 */
	CALLGATE16(CODE0, ABS(inner), 0xe4, 0)	/* 0x58 16-bit gate */
	CALLGATE(CODE0, inner, 0xec, 0); .long 0, 0x0c00	/* 0x60 */
	.quad 0
gdt_end:
	TABLE_PTR gdt, .quad
	.balign 16
idt:	IDT_GATE64 11, CODE0, np_stub
	IDT_GATE64 13, CODE0, gp_stub
	IDT_GATE64 0x80, CODE0, finish, 3
idt_end:
	TABLE_PTR idt, .quad

	/* far pointers m16:32 (the offsets are ignored through gates) */
p_same0:	.long 0; .word SAME0
p_gate3:	.long 0; .word GATE3 | 3
p_gate16:	.long 0; .word GATE16 | 3
p_badhi:	.long 0; .word BADHI | 3

	.balign 8
tss:	.long 0
	.quad stack0_top			/* RSP0 */
	.fill 23, 4, 0
	.balign 8
last_vec:	.quad 0
last_code:	.quad 0
resume:		.quad 0

	RESULTS_AND_STACKS ring3=1
