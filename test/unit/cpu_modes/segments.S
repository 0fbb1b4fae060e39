/*
 * Segment limits and types in 32-bit protected mode: a limited DS (#GP),
 * a limited SS (#SS), an expand-down segment, a read-only one, a null
 * selector, and a CS limit (fetch and near jump beyond it), then flat code,
 * which needs none of the checks, still does its work. Entered by the test in
 * flat 32-bit protected mode at 0x100000 with interrupts off; loads its own
 * GDT and IDT; ends with HLT. Linked at 0x100000 (build.sh).
 *
 * Each CASE n, setup, insn records at 0x100e00 + 16 * n: the vector (0xff =
 * no fault), the error code, the faulting EIP and a value the case leaves in
 * EAX. Handlers (#UD #DF #SS #GP) resume at the end of the case with flat
 * segments and CS = 0x08.
 */
	.equ FLAT_CS, 0x08
	.equ FLAT_DS, 0x10
	.equ LIM_DS, 0x18	/* base 0x200000, limit 0xfff */
	.equ LIM_SS, 0x20	/* base 0x300000, limit 0xfff */
	.equ DOWN_DS, 0x28	/* base 0x400000, expand-down above 0xfff, B = 1 */
	.equ RO_DS, 0x30	/* flat, read-only */
	.equ LIM_CS, 0x38	/* base 0x100000, limit lim_code + 1 */
	.equ DOWN16, 0x40	/* base 0x500000, expand-down above 0xfff, B = 0 (top 0xffff) */

#include "desc.h"

	.macro CASE n, setup, insn
	movl	$0, last_eip
	xor	%eax, %eax
	ARM_FAULT 9f
	\setup
	\insn
9:	SET_SEGS $FLAT_DS, %bx, %ds, %es, %fs, %gs, %ss
	mov	$stack0_top, %esp
	mov	%eax, results + 16 * \n + 12
	mov	last_vec, %eax
	mov	%eax, results + 16 * \n
	mov	last_code, %eax
	mov	%eax, results + 16 * \n + 4
	mov	last_eip, %eax
	mov	%eax, results + 16 * \n + 8
	.endm

	.text
	.code32
	.globl start
start:
	ENTER_FLAT32 FLAT_CS, FLAT_DS, stack0_top
	/* data the limited segments see */
	movl	$0x11223344, 0x200ffc
	movl	$0x55667788, 0x300f00
	movl	$0x99aabbcc, 0x401000

	/* DS limit 0xfff */
	CASE 0, "mov $LIM_DS, %bx; mov %bx, %ds", "mov 0xffc, %eax"	/* last dword: fine */
	CASE 1, "mov $LIM_DS, %bx; mov %bx, %ds", "mov 0xffd, %eax"	/* crosses the limit: #GP(0) */
	CASE 2, "mov $LIM_DS, %bx; mov %bx, %ds", "movb $1, 0x1000"	/* beyond: #GP(0) */
	CASE 3, "mov $LIM_DS, %bx; mov %bx, %es; mov $0xffe, %edi", "stosw"	/* STOS through ES, last word */
	CASE 4, "mov $LIM_DS, %bx; mov %bx, %es; mov $0xfff, %edi", "stosw"	/* #GP(0) */
	/* SS limit 0xfff */
	CASE 5, "mov $LIM_SS, %bx; mov %bx, %ss; mov $0xf00, %esp", "mov 0(%esp), %eax"	/* fine */
	CASE 6, "mov $LIM_SS, %bx; mov %bx, %ss; mov $0xf00, %esp", "mov 0x100(%esp), %eax"	/* #SS(0) */
	CASE 7, "mov $LIM_SS, %bx; mov %bx, %ss; mov $0xffe, %esp", "pop %eax"	/* #SS(0) */
	CASE 8, "mov $LIM_SS, %bx; mov %bx, %ss; mov $0xf00, %esp; mov %esp, %ebp", "mov 0x1fc(%ebp), %eax"	/* EBP: SS, #SS(0) */
	CASE 9, "mov $LIM_SS, %bx; mov %bx, %ss; mov $0xf00, %esp; mov %esp, %ebp", "mov %ds:0x1fc(%ebp), %eax"	/* DS override: fine */
	/* expand-down: valid offsets 0x1000..0xffffffff */
	CASE 10, "mov $DOWN_DS, %bx; mov %bx, %es", "mov %es:0x1000, %eax"
	CASE 11, "mov $DOWN_DS, %bx; mov %bx, %es", "mov %es:0xffe, %eax"	/* #GP(0) */
	CASE 12, "mov $DOWN_DS, %bx; mov %bx, %es", "mov %es:0xfffffffc, %eax"
	CASE 13, "mov $DOWN_DS, %bx; mov %bx, %es", "mov %es:0xfffffffe, %eax"	/* #GP(0) */
	CASE 14, "mov $DOWN16, %bx; mov %bx, %es", "mov %es:0xfffe, %ax"	/* B = 0: top 0xffff */
	CASE 15, "mov $DOWN16, %bx; mov %bx, %es", "mov %es:0xffff, %ax"	/* #GP(0) */
	/* read-only data, null selector */
	CASE 16, "mov $RO_DS, %bx; mov %bx, %fs", "mov %fs:0x200ffc, %eax"
	CASE 17, "mov $RO_DS, %bx; mov %bx, %fs", "movl $1, %fs:0x200ffc"	/* #GP(0) */
	CASE 18, "xor %bx, %bx; mov %bx, %gs", "mov %gs:0, %eax"	/* null: #GP(0) */
	CASE 19, "mov $LIM_DS, %bx; mov %bx, %ds", "addl $1, 0xffd"	/* read-modify-write: #GP(0) */
	/* CS limit: fetch beyond it, and a near jump beyond it */
	CASE 20, "", "ljmp $LIM_CS, $(lim_code - start)"
	CASE 21, "", "ljmp $LIM_CS, $(lim_jmp - start)"
	/* a CS override on a write: code segments are not writable */
	CASE 22, "", "movl $1, %cs:scratch"

	/* Flat again: a loop of loads, stores, pushes, calls (the fast paths) */
	xor	%eax, %eax
	xor	%ecx, %ecx
2:	mov	%ecx, 0x210000(,%ecx,4)
	push	%ecx
	call	add_top
	pop	%edx
	inc	%ecx
	cmp	$1000, %ecx
	jb	2b
	mov	%eax, results + 16 * 23 + 12	/* 0 + 1 + ... + 999 = 499500 */
	mov	0x210000 + 4 * 999, %eax
	mov	%eax, results + 16 * 24 + 12
	movl	$0x600d, results + 16 * 25
	hlt

add_top:
	add	4(%esp), %eax
	ret

/* Exception handlers: the frame is [vector][error code][EIP][CS][EFLAGS] */
ud_stub:
	push	$0
	push	$6
	jmp	common
df_stub:
	push	$8
	jmp	common
ss_stub:
	push	$12
	jmp	common
gp_stub:
	push	$13
common:
	push	%ds
	push	%eax
	mov	$FLAT_DS, %ax
	mov	%ax, %ds
	mov	8(%esp), %eax
	mov	%eax, last_vec
	mov	12(%esp), %eax
	mov	%eax, last_code
	mov	16(%esp), %eax
	mov	%eax, last_eip
	mov	resume, %eax
	mov	%eax, 16(%esp)
	movl	$FLAT_CS, 20(%esp)
	pop	%eax
	pop	%ds
	add	$8, %esp
	iret

/* Run with CS = LIM_CS (base 0x100000): offsets are relative to start. */
lim_jmp:
	jmp	3f			/* the target is beyond the limit: #GP at the JMP */
lim_code:
	nop
	nop				/* the last byte within the limit */
	nop				/* #GP(0) */
3:	nop
	ud2

	.balign 8
gdt:	.quad 0
	FLAT_CODE32(0)				/* 0x08 */
	FLAT_DATA(0)				/* 0x10 */
	DESC(0x200000, 0xfff, 0x93, 0x4)	/* 0x18 */
	DESC(0x300000, 0xfff, 0x93, 0x4)	/* 0x20 */
	DESC(0x400000, 0xfff, 0x97, 0x4)	/* 0x28 expand-down */
	DESC(0, 0xfffff, 0x91, 0xc)		/* 0x30 read-only */
	DESC(0x100000, lim_code - start + 1, 0x9b, 0x4) /* 0x38 */
	DESC(0x500000, 0xfff, 0x97, 0x0)	/* 0x40 expand-down, 16-bit */
gdt_end:
	TABLE_PTR gdt
	.balign 8
idt:	IDT_GATE 6, FLAT_CS, ud_stub
	IDT_GATE 8, FLAT_CS, df_stub
	IDT_GATE 12, FLAT_CS, ss_stub
	IDT_GATE 13, FLAT_CS, gp_stub
idt_end:
	TABLE_PTR idt

	.balign 4
last_vec:	.long 0
last_code:	.long 0
last_eip:	.long 0
resume:		.long 0
scratch:	.long 0

	RESULTS_AND_STACKS
