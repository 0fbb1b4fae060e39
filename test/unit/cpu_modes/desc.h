/*
 * Descriptor and interrupt-table set-up shared by the programs of this
 * directory (SDM vol. 3: 3.4.5 segment descriptors, 5.8.3 call gates, 6.11 and
 * 6.14.1 IDT gates, 20.1.4 the real-mode vector table). Included by every *.S
 * here; build.sh assembles only *.S, so this header is no program of its own.
 *
 * ABS(), the gates and IDT_GATE* need `start` to be the program's first byte,
 * linked at 0x100000 (callgate.S, callgate64.S, segments.S). The bookkeeping
 * the fault macros use is the program's own: last_vec, last_code and resume
 * (words of the program's size), and results (the R(n) slots).
 */
#ifndef CPU_MODES_DESC_H
#define CPU_MODES_DESC_H

/* The link-time address of a label, as an absolute expression (GNU as cannot
 * shift or mask a relocated symbol). */
#define ABS(x) ((x) - start + 0x100000)

/* DESC(base, limit, access, flags): an 8-byte segment descriptor; access is
 * P DPL S type, flags is G D/B L AVL. SYSDESC64: a 16-byte system descriptor
 * of IA-32e mode (TSS, LDT) with the base below 4 GiB. */
#define DESC(base, limit, access, flags) \
	.word (limit) & 0xffff; .word (base) & 0xffff; .byte ((base) >> 16) & 0xff; \
	.byte access; .byte (((limit) >> 16) & 0xf) | ((flags) << 4); .byte ((base) >> 24) & 0xff
#define SYSDESC64(base, limit, access) DESC(base, limit, access, 0); .long 0, 0

/* Flat 4 GiB segments at privilege dpl: 32-bit code (G D), 64-bit code (G L),
 * read/write data (G B). */
#define FLAT_CODE32(dpl) DESC(0, 0xfffff, 0x9b | ((dpl) << 5), 0xc)
#define FLAT_CODE64(dpl) DESC(0, 0xfffff, 0x9b | ((dpl) << 5), 0xa)
#define FLAT_DATA(dpl) DESC(0, 0xfffff, 0x93 | ((dpl) << 5), 0xc)

/* Call gates to sel:off. CALLGATE: 32-bit (count parameters copied on a
 * privilege change); CALLGATE16: 16-bit, off16 being the offset within sel;
 * CALLGATE64: the 16-byte gate of IA-32e mode, upper half type 0. */
#define CALLGATE(sel, off, access, count) \
	.word ABS(off) & 0xffff, sel; .byte count, access; .word ABS(off) >> 16
#define CALLGATE16(sel, off16, access, count) \
	.word (off16) & 0xffff, sel; .byte count, access; .word 0
#define CALLGATE64(sel, off, access) CALLGATE(sel, off, access, 0); .long 0, 0

/* Interrupt gates to sel:off reachable from privilege dpl: IGATE 32-bit,
 * IGATE64 the 16-byte gate of IA-32e mode (IST 0). */
#define IGATE(sel, off, dpl) .word ABS(off) & 0xffff, sel, 0x8e00 | ((dpl) << 13), ABS(off) >> 16
#define IGATE64(sel, off, dpl) IGATE(sel, off, dpl); .long 0, 0

/* IDT_GATE vec, sel, handler, dpl: the interrupt gate of vector vec at
 * idt + 8 * vec (IDT_GATE64: + 16 * vec); the entries no macro filled before
 * it stay zero (not present). Use in ascending vector order after `idt:`. */
.macro IDT_GATE vec, sel, handler, dpl=0
	. = idt + 8 * (\vec)
	IGATE(\sel, \handler, \dpl)
.endm
.macro IDT_GATE64 vec, sel, handler, dpl=0
	. = idt + 16 * (\vec)
	IGATE64(\sel, \handler, \dpl)
.endm

/* TABLE_PTR table, size: `table_ptr`, the pseudo-descriptor LGDT/LIDT load:
 * limit table_end - table - 1 and the base as a .long (32-bit) or .quad. */
.macro TABLE_PTR table, size=.long
\table\()_ptr:
	.word \table\()_end - \table - 1
	\size \table
.endm

/* IVT_ENTRY vec, handler, seg: the real-mode vector table entry of vec
 * (linear 4 * vec, ES = 0) to seg:handler, handler's offset from start. */
.macro IVT_ENTRY vec, handler, seg
	movw	$(\handler - start), %es:4 * (\vec)
	movw	$\seg, %es:4 * (\vec) + 2
.endm

/* SET_SEGS src, reg, sreg...: load src (an immediate selector or a segment
 * register) into each sreg through reg. */
.macro SET_SEGS src, reg, sregs:vararg
	mov	\src, \reg
	.irp	s, \sregs
	mov	\reg, \s
	.endr
.endm

/* ENTER_FLAT32 code, data, stack: in 32-bit protected mode, load gdt_ptr and
 * idt_ptr, reload CS with code, every data segment register with data, and
 * ESP with stack. */
.macro ENTER_FLAT32 code, data, stack
	lgdt	gdt_ptr
	lidt	idt_ptr
	ljmp	$\code, $.Lflat\@
.Lflat\@:
	SET_SEGS $\data, %ax, %ds, %es, %fs, %gs, %ss
	mov	$\stack, %esp
.endm

/* ARM_FAULT resume, w: before an instruction that may fault, record "no fault"
 * (last_vec = 0xff, last_code = 0) and make the handlers resume at `resume`.
 * w: the size suffix of the bookkeeping words, l or q. */
.macro ARM_FAULT resume, w=l
	mov\w	$0xff, last_vec
	mov\w	$0, last_code
	mov\w	$\resume, resume
.endm

/* FAULT n, insn, w, acc: run insn with ARM_FAULT and store the vector and
 * error code it left in the result slots n and n + 1 (R(n), which the program
 * defines before including this header), through acc (%eax or %rax). */
.macro FAULT n, insn, w=l, acc=%eax
	ARM_FAULT 9f, \w
	\insn
9:	mov	last_vec, \acc
	mov	\acc, R(\n)
	mov	last_code, \acc
	mov	\acc, R(\n + 1)
.endm

/* EXC_RESUME size, acc, sp, iret: the common tail of exception stubs that
 * pushed [vector][error code] (size bytes each) above the CPU's frame: record
 * them in last_vec and last_code, make the frame return to `resume`, drop
 * the two words and return with iret (IRET or IRETQ). acc (%eax or %rax) is
 * preserved; sp is %esp or %rsp. */
.macro EXC_RESUME size, acc, sp, iret
	push	\acc
	mov	\size(\sp), \acc
	mov	\acc, last_vec
	mov	2 * \size(\sp), \acc
	mov	\acc, last_code
	mov	resume, \acc
	mov	\acc, 3 * \size(\sp)
	pop	\acc
	add	$2 * \size, \sp
	\iret
.endm

/* RESULTS_AND_STACKS ring3: the program's tail. The result slots fill
 * start + 0xe00 .. 0x1000 (the tests read them there), the ring 0 stack ends
 * at stack0_top = start + 0x1800 and, with ring3 = 1, the ring 3 stack at
 * stack3_top = start + 0x2000. */
.macro RESULTS_AND_STACKS ring3=0
	. = start + 0xe00
results:
	. = start + 0x1800
stack0_top:
	.if \ring3
	. = start + 0x2000
stack3_top:
	.endif
.endm

#endif
