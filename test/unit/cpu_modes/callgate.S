/*
 * Far CALL and JMP through call gates in 32-bit protected mode: a CALL from
 * ring 3 through a 32-bit gate with two parameters to ring 0 (stack switch from
 * the TSS, parameter copy) and RET 8 back; same-privilege CALL and JMP through
 * gates; a 16-bit gate; and the faults: a gate above the caller's privilege,
 * a task gate and a TSS (task switches are not supported: #GP), a JMP through a
 * gate to a more privileged segment, a gate that is not present. Entered in
 * flat 32-bit protected mode at ring 0 with interrupts off; ends with INT 0x80
 * from ring 3, whose handler halts. Linked at 0x100000 (build.sh).
 * Results: dwords at 0x100e00 + 4 * n (R(n)).
 */
	.equ CODE0, 0x08
	.equ DATA0, 0x10
	.equ CODE3, 0x1b	/* 0x18 | RPL 3 */
	.equ DATA3, 0x23
	.equ TSS, 0x28
	.equ GATE3, 0x30	/* 32-bit, DPL 3, to CODE0:inner, 2 parameters */
	.equ GATE0, 0x38	/* 32-bit, DPL 0, to CODE0:inner */
	.equ TASKG, 0x40	/* task gate, DPL 3 */
	.equ SAME0, 0x48	/* 32-bit, DPL 0, to CODE0:same0 */
	.equ ABSENT, 0x50	/* 32-bit, DPL 3, not present */
	.equ GATE16, 0x58	/* 16-bit, DPL 0, to CODE16:inner16 */
	.equ CODE16, 0x60	/* 32-bit code, base 0x100000, limit 0xffff */
	.equ JMP0, 0x68		/* 32-bit, DPL 0, to CODE0:jmp0 */

#define R(n) (results + 4 * (n))
#include "desc.h"

	.text
	.code32
	.globl start
start:
	ENTER_FLAT32 CODE0, DATA0, stack0_top
	mov	$TSS, %ax
	ltr	%ax

	/* same privilege: CALL and JMP through a gate (the offset is ignored) */
	mov	%esp, %esi
	lcall	$SAME0, $0x12345678
after_same0:
	ljmp	$JMP0, $0
after_jmp0:
	/* a 16-bit gate, called from a segment where offsets fit 16 bits */
	ljmp	$CODE16, $(caller16 - start)
back16:
	/* to ring 3 */
	push	$DATA3
	push	$stack3_top
	pushf
	push	$CODE3
	push	$ring3
	iret

same0:	/* CS = CODE0 through SAME0, at ring 0 */
	mov	%esi, %eax
	sub	%esp, %eax
	mov	%eax, R(0)		/* 8: CS and EIP pushed as dwords */
	mov	4(%esp), %eax
	mov	%eax, R(1)		/* the pushed CS */
	mov	(%esp), %eax
	mov	%eax, R(2)		/* the return address */
	lret
jmp0:
	mov	%cs, %eax
	mov	%eax, R(3)
	mov	%esi, %eax
	sub	%esp, %eax
	mov	%eax, R(4)		/* 0: a JMP pushes nothing */
	ljmp	$CODE0, $after_jmp0

caller16:	/* CS = CODE16 (base 0x100000) */
	mov	%esp, %esi
	lcall	$GATE16, $0
ret16:	ljmp	$CODE0, $back16
inner16:	/* CS = CODE16 through the 16-bit gate */
	mov	%esi, %eax
	sub	%esp, %eax
	mov	%eax, R(5)		/* 4: CS and IP pushed as words */
	movzwl	(%esp), %eax
	mov	%eax, R(6)		/* the return IP, ret16 - start */
	movzwl	2(%esp), %eax
	mov	%eax, R(7)		/* CODE16 */
	lretw

ring3:
	mov	$DATA3, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%cs, %eax
	mov	%eax, R(8)		/* CODE3 */
	push	$0x1111
	push	$0x2222
	mov	%esp, %edi
	lcall	$(GATE3 | 3), $0
after_gate3:
	mov	%eax, R(9)		/* 0x4242 from ring 0 */
	mov	%cs, %eax
	mov	%eax, R(10)		/* CODE3 again */
	mov	%ss, %eax
	mov	%eax, R(11)		/* DATA3 again */
	mov	%esp, %eax
	sub	%edi, %eax
	mov	%eax, R(12)		/* 8: RET 8 released the parameters */

	FAULT 20, "lcall $(GATE0 | 3), $0"	/* #GP(GATE0): the gate's DPL is 0 */
	FAULT 22, "lcall $(TASKG | 3), $0"	/* #GP(TASKG): task switch */
	FAULT 24, "ljmp $(TSS | 3), $0"	/* #GP(TSS): task switch */
	FAULT 26, "ljmp $(GATE3 | 3), $0"	/* #GP(CODE0): a JMP does not change privilege */
	FAULT 28, "lcall $(ABSENT | 3), $0"	/* #NP(ABSENT) */
	movl	$0x600d, R(30)
	int	$0x80

inner:	/* CS = CODE0 through GATE3, from ring 3 */
	mov	%cs, %eax
	mov	%eax, R(13)		/* CODE0 */
	mov	%ss, %eax
	mov	%eax, R(14)		/* DATA0 from the TSS */
	mov	$stack0_top, %eax
	sub	%esp, %eax
	mov	%eax, R(15)		/* 24: EIP CS 2 params ESP SS */
	mov	8(%esp), %eax
	mov	%eax, R(16)		/* 0x2222: the parameters in their order */
	mov	12(%esp), %eax
	mov	%eax, R(17)		/* 0x1111 */
	mov	16(%esp), %eax
	sub	%edi, %eax
	mov	%eax, R(18)		/* 0: the caller's ESP */
	mov	20(%esp), %eax
	mov	%eax, R(19)		/* DATA3: the caller's SS */
	mov	4(%esp), %eax
	mov	%eax, R(31)		/* CODE3: the caller's CS */
	mov	$0x4242, %eax
	lret	$8

/* Exceptions: [vector][error code][EIP][CS][EFLAGS]([ESP][SS]); resume at `resume`. */
np_stub:
	push	$11
	jmp	common
gp_stub:
	push	$13
	jmp	common
ud_stub:
	push	$0
	push	$6
common:
	EXC_RESUME 4, %eax, %esp, iret
finish:
	hlt
	jmp	finish

	.balign 8
gdt:	.quad 0
	FLAT_CODE32(0)				/* 0x08 ring 0 code */
	FLAT_DATA(0)				/* 0x10 ring 0 data */
	FLAT_CODE32(3)				/* 0x18 ring 3 code */
	FLAT_DATA(3)				/* 0x20 ring 3 data */
	DESC(ABS(tss), 0x67, 0x89, 0x0)		/* 0x28 32-bit TSS */
	CALLGATE(CODE0, inner, 0xec, 2)		/* 0x30 */
	CALLGATE(CODE0, inner, 0x8c, 0)		/* 0x38 */
	.word 0, TSS; .byte 0, 0xe5; .word 0	/* 0x40 task gate */
	CALLGATE(CODE0, same0, 0x8c, 0)		/* 0x48 */
	CALLGATE(CODE0, inner, 0x6c, 0)		/* 0x50 not present */
	CALLGATE16(CODE16, inner16 - start, 0x84, 0)	/* 0x58 */
	DESC(0x100000, 0xffff, 0x9b, 0x4)	/* 0x60 */
	CALLGATE(CODE0, jmp0, 0x8c, 0)		/* 0x68 */
gdt_end:
	TABLE_PTR gdt
	.balign 8
idt:	IDT_GATE 6, CODE0, ud_stub
	IDT_GATE 11, CODE0, np_stub
	IDT_GATE 13, CODE0, gp_stub
	IDT_GATE 0x80, CODE0, finish, 3
idt_end:
	TABLE_PTR idt

	.balign 4
tss:	.long 0, stack0_top, DATA0		/* link, ESP0, SS0 */
	.fill 23, 4, 0
last_vec:	.long 0
last_code:	.long 0
resume:		.long 0

	RESULTS_AND_STACKS ring3=1
