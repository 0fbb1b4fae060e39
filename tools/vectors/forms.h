/*
 * forms.h: every instruction form the vector generator runs, as one X-macro list.
 *
 * Each entry is  F(id, mode, family, name, asm, spec, flags, immBytes, immKind, special, count)
 *
 *   id       C identifier; the snippet's bytes live between labels vx_s_<id> and vx_e_<id>
 *   mode     64 or 32 (32 = the same kind of bytes assembled with .code32 and run in compat mode)
 *   family   output file test/vectors/<family>.jsonl
 *   name     the form, in SDM operand terms ("add r32,imm8"); unique per mode
 *   asm      GNU as, Intel syntax; assembled into the generator, so the bytes are what gas emits
 *   spec     the inputs: "reg:kind ..." (see gen.c, parse_spec). Registers not listed are zero.
 *   flags    FL_* rule naming which RFLAGS bits the SDM defines after this instruction
 *   immBytes size of the trailing immediate, rewritten per record (0 = the bytes are fixed)
 *   immKind  IK_* how the immediate is chosen
 *   special  SP_* input constraints (dividends that do not overflow, equal operands, ...)
 *   count    records to generate (0 = the family default in gen.c)
 *
 * Register operands are chosen to spread over ModRM reg/rm fields and REX.R/REX.B, and a few
 * forms use AH/CH/DH/BH. Memory operands are never used: every form is register-only, so a
 * record is fully described by registers.
 */

#define G(F, id, fam, name, text, spec, fl) F(id, 64, fam, name, text, spec, fl, 0, IK_NONE, SP_NONE, 0)
#define GI(F, id, fam, name, text, spec, fl, nb, ik) F(id, 64, fam, name, text, spec, fl, nb, ik, SP_NONE, 0)
#define G32(F, id, name, text, spec, fl) F(id, 32, mode32, name, text, spec, fl, 0, IK_NONE, SP_NONE, 0)
#define GI32(F, id, name, text, spec, fl, nb, ik) F(id, 32, mode32, name, text, spec, fl, nb, ik, SP_NONE, 0)

/* ---------------------------------------------------------------- alu -- */

#define ALU_BIN(F, op, fl) \
  G(F, op##_r8_r8, alu, #op " r8,r8", #op " al, bl", "rax:w8 rbx:w8", fl) \
  G(F, op##_r8h_r8, alu, #op " r8h,r8", #op " ah, cl", "rax:h8 rcx:w8", fl) \
  G(F, op##_r8_r8h, alu, #op " r8,r8h", #op " dl, bh", "rdx:w8 rbx:h8", fl) \
  G(F, op##_r8x_r8x, alu, #op " r8,r8 (rex)", #op " sil, r9b", "rsi:w8 r9:w8", fl) \
  G(F, op##_r16_r16, alu, #op " r16,r16", #op " cx, dx", "rcx:w16 rdx:w16", fl) \
  G(F, op##_r32_r32, alu, #op " r32,r32", #op " eax, ebx", "rax:w32 rbx:w32", fl) \
  G(F, op##_r32_r32l, alu, #op " r32,r32 (load form)", "{load} " #op " esi, edi", "rsi:w32 rdi:w32", fl) \
  G(F, op##_r64_r64, alu, #op " r64,r64", #op " r10, rcx", "r10:w64 rcx:w64", fl) \
  G(F, op##_r64_r64b, alu, #op " r64,r64 (rex.rb)", #op " rbp, r15", "rbp:w64 r15:w64", fl) \
  GI(F, op##_r8_i8, alu, #op " r8,imm8", #op " dl, 0x12", "rdx:w8", fl, 1, IK_N) \
  GI(F, op##_al_i8, alu, #op " al,imm8", #op " al, 0x12", "rax:w8", fl, 1, IK_N) \
  GI(F, op##_r16_i16, alu, #op " r16,imm16", #op " bx, 0x1234", "rbx:w16", fl, 2, IK_N) \
  GI(F, op##_r16_i8, alu, #op " r16,imm8", #op " bx, 0x12", "rbx:w16", fl, 1, IK_N) \
  GI(F, op##_ax_i16, alu, #op " ax,imm16", #op " ax, 0x1234", "rax:w16", fl, 2, IK_N) \
  GI(F, op##_r32_i32, alu, #op " r32,imm32", #op " edi, 0x12345678", "rdi:w32", fl, 4, IK_N) \
  GI(F, op##_r32_i8, alu, #op " r32,imm8", #op " edi, 0x12", "rdi:w32", fl, 1, IK_N) \
  GI(F, op##_eax_i32, alu, #op " eax,imm32", #op " eax, 0x12345678", "rax:w32", fl, 4, IK_N) \
  GI(F, op##_r64_i32, alu, #op " r64,imm32", #op " r11, 0x12345678", "r11:w64", fl, 4, IK_N) \
  GI(F, op##_r64_i8, alu, #op " r64,imm8", #op " r11, 0x12", "r11:w64", fl, 1, IK_N) \
  GI(F, op##_rax_i32, alu, #op " rax,imm32", #op " rax, 0x12345678", "rax:w64", fl, 4, IK_N)

#define ALU_UNARY(F, op, fl) \
  G(F, op##_r8, alu, #op " r8", #op " bl", "rbx:w8", fl) \
  G(F, op##_r8h, alu, #op " r8h", #op " ch", "rcx:h8", fl) \
  G(F, op##_r8x, alu, #op " r8 (rex)", #op " r12b", "r12:w8", fl) \
  G(F, op##_r16, alu, #op " r16", #op " si", "rsi:w16", fl) \
  G(F, op##_r32, alu, #op " r32", #op " edx", "rdx:w32", fl) \
  G(F, op##_r64, alu, #op " r64", #op " r14", "r14:w64", fl)

#define ALU_FORMS(F) \
  ALU_BIN(F, add, FL_ALL) ALU_BIN(F, or, FL_LOGIC) ALU_BIN(F, adc, FL_ALL) ALU_BIN(F, sbb, FL_ALL) \
  ALU_BIN(F, and, FL_LOGIC) ALU_BIN(F, sub, FL_ALL) ALU_BIN(F, xor, FL_LOGIC) ALU_BIN(F, cmp, FL_ALL) \
  G(F, test_r8_r8, alu, "test r8,r8", "test al, bl", "rax:w8 rbx:w8", FL_LOGIC) \
  G(F, test_r8h_r8, alu, "test r8h,r8", "test ah, dl", "rax:h8 rdx:w8", FL_LOGIC) \
  G(F, test_r16_r16, alu, "test r16,r16", "test cx, dx", "rcx:w16 rdx:w16", FL_LOGIC) \
  G(F, test_r32_r32, alu, "test r32,r32", "test esi, edi", "rsi:w32 rdi:w32", FL_LOGIC) \
  G(F, test_r64_r64, alu, "test r64,r64", "test r8, r13", "r8:w64 r13:w64", FL_LOGIC) \
  GI(F, test_al_i8, alu, "test al,imm8", "test al, 0x12", "rax:w8", FL_LOGIC, 1, IK_N) \
  GI(F, test_r8_i8, alu, "test r8,imm8", "test bl, 0x12", "rbx:w8", FL_LOGIC, 1, IK_N) \
  GI(F, test_ax_i16, alu, "test ax,imm16", "test ax, 0x1234", "rax:w16", FL_LOGIC, 2, IK_N) \
  GI(F, test_r16_i16, alu, "test r16,imm16", "test bp, 0x1234", "rbp:w16", FL_LOGIC, 2, IK_N) \
  GI(F, test_eax_i32, alu, "test eax,imm32", "test eax, 0x12345678", "rax:w32", FL_LOGIC, 4, IK_N) \
  GI(F, test_r32_i32, alu, "test r32,imm32", "test ecx, 0x12345678", "rcx:w32", FL_LOGIC, 4, IK_N) \
  GI(F, test_r64_i32, alu, "test r64,imm32", "test r9, 0x12345678", "r9:w64", FL_LOGIC, 4, IK_N) \
  GI(F, test_rax_i32, alu, "test rax,imm32", "test rax, 0x12345678", "rax:w64", FL_LOGIC, 4, IK_N) \
  ALU_UNARY(F, neg, FL_ALL) ALU_UNARY(F, not, FL_ALL) ALU_UNARY(F, inc, FL_ALL) ALU_UNARY(F, dec, FL_ALL) \
  G(F, clc, alu, "clc", "clc", "", FL_ALL) \
  G(F, stc, alu, "stc", "stc", "", FL_ALL) \
  G(F, cmc, alu, "cmc", "cmc", "", FL_ALL) \
  G(F, lahf, alu, "lahf", "lahf", "rax:w64", FL_ALL) \
  G(F, sahf, alu, "sahf", "sahf", "rax:w64", FL_ALL)

/* -------------------------------------------------------------- shift -- */

/* CL, by-1 (D0/D1) and imm8 (C0/C1) forms in each size; the imm8 count is rewritten per record. */
#define SHIFT_OP(F, op, fl) \
  G(F, op##_r8_cl, shift, #op " r8,cl", #op " bl, cl", "rbx:w8 rcx:c", fl) \
  G(F, op##_r8h_cl, shift, #op " r8h,cl", #op " ah, cl", "rax:h8 rcx:c", fl) \
  G(F, op##_r8_1, shift, #op " r8,1", #op " dl, 1", "rdx:w8", fl) \
  GI(F, op##_r8_i8, shift, #op " r8,imm8", #op " dl, 5", "rdx:w8", fl, 1, IK_C) \
  G(F, op##_r16_cl, shift, #op " r16,cl", #op " si, cl", "rsi:w16 rcx:c", fl) \
  G(F, op##_r16_1, shift, #op " r16,1", #op " di, 1", "rdi:w16", fl) \
  GI(F, op##_r16_i8, shift, #op " r16,imm8", #op " di, 5", "rdi:w16", fl, 1, IK_C) \
  G(F, op##_r32_cl, shift, #op " r32,cl", #op " eax, cl", "rax:w32 rcx:c", fl) \
  G(F, op##_r32_1, shift, #op " r32,1", #op " ebx, 1", "rbx:w32", fl) \
  GI(F, op##_r32_i8, shift, #op " r32,imm8", #op " r9d, 5", "r9:w32", fl, 1, IK_C) \
  G(F, op##_r64_cl, shift, #op " r64,cl", #op " r12, cl", "r12:w64 rcx:c", fl) \
  G(F, op##_r64_1, shift, #op " r64,1", #op " rdx, 1", "rdx:w64", fl) \
  GI(F, op##_r64_i8, shift, #op " r64,imm8", #op " rbp, 5", "rbp:w64", fl, 1, IK_C)

#define SHIFT_D(F, op) \
  GI(F, op##_r16_i8, shift, #op " r16,r16,imm8", #op " ax, bx, 5", "rax:w16 rbx:w16", FL_SHXD, 1, IK_C) \
  G(F, op##_r16_cl, shift, #op " r16,r16,cl", #op " si, di, cl", "rsi:w16 rdi:w16 rcx:c", FL_SHXD) \
  GI(F, op##_r32_i8, shift, #op " r32,r32,imm8", #op " edx, esi, 5", "rdx:w32 rsi:w32", FL_SHXD, 1, IK_C) \
  G(F, op##_r32_cl, shift, #op " r32,r32,cl", #op " eax, r10d, cl", "rax:w32 r10:w32 rcx:c", FL_SHXD) \
  GI(F, op##_r64_i8, shift, #op " r64,r64,imm8", #op " r8, rbx, 5", "r8:w64 rbx:w64", FL_SHXD, 1, IK_C) \
  G(F, op##_r64_cl, shift, #op " r64,r64,cl", #op " rdi, r11, cl", "rdi:w64 r11:w64 rcx:c", FL_SHXD)

#define SHIFT_FORMS(F) \
  SHIFT_OP(F, shl, FL_SHL) SHIFT_OP(F, shr, FL_SHL) SHIFT_OP(F, sar, FL_SAR) \
  SHIFT_OP(F, rol, FL_ROT) SHIFT_OP(F, ror, FL_ROT) SHIFT_OP(F, rcl, FL_RC) SHIFT_OP(F, rcr, FL_RC) \
  SHIFT_D(F, shld) SHIFT_D(F, shrd)

/* ------------------------------------------------------------- muldiv -- */

#define MUL1(F, op) \
  G(F, op##_r8, muldiv, #op " r8", #op " bl", "rax:w8 rbx:w8", FL_MUL) \
  G(F, op##_r8h, muldiv, #op " r8h", #op " ch", "rax:w8 rcx:h8", FL_MUL) \
  G(F, op##_r16, muldiv, #op " r16", #op " si", "rax:w16 rdx:g rsi:w16", FL_MUL) \
  G(F, op##_r32, muldiv, #op " r32", #op " ecx", "rax:w32 rdx:g rcx:w32", FL_MUL) \
  G(F, op##_r64, muldiv, #op " r64", #op " r9", "rax:w64 rdx:g r9:w64", FL_MUL)

/* Dividend first (AX, or rDX:rAX as low then high), divisor last; SP_DIV/SP_IDIV keep most
 * inputs in range and let a few fault with #DE on purpose. */
#define DIV1(F, op, sp) \
  F(op##_r8, 64, muldiv, #op " r8", #op " bl", "rax:w16 rbx:w8", FL_DIV, 0, IK_NONE, sp, 0) \
  F(op##_r8h, 64, muldiv, #op " r8h", #op " bh", "rax:w16 rbx:h8", FL_DIV, 0, IK_NONE, sp, 0) \
  F(op##_r16, 64, muldiv, #op " r16", #op " cx", "rax:w16 rdx:w16 rcx:w16", FL_DIV, 0, IK_NONE, sp, 0) \
  F(op##_r32, 64, muldiv, #op " r32", #op " esi", "rax:w32 rdx:w32 rsi:w32", FL_DIV, 0, IK_NONE, sp, 0) \
  F(op##_r64, 64, muldiv, #op " r64", #op " r10", "rax:w64 rdx:w64 r10:w64", FL_DIV, 0, IK_NONE, sp, 0)

#define MULDIV_FORMS(F) \
  MUL1(F, mul) MUL1(F, imul) DIV1(F, div, SP_DIV) DIV1(F, idiv, SP_IDIV) \
  G(F, imul_r16_r16, muldiv, "imul r16,r16", "imul cx, bx", "rcx:w16 rbx:w16", FL_MUL) \
  G(F, imul_r32_r32, muldiv, "imul r32,r32", "imul edi, r8d", "rdi:w32 r8:w32", FL_MUL) \
  G(F, imul_r64_r64, muldiv, "imul r64,r64", "imul r11, rax", "r11:w64 rax:w64", FL_MUL) \
  GI(F, imul_r16_r16_i8, muldiv, "imul r16,r16,imm8", "imul ax, dx, 0x12", "rax:g rdx:w16", FL_MUL, 1, IK_N) \
  GI(F, imul_r16_r16_i16, muldiv, "imul r16,r16,imm16", "imul ax, dx, 0x1234", "rax:g rdx:w16", FL_MUL, 2, IK_N) \
  GI(F, imul_r32_r32_i8, muldiv, "imul r32,r32,imm8", "imul ebx, ecx, 0x12", "rbx:g rcx:w32", FL_MUL, 1, IK_N) \
  GI(F, imul_r32_r32_i32, muldiv, "imul r32,r32,imm32", "imul ebx, ecx, 0x12345678", "rbx:g rcx:w32", FL_MUL, 4, IK_N) \
  GI(F, imul_r64_r64_i8, muldiv, "imul r64,r64,imm8", "imul r13, rsi, 0x12", "r13:g rsi:w64", FL_MUL, 1, IK_N) \
  GI(F, imul_r64_r64_i32, muldiv, "imul r64,r64,imm32", "imul r13, rsi, 0x12345678", "r13:g rsi:w64", FL_MUL, 4, IK_N)

/* ---------------------------------------------------------------- bit -- */

#define BT_OP(F, op) \
  G(F, op##_r16_r16, bit, #op " r16,r16", #op " ax, cx", "rax:w16 rcx:w16", FL_BT) \
  G(F, op##_r32_r32, bit, #op " r32,r32", #op " ebx, edx", "rbx:w32 rdx:w32", FL_BT) \
  G(F, op##_r64_r64, bit, #op " r64,r64", #op " r9, r14", "r9:w64 r14:w64", FL_BT) \
  GI(F, op##_r16_i8, bit, #op " r16,imm8", #op " si, 3", "rsi:w16", FL_BT, 1, IK_R) \
  GI(F, op##_r32_i8, bit, #op " r32,imm8", #op " edi, 3", "rdi:w32", FL_BT, 1, IK_R) \
  GI(F, op##_r64_i8, bit, #op " r64,imm8", #op " r12, 3", "r12:w64", FL_BT, 1, IK_R)

/* The destination is an input too (garbage), so a zero source shows what the CPU leaves there. */
#define SCAN_OP(F, op, fl) \
  F(op##_r16, 64, bit, #op " r16,r16", #op " ax, bx", "rax:g rbx:w16", fl, 0, IK_NONE, SP_SCAN, 0) \
  F(op##_r32, 64, bit, #op " r32,r32", #op " ecx, edx", "rcx:g rdx:w32", fl, 0, IK_NONE, SP_SCAN, 0) \
  F(op##_r64, 64, bit, #op " r64,r64", #op " r8, r15", "r8:g r15:w64", fl, 0, IK_NONE, SP_SCAN, 0)

#define BIT_FORMS(F) \
  BT_OP(F, bt) BT_OP(F, bts) BT_OP(F, btr) BT_OP(F, btc) \
  SCAN_OP(F, bsf, FL_BSF) SCAN_OP(F, bsr, FL_BSF) \
  SCAN_OP(F, tzcnt, FL_LZCNT) SCAN_OP(F, lzcnt, FL_LZCNT) SCAN_OP(F, popcnt, FL_ALL) \
  G(F, bswap_r32, bit, "bswap r32", "bswap eax", "rax:w64", FL_ALL) \
  G(F, bswap_r32x, bit, "bswap r32 (rex.b)", "bswap r13d", "r13:w64", FL_ALL) \
  G(F, bswap_r64, bit, "bswap r64", "bswap rsi", "rsi:w64", FL_ALL) \
  G(F, bswap_r64x, bit, "bswap r64 (rex.b)", "bswap r12", "r12:w64", FL_ALL)

/* --------------------------------------------------------------- move -- */

#define MOVE_FORMS(F) \
  G(F, mov_r8_r8, move, "mov r8,r8", "mov al, bl", "rax:g rbx:w8", FL_ALL) \
  G(F, mov_r8h_r8, move, "mov r8h,r8", "mov ah, bl", "rax:g rbx:w8", FL_ALL) \
  G(F, mov_r8x_r8x, move, "mov r8,r8 (rex)", "mov r10b, dil", "r10:g rdi:w8", FL_ALL) \
  G(F, mov_r16_r16, move, "mov r16,r16", "mov cx, dx", "rcx:g rdx:w16", FL_ALL) \
  G(F, mov_r32_r32, move, "mov r32,r32", "mov esi, r9d", "rsi:g r9:w64", FL_ALL) \
  G(F, mov_r32_self, move, "mov r32,r32 (same)", "mov ebx, ebx", "rbx:w64", FL_ALL) \
  G(F, mov_r64_r64, move, "mov r64,r64", "mov r15, rax", "r15:g rax:w64", FL_ALL) \
  GI(F, mov_r8_i8, move, "mov r8,imm8", "mov ch, 0x12", "rcx:g", FL_ALL, 1, IK_N) \
  GI(F, mov_r16_i16, move, "mov r16,imm16", "mov di, 0x1234", "rdi:g", FL_ALL, 2, IK_N) \
  GI(F, mov_r32_i32, move, "mov r32,imm32", "mov r8d, 0x12345678", "r8:g", FL_ALL, 4, IK_N) \
  GI(F, mov_r64_i32, move, "mov r64,simm32", "mov rdx, -0x12345678", "rdx:g", FL_ALL, 4, IK_N) \
  GI(F, mov_r64_i64, move, "mov r64,imm64", "movabs r11, 0x123456789abcdef0", "r11:g", FL_ALL, 8, IK_N) \
  G(F, movsx_r16_r8, move, "movsx r16,r8", "movsx ax, bl", "rax:g rbx:w8", FL_ALL) \
  G(F, movsx_r32_r8, move, "movsx r32,r8", "movsx ecx, dl", "rcx:g rdx:w8", FL_ALL) \
  G(F, movsx_r32_r8h, move, "movsx r32,r8h", "movsx eax, ah", "rax:w64", FL_ALL) \
  G(F, movsx_r64_r8, move, "movsx r64,r8", "movsx r10, sil", "r10:g rsi:w8", FL_ALL) \
  G(F, movsx_r32_r16, move, "movsx r32,r16", "movsx edi, bp", "rdi:g rbp:w16", FL_ALL) \
  G(F, movsx_r64_r16, move, "movsx r64,r16", "movsx rbx, r12w", "rbx:g r12:w16", FL_ALL) \
  G(F, movsxd_r64_r32, move, "movsxd r64,r32", "movsxd r14, ecx", "r14:g rcx:w32", FL_ALL) \
  G(F, movzx_r16_r8, move, "movzx r16,r8", "movzx ax, bl", "rax:g rbx:w8", FL_ALL) \
  G(F, movzx_r32_r8, move, "movzx r32,r8", "movzx ecx, dl", "rcx:g rdx:w8", FL_ALL) \
  G(F, movzx_r32_r8h, move, "movzx r32,r8h", "movzx edx, bh", "rdx:g rbx:h8", FL_ALL) \
  G(F, movzx_r64_r8, move, "movzx r64,r8", "movzx r10, sil", "r10:g rsi:w8", FL_ALL) \
  G(F, movzx_r32_r16, move, "movzx r32,r16", "movzx edi, bp", "rdi:g rbp:w16", FL_ALL) \
  G(F, movzx_r64_r16, move, "movzx r64,r16", "movzx rbx, r12w", "rbx:g r12:w16", FL_ALL) \
  G(F, xchg_r8_r8, move, "xchg r8,r8", "xchg bl, cl", "rbx:w8 rcx:w8", FL_ALL) \
  G(F, xchg_r8h_r8, move, "xchg r8h,r8", "xchg ah, dl", "rax:w64 rdx:w8", FL_ALL) \
  G(F, xchg_ax_r16, move, "xchg ax,r16", "xchg ax, si", "rax:w16 rsi:w16", FL_ALL) \
  G(F, xchg_eax_r32, move, "xchg eax,r32", "xchg eax, ebx", "rax:w64 rbx:w64", FL_ALL) \
  G(F, xchg_eax_eax, move, "xchg eax,eax (87c0)", "xchg eax, eax", "rax:w64", FL_ALL) \
  G(F, xchg_r32_r32, move, "xchg r32,r32", "xchg edx, r13d", "rdx:w64 r13:w64", FL_ALL) \
  G(F, xchg_r64_r64, move, "xchg r64,r64", "xchg rdi, r8", "rdi:w64 r8:w64", FL_ALL) \
  G(F, xadd_r8_r8, move, "xadd r8,r8", "xadd bl, cl", "rbx:w8 rcx:w8", FL_ALL) \
  G(F, xadd_r16_r16, move, "xadd r16,r16", "xadd si, di", "rsi:w16 rdi:w16", FL_ALL) \
  G(F, xadd_r32_r32, move, "xadd r32,r32", "xadd edx, eax", "rdx:w32 rax:w32", FL_ALL) \
  G(F, xadd_r64_r64, move, "xadd r64,r64", "xadd r9, r10", "r9:w64 r10:w64", FL_ALL) \
  F(cmpxchg_r8_r8, 64, move, "cmpxchg r8,r8", "cmpxchg bl, cl", "rax:w8 rbx:w8 rcx:w8", FL_ALL, 0, IK_NONE, SP_EQ, 0) \
  F(cmpxchg_r16_r16, 64, move, "cmpxchg r16,r16", "cmpxchg si, di", "rax:w16 rsi:w16 rdi:w16", FL_ALL, 0, IK_NONE, SP_EQ, 0) \
  F(cmpxchg_r32_r32, 64, move, "cmpxchg r32,r32", "cmpxchg edx, ebx", "rax:w32 rdx:w32 rbx:w32", FL_ALL, 0, IK_NONE, SP_EQ, 0) \
  F(cmpxchg_r64_r64, 64, move, "cmpxchg r64,r64", "cmpxchg r11, r12", "rax:w64 r11:w64 r12:w64", FL_ALL, 0, IK_NONE, SP_EQ, 0) \
  G(F, cbw, move, "cbw", "cbw", "rax:w64", FL_ALL) \
  G(F, cwde, move, "cwde", "cwde", "rax:w64", FL_ALL) \
  G(F, cdqe, move, "cdqe", "cdqe", "rax:w64", FL_ALL) \
  G(F, cwd, move, "cwd", "cwd", "rax:w64 rdx:g", FL_ALL) \
  G(F, cdq, move, "cdq", "cdq", "rax:w64 rdx:g", FL_ALL) \
  G(F, cqo, move, "cqo", "cqo", "rax:w64 rdx:g", FL_ALL) \
  G(F, lea_r64_bisd8, move, "lea r64,[b+i*4+d8]", "lea rax, [rbx+rcx*4+0x12]", "rax:g rbx:w64 rcx:w64", FL_ALL) \
  G(F, lea_r64_bisd32, move, "lea r64,[b+i*8-d32]", "lea r9, [r10+r11*8-0x12345678]", "r9:g r10:w64 r11:w64", FL_ALL) \
  G(F, lea_r64_bi, move, "lea r64,[b+i]", "lea rdx, [rsi+rdi]", "rdx:g rsi:w64 rdi:w64", FL_ALL) \
  G(F, lea_r64_id32, move, "lea r64,[i*2+d32]", "lea rcx, [rbx*2+0x7ffffff0]", "rcx:g rbx:w64", FL_ALL) \
  G(F, lea_r64_d32, move, "lea r64,[d32]", "lea rdi, [0x12345678]", "rdi:g", FL_ALL) \
  G(F, lea_r64_r13, move, "lea r64,[r13+0]", "lea rax, [r13]", "rax:g r13:w64", FL_ALL) \
  G(F, lea_r64_r12d8, move, "lea r64,[r12-d8]", "lea r8, [r12-0x80]", "r8:g r12:w64", FL_ALL) \
  G(F, lea_r64_rbpd8, move, "lea r64,[rbp+d8]", "lea rsi, [rbp+0x7f]", "rsi:g rbp:w64", FL_ALL) \
  G(F, lea_r32_bisd8, move, "lea r32,[b64+i64*2+d8]", "lea eax, [rbx+rcx*2+0x40]", "rax:g rbx:w64 rcx:w64", FL_ALL) \
  G(F, lea_r32_a32, move, "lea r32,[b32+i32*2-d8] (67)", "lea eax, [ebx+ecx*2-8]", "rax:g rbx:w64 rcx:w64", FL_ALL) \
  G(F, lea_r64_a32, move, "lea r64,[b32+d32] (67)", "lea r10, [edx+0x7fffffff]", "r10:g rdx:w64", FL_ALL) \
  G(F, lea_r16_bisd8, move, "lea r16,[b+i+d8]", "lea bx, [rsi+rdi+0x10]", "rbx:g rsi:w64 rdi:w64", FL_ALL)

/* --------------------------------------------------------------- cond -- */

#define COND_LIST(X, F) X(F, o) X(F, no) X(F, b) X(F, ae) X(F, e) X(F, ne) X(F, be) X(F, a) \
  X(F, s) X(F, ns) X(F, p) X(F, np) X(F, l) X(F, ge) X(F, le) X(F, g)

#define CMOV_CC(F, cc) \
  G(F, cmov##cc##_r16, cond, "cmov" #cc " r16,r16", "cmov" #cc " ax, bx", "rax:w64 rbx:w64", FL_ALL) \
  G(F, cmov##cc##_r32, cond, "cmov" #cc " r32,r32", "cmov" #cc " ecx, edx", "rcx:w64 rdx:w64", FL_ALL) \
  G(F, cmov##cc##_r64, cond, "cmov" #cc " r64,r64", "cmov" #cc " r9, rsi", "r9:w64 rsi:w64", FL_ALL) \
  G(F, set##cc##_r8, cond, "set" #cc " r8", "set" #cc " bl", "rbx:w64", FL_ALL)

#define COND_FORMS(F) \
  COND_LIST(CMOV_CC, F) \
  G(F, sete_r8h, cond, "sete r8h", "sete ah", "rax:w64", FL_ALL) \
  G(F, setl_r8h, cond, "setl r8h", "setl ch", "rcx:w64", FL_ALL) \
  G(F, setb_r8x, cond, "setb r8 (rex)", "setb r13b", "r13:w64", FL_ALL) \
  G(F, setg_r8x, cond, "setg r8 (rex)", "setg sil", "rsi:w64", FL_ALL)

/* ------------------------------------------------------------- sse_fp -- */

#define FP_ARITH(F, op) \
  G(F, op##ps, sse_fp, #op "ps xmm,xmm", #op "ps xmm1, xmm2", "xmm1:ps xmm2:ps", FL_ALL) \
  G(F, op##ss, sse_fp, #op "ss xmm,xmm", #op "ss xmm3, xmm12", "xmm3:ss xmm12:ss", FL_ALL) \
  G(F, op##pd, sse_fp, #op "pd xmm,xmm", #op "pd xmm9, xmm0", "xmm9:pd xmm0:pd", FL_ALL) \
  G(F, op##sd, sse_fp, #op "sd xmm,xmm", #op "sd xmm5, xmm6", "xmm5:sd xmm6:sd", FL_ALL)

#define FP_LOGIC(F, op) \
  G(F, op##ps, sse_fp, #op "ps xmm,xmm", #op "ps xmm1, xmm2", "xmm1:ps xmm2:g", FL_ALL) \
  G(F, op##pd, sse_fp, #op "pd xmm,xmm", #op "pd xmm10, xmm4", "xmm10:pd xmm4:g", FL_ALL)

#define CVT(F, id, name, text, spec) G(F, id, sse_fp, name, text, spec, FL_ALL)

#define SSE_FP_FORMS(F) \
  FP_ARITH(F, add) FP_ARITH(F, sub) FP_ARITH(F, mul) FP_ARITH(F, div) FP_ARITH(F, min) FP_ARITH(F, max) \
  G(F, sqrtps, sse_fp, "sqrtps xmm,xmm", "sqrtps xmm1, xmm2", "xmm1:g xmm2:ps", FL_ALL) \
  G(F, sqrtss, sse_fp, "sqrtss xmm,xmm", "sqrtss xmm7, xmm8", "xmm7:g xmm8:ss", FL_ALL) \
  G(F, sqrtpd, sse_fp, "sqrtpd xmm,xmm", "sqrtpd xmm1, xmm2", "xmm1:g xmm2:pd", FL_ALL) \
  G(F, sqrtsd, sse_fp, "sqrtsd xmm,xmm", "sqrtsd xmm11, xmm3", "xmm11:g xmm3:sd", FL_ALL) \
  FP_LOGIC(F, and) FP_LOGIC(F, andn) FP_LOGIC(F, or) FP_LOGIC(F, xor) \
  F(cmpps, 64, sse_fp, "cmpps xmm,xmm,imm8", "cmpps xmm1, xmm2, 0", "xmm1:ps xmm2:ps", FL_ALL, 1, IK_P, SP_NONE, 96) \
  F(cmpss, 64, sse_fp, "cmpss xmm,xmm,imm8", "cmpss xmm4, xmm13, 0", "xmm4:ss xmm13:ss", FL_ALL, 1, IK_P, SP_NONE, 96) \
  F(cmppd, 64, sse_fp, "cmppd xmm,xmm,imm8", "cmppd xmm14, xmm2, 0", "xmm14:pd xmm2:pd", FL_ALL, 1, IK_P, SP_NONE, 96) \
  F(cmpsd, 64, sse_fp, "cmpsd xmm,xmm,imm8", "cmpsd xmm0, xmm1, 0", "xmm0:sd xmm1:sd", FL_ALL, 1, IK_P, SP_NONE, 96) \
  G(F, comiss, sse_fp, "comiss xmm,xmm", "comiss xmm1, xmm2", "xmm1:ss xmm2:ss", FL_ALL) \
  G(F, ucomiss, sse_fp, "ucomiss xmm,xmm", "ucomiss xmm9, xmm2", "xmm9:ss xmm2:ss", FL_ALL) \
  G(F, comisd, sse_fp, "comisd xmm,xmm", "comisd xmm1, xmm15", "xmm1:sd xmm15:sd", FL_ALL) \
  G(F, ucomisd, sse_fp, "ucomisd xmm,xmm", "ucomisd xmm3, xmm4", "xmm3:sd xmm4:sd", FL_ALL) \
  CVT(F, cvtsi2ss_r32, "cvtsi2ss xmm,r32", "cvtsi2ss xmm1, eax", "xmm1:g rax:w32") \
  CVT(F, cvtsi2ss_r64, "cvtsi2ss xmm,r64", "cvtsi2ss xmm1, rax", "xmm1:g rax:w64") \
  CVT(F, cvtsi2sd_r32, "cvtsi2sd xmm,r32", "cvtsi2sd xmm2, ebx", "xmm2:g rbx:w32") \
  CVT(F, cvtsi2sd_r64, "cvtsi2sd xmm,r64", "cvtsi2sd xmm10, r9", "xmm10:g r9:w64") \
  CVT(F, cvtss2si_r32, "cvtss2si r32,xmm", "cvtss2si eax, xmm1", "rax:g xmm1:ss") \
  CVT(F, cvtss2si_r64, "cvtss2si r64,xmm", "cvtss2si r8, xmm1", "r8:g xmm1:ss") \
  CVT(F, cvttss2si_r32, "cvttss2si r32,xmm", "cvttss2si ecx, xmm2", "rcx:g xmm2:ss") \
  CVT(F, cvttss2si_r64, "cvttss2si r64,xmm", "cvttss2si rcx, xmm11", "rcx:g xmm11:ss") \
  CVT(F, cvtsd2si_r32, "cvtsd2si r32,xmm", "cvtsd2si edx, xmm3", "rdx:g xmm3:sd") \
  CVT(F, cvtsd2si_r64, "cvtsd2si r64,xmm", "cvtsd2si rdx, xmm3", "rdx:g xmm3:sd") \
  CVT(F, cvttsd2si_r32, "cvttsd2si r32,xmm", "cvttsd2si r12d, xmm4", "r12:g xmm4:sd") \
  CVT(F, cvttsd2si_r64, "cvttsd2si r64,xmm", "cvttsd2si rsi, xmm4", "rsi:g xmm4:sd") \
  CVT(F, cvtss2sd, "cvtss2sd xmm,xmm", "cvtss2sd xmm1, xmm2", "xmm1:g xmm2:ss") \
  CVT(F, cvtsd2ss, "cvtsd2ss xmm,xmm", "cvtsd2ss xmm1, xmm2", "xmm1:g xmm2:sd") \
  CVT(F, cvtps2pd, "cvtps2pd xmm,xmm", "cvtps2pd xmm1, xmm2", "xmm1:g xmm2:ps") \
  CVT(F, cvtpd2ps, "cvtpd2ps xmm,xmm", "cvtpd2ps xmm1, xmm2", "xmm1:g xmm2:pd") \
  CVT(F, cvtdq2ps, "cvtdq2ps xmm,xmm", "cvtdq2ps xmm5, xmm6", "xmm5:g xmm6:d") \
  CVT(F, cvtps2dq, "cvtps2dq xmm,xmm", "cvtps2dq xmm5, xmm6", "xmm5:g xmm6:ps") \
  CVT(F, cvttps2dq, "cvttps2dq xmm,xmm", "cvttps2dq xmm5, xmm6", "xmm5:g xmm6:ps") \
  CVT(F, cvtdq2pd, "cvtdq2pd xmm,xmm", "cvtdq2pd xmm12, xmm7", "xmm12:g xmm7:d") \
  CVT(F, cvtpd2dq, "cvtpd2dq xmm,xmm", "cvtpd2dq xmm12, xmm7", "xmm12:g xmm7:pd") \
  CVT(F, cvttpd2dq, "cvttpd2dq xmm,xmm", "cvttpd2dq xmm12, xmm7", "xmm12:g xmm7:pd") \
  G(F, unpcklps, sse_fp, "unpcklps xmm,xmm", "unpcklps xmm1, xmm2", "xmm1:g xmm2:g", FL_ALL) \
  G(F, unpckhps, sse_fp, "unpckhps xmm,xmm", "unpckhps xmm1, xmm2", "xmm1:g xmm2:g", FL_ALL) \
  G(F, unpcklpd, sse_fp, "unpcklpd xmm,xmm", "unpcklpd xmm8, xmm2", "xmm8:g xmm2:g", FL_ALL) \
  G(F, unpckhpd, sse_fp, "unpckhpd xmm,xmm", "unpckhpd xmm8, xmm2", "xmm8:g xmm2:g", FL_ALL) \
  GI(F, shufps, sse_fp, "shufps xmm,xmm,imm8", "shufps xmm1, xmm2, 0", "xmm1:g xmm2:g", FL_ALL, 1, IK_R) \
  GI(F, shufpd, sse_fp, "shufpd xmm,xmm,imm8", "shufpd xmm3, xmm9, 0", "xmm3:g xmm9:g", FL_ALL, 1, IK_R) \
  G(F, movmskps, sse_fp, "movmskps r32,xmm", "movmskps eax, xmm1", "rax:g xmm1:ps", FL_ALL) \
  G(F, movmskpd, sse_fp, "movmskpd r32,xmm", "movmskpd r10d, xmm1", "r10:g xmm1:pd", FL_ALL) \
  G(F, movss_rr, sse_fp, "movss xmm,xmm", "movss xmm1, xmm2", "xmm1:g xmm2:g", FL_ALL) \
  G(F, movsd_rr, sse_fp, "movsd xmm,xmm", "movsd xmm1, xmm2", "xmm1:g xmm2:g", FL_ALL) \
  G(F, movaps_rr, sse_fp, "movaps xmm,xmm", "movaps xmm6, xmm13", "xmm6:g xmm13:g", FL_ALL) \
  G(F, movhlps, sse_fp, "movhlps xmm,xmm", "movhlps xmm1, xmm2", "xmm1:g xmm2:g", FL_ALL) \
  G(F, movlhps, sse_fp, "movlhps xmm,xmm", "movlhps xmm1, xmm2", "xmm1:g xmm2:g", FL_ALL)

/* ------------------------------------------------------------ sse_int -- */

#define PI(F, op, k) G(F, op, sse_int, #op " xmm,xmm", #op " xmm1, xmm2", "xmm1:" #k " xmm2:" #k, FL_ALL)
#define PIX(F, op, k) G(F, op##_x, sse_int, #op " xmm,xmm (rex)", #op " xmm11, xmm4", "xmm11:" #k " xmm4:" #k, FL_ALL)
#define PSH(F, op, k) \
  GI(F, op##_i8, sse_int, #op " xmm,imm8", #op " xmm3, 1", "xmm3:" #k, FL_ALL, 1, IK_C) \
  G(F, op##_xmm, sse_int, #op " xmm,xmm", #op " xmm3, xmm4", "xmm3:" #k " xmm4:x", FL_ALL)

#define SSE_INT_FORMS(F) \
  PI(F, paddb, b) PI(F, paddw, w) PI(F, paddd, d) PI(F, paddq, q) \
  PI(F, paddsb, b) PI(F, paddsw, w) PI(F, paddusb, b) PI(F, paddusw, w) \
  PI(F, psubb, b) PI(F, psubw, w) PI(F, psubd, d) PI(F, psubq, q) \
  PI(F, psubsb, b) PI(F, psubsw, w) PI(F, psubusb, b) PI(F, psubusw, w) \
  PIX(F, paddw, w) PIX(F, psubusb, b) \
  PI(F, pmullw, w) PI(F, pmulhw, w) PI(F, pmulhuw, w) PI(F, pmuludq, d) PI(F, pmaddwd, w) \
  PI(F, pcmpeqb, b) PI(F, pcmpeqw, w) PI(F, pcmpeqd, d) PI(F, pcmpgtb, b) PI(F, pcmpgtw, w) PI(F, pcmpgtd, d) \
  PI(F, pand, g) PI(F, pandn, g) PI(F, por, g) PI(F, pxor, g) PIX(F, pxor, g) \
  PSH(F, psllw, w) PSH(F, pslld, d) PSH(F, psllq, q) PSH(F, psrlw, w) PSH(F, psrld, d) PSH(F, psrlq, q) \
  PSH(F, psraw, w) PSH(F, psrad, d) \
  GI(F, pslldq, sse_int, "pslldq xmm,imm8", "pslldq xmm5, 1", "xmm5:g", FL_ALL, 1, IK_S) \
  GI(F, psrldq, sse_int, "psrldq xmm,imm8", "psrldq xmm13, 1", "xmm13:g", FL_ALL, 1, IK_S) \
  GI(F, pshufd, sse_int, "pshufd xmm,xmm,imm8", "pshufd xmm1, xmm2, 0", "xmm1:g xmm2:d", FL_ALL, 1, IK_R) \
  GI(F, pshuflw, sse_int, "pshuflw xmm,xmm,imm8", "pshuflw xmm1, xmm2, 0", "xmm1:g xmm2:w", FL_ALL, 1, IK_R) \
  GI(F, pshufhw, sse_int, "pshufhw xmm,xmm,imm8", "pshufhw xmm9, xmm10, 0", "xmm9:g xmm10:w", FL_ALL, 1, IK_R) \
  PI(F, punpcklbw, g) PI(F, punpcklwd, g) PI(F, punpckldq, g) PI(F, punpcklqdq, g) \
  PI(F, punpckhbw, g) PI(F, punpckhwd, g) PI(F, punpckhdq, g) PI(F, punpckhqdq, g) \
  PI(F, packsswb, w) PI(F, packssdw, d) PI(F, packuswb, w) \
  G(F, pmovmskb, sse_int, "pmovmskb r32,xmm", "pmovmskb eax, xmm1", "rax:g xmm1:b", FL_ALL) \
  G(F, pmovmskb_x, sse_int, "pmovmskb r32,xmm (rex)", "pmovmskb r9d, xmm14", "r9:g xmm14:b", FL_ALL) \
  PI(F, pminub, b) PI(F, pmaxub, b) PI(F, pminsw, w) PI(F, pmaxsw, w) \
  PI(F, pavgb, b) PI(F, pavgw, w) PI(F, psadbw, b) \
  G(F, movd_x_r32, sse_int, "movd xmm,r32", "movd xmm1, eax", "xmm1:g rax:w64", FL_ALL) \
  G(F, movd_r32_x, sse_int, "movd r32,xmm", "movd ebx, xmm2", "rbx:g xmm2:g", FL_ALL) \
  G(F, movq_x_r64, sse_int, "movq xmm,r64", "movq xmm12, r8", "xmm12:g r8:w64", FL_ALL) \
  G(F, movq_r64_x, sse_int, "movq r64,xmm", "movq rcx, xmm3", "rcx:g xmm3:g", FL_ALL) \
  G(F, movq_x_x, sse_int, "movq xmm,xmm", "movq xmm4, xmm5", "xmm4:g xmm5:g", FL_ALL) \
  G(F, movdqa_rr, sse_int, "movdqa xmm,xmm", "movdqa xmm7, xmm15", "xmm7:g xmm15:g", FL_ALL) \
  GI(F, pextrw, sse_int, "pextrw r32,xmm,imm8", "pextrw eax, xmm1, 0", "rax:g xmm1:w", FL_ALL, 1, IK_R) \
  GI(F, pinsrw, sse_int, "pinsrw xmm,r32,imm8", "pinsrw xmm1, ecx, 0", "xmm1:g rcx:w64", FL_ALL, 1, IK_R)

/* ------------------------------------------------------------- mode32 -- */

/* Compatibility-mode (32-bit) forms: no REX, 0x40-0x4f are INC/DEC, 67 selects 16-bit addressing. */
#define MODE32_FORMS(F) \
  G32(F, m32_add_r32_r32, "add r32,r32", "add eax, ebx", "rax:w32 rbx:w32", FL_ALL) \
  G32(F, m32_adc_r16_r16, "adc r16,r16", "adc cx, dx", "rcx:w16 rdx:w16", FL_ALL) \
  G32(F, m32_sub_r8_r8, "sub r8,r8", "sub dl, bh", "rdx:w8 rbx:h8", FL_ALL) \
  G32(F, m32_and_r8h_r8, "and r8h,r8", "and ah, bl", "rax:h8 rbx:w8", FL_LOGIC) \
  GI32(F, m32_xor_r32_i8, "xor r32,imm8", "xor esi, 0x12", "rsi:w32", FL_LOGIC, 1, IK_N) \
  GI32(F, m32_cmp_eax_i32, "cmp eax,imm32", "cmp eax, 0x12345678", "rax:w32", FL_ALL, 4, IK_N) \
  G32(F, m32_inc_eax, "inc r32 (40+r)", "inc eax", "rax:w32", FL_ALL) \
  G32(F, m32_inc_edi, "inc r32 (47)", "inc edi", "rdi:w32", FL_ALL) \
  G32(F, m32_dec_ecx, "dec r32 (48+r)", "dec ecx", "rcx:w32", FL_ALL) \
  G32(F, m32_inc_r16, "inc r16 (66 40+r)", "inc bx", "rbx:w16", FL_ALL) \
  G32(F, m32_dec_r16, "dec r16 (66 48+r)", "dec si", "rsi:w16", FL_ALL) \
  G32(F, m32_neg_r32, "neg r32", "neg edx", "rdx:w32", FL_ALL) \
  G32(F, m32_shl_r32_cl, "shl r32,cl", "shl eax, cl", "rax:w32 rcx:c", FL_SHL) \
  GI32(F, m32_sar_r16_i8, "sar r16,imm8", "sar bx, 5", "rbx:w16", FL_SAR, 1, IK_C) \
  G32(F, m32_rol_r8_1, "rol r8,1", "rol dl, 1", "rdx:w8", FL_ROT) \
  G32(F, m32_rcr_r32_cl, "rcr r32,cl", "rcr esi, cl", "rsi:w32 rcx:c", FL_RC) \
  GI32(F, m32_shld_r32_i8, "shld r32,r32,imm8", "shld edi, ebx, 5", "rdi:w32 rbx:w32", FL_SHXD, 1, IK_C) \
  G32(F, m32_mul_r32, "mul r32", "mul ecx", "rax:w32 rdx:g rcx:w32", FL_MUL) \
  GI32(F, m32_imul_r32_i8, "imul r32,r32,imm8", "imul ebx, ecx, 0x12", "rbx:g rcx:w32", FL_MUL, 1, IK_N) \
  F(m32_div_r32, 32, mode32, "div r32", "div esi", "rax:w32 rdx:w32 rsi:w32", FL_DIV, 0, IK_NONE, SP_DIV, 0) \
  F(m32_idiv_r16, 32, mode32, "idiv r16", "idiv cx", "rax:w16 rdx:w16 rcx:w16", FL_DIV, 0, IK_NONE, SP_IDIV, 0) \
  F(m32_bsf_r32, 32, mode32, "bsf r32,r32", "bsf ecx, edx", "rcx:g rdx:w32", FL_BSF, 0, IK_NONE, SP_SCAN, 0) \
  G32(F, m32_bt_r32_r32, "bt r32,r32", "bt ebx, edx", "rbx:w32 rdx:w32", FL_BT) \
  G32(F, m32_bswap_r32, "bswap r32", "bswap edi", "rdi:w32", FL_ALL) \
  G32(F, m32_movzx_r32_r8h, "movzx r32,r8h", "movzx edx, bh", "rdx:g rbx:h8", FL_ALL) \
  G32(F, m32_movsx_r32_r16, "movsx r32,r16", "movsx edi, bp", "rdi:g rbp:w16", FL_ALL) \
  G32(F, m32_cmovl_r32, "cmovl r32,r32", "cmovl ecx, edx", "rcx:w32 rdx:w32", FL_ALL) \
  G32(F, m32_cmovbe_r16, "cmovbe r16,r16", "cmovbe ax, bx", "rax:w32 rbx:w32", FL_ALL) \
  G32(F, m32_setnp_r8h, "setnp r8h", "setnp dh", "rdx:w32", FL_ALL) \
  G32(F, m32_xadd_r32, "xadd r32,r32", "xadd edx, eax", "rdx:w32 rax:w32", FL_ALL) \
  F(m32_cmpxchg_r32, 32, mode32, "cmpxchg r32,r32", "cmpxchg edx, ebx", "rax:w32 rdx:w32 rbx:w32", FL_ALL, 0, IK_NONE, SP_EQ, 0) \
  G32(F, m32_xchg_eax_r32, "xchg eax,r32", "xchg eax, ebp", "rax:w32 rbp:w32", FL_ALL) \
  G32(F, m32_cbw, "cbw", "cbw", "rax:w32", FL_ALL) \
  G32(F, m32_cwde, "cwde", "cwde", "rax:w32", FL_ALL) \
  G32(F, m32_cwd, "cwd", "cwd", "rax:w32 rdx:g", FL_ALL) \
  G32(F, m32_cdq, "cdq", "cdq", "rax:w32 rdx:g", FL_ALL) \
  G32(F, m32_lea_r32_bisd, "lea r32,[b+i*4+d32]", "lea eax, [ebx+ecx*4+0x12345678]", "rax:g rbx:w32 rcx:w32", FL_ALL) \
  G32(F, m32_lea_r16_a16, "lea r16,[bx+si+d8] (67)", "lea ax, [bx+si+0x12]", "rax:g rbx:w32 rsi:w32", FL_ALL) \
  G32(F, m32_lea_r32_a16, "lea r32,[bp+di-d16] (67)", "lea edx, [bp+di-0x1234]", "rdx:g rbp:w32 rdi:w32", FL_ALL) \
  G32(F, m32_daa, "daa", "daa", "rax:w32", FL_DAA) \
  G32(F, m32_das, "das", "das", "rax:w32", FL_DAA) \
  G32(F, m32_aaa, "aaa", "aaa", "rax:w32", FL_AAA) \
  G32(F, m32_aas, "aas", "aas", "rax:w32", FL_AAA) \
  GI32(F, m32_aam, "aam imm8", "aam 10", "rax:w32", FL_AAM, 1, IK_D) \
  GI32(F, m32_aad, "aad imm8", "aad 10", "rax:w32", FL_AAM, 1, IK_D) \
  G32(F, m32_addps, "addps xmm,xmm", "addps xmm1, xmm2", "xmm1:ps xmm2:ps", FL_ALL) \
  G32(F, m32_paddw, "paddw xmm,xmm", "paddw xmm6, xmm7", "xmm6:w xmm7:w", FL_ALL) \
  GI32(F, m32_pshufd, "pshufd xmm,xmm,imm8", "pshufd xmm0, xmm3, 0", "xmm0:g xmm3:d", FL_ALL, 1, IK_R) \
  G32(F, m32_movd_x_r32, "movd xmm,r32", "movd xmm1, eax", "xmm1:g rax:w32", FL_ALL) \
  G32(F, m32_cvtsi2sd, "cvtsi2sd xmm,r32", "cvtsi2sd xmm2, ebx", "xmm2:g rbx:w32", FL_ALL) \
  G32(F, m32_ucomisd, "ucomisd xmm,xmm", "ucomisd xmm3, xmm4", "xmm3:sd xmm4:sd", FL_ALL)

#define ALL_FORMS(F) \
  ALU_FORMS(F) SHIFT_FORMS(F) MULDIV_FORMS(F) BIT_FORMS(F) MOVE_FORMS(F) COND_FORMS(F) \
  SSE_FP_FORMS(F) SSE_INT_FORMS(F) MODE32_FORMS(F)
