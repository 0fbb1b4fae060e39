// Multi-precision arithmetic on the inline fast paths (assembly/cpu/fastpath.ts):
// MUL/IMUL in every fast form (one-operand r/m, two-operand, three-operand with
// an immediate; 32 and 64 bits) and ADC/SBB on registers, memory and immediates
// whose carry-in comes from the lazy flags record of the instruction before,
// ADC/SBB records included, read back by Jcc, SETcc, CMOVcc, INC (CF kept) and
// PUSHF. The program below was assembled with GNU as and run natively on an
// x86-64 host (a C harness: mmap, call with RDI = the data area) to record the
// expected data area; here it runs in 64-bit mode from the same input, once to
// the end and once in runs of a few instructions.
//
// The program (GNU as, Intel syntax), RDI = data area: +0 s1[8],
// +64 res[8], +128 limb, +136 16 operands, +0x200 out:
// # rdi = data area: +0 s1[8], +64 res[8], +128 limb, +136 pairs[16][2], +0x200 out
//   .intel_syntax noprefix
//   .globl prog
// prog:
//   push rbx
//   push rbp
//   push r12
//   push r13
//   push r14
//   push r15
//   # A: res += s1 * limb (asm style: mul r64, adc reg imm, add mem reg), index counting up to 0
//   lea rsi, [rdi + 64]
//   lea r10, [rdi + 64]
//   mov r9, [rdi + 128]
//   xor r8d, r8d
//   mov rcx, -8
// a_loop:
//   mov rax, [rdi + rcx*8 + 64]
//   mul r9
//   add rax, r8
//   adc rdx, 0
//   add [r10 + rcx*8 + 64], rax
//   adc rdx, 0
//   mov r8, rdx
//   inc rcx
//   jnz a_loop
//   mov [rdi + 0x200], r8
//   # B: the same with 32-bit halves and imul r64, r64 (the C umul_ppmm), carry via setb/adc
//   mov r9d, [rdi + 128]
//   mov r11, [rdi + 128]
//   shr r11, 32
//   xor esi, esi
//   mov rbp, 0x100000000
//   xor ebx, ebx
// b_loop:
//   mov rcx, [rdi + rbx*8]
//   mov rdx, rcx
//   mov ecx, ecx
//   shr rdx, 32
//   mov rax, rcx
//   imul rax, r9
//   mov r13, rdx
//   imul r13, r9
//   imul rcx, r11
//   imul rdx, r11
//   mov r14, rax
//   mov eax, eax
//   shr r14, 32
//   add rcx, r13
//   add rcx, r14
//   mov r14, rdx
//   add rdx, rbp
//   cmp rcx, r13
//   mov r13, rcx
//   cmovae rdx, r14
//   add rax, rsi
//   shl r13, 32
//   add rax, r13
//   cmp rax, rsi
//   setb sil
//   shr rcx, 32
//   movzx esi, sil
//   lea r12, [rdi + rbx*8 + 0x100]
//   sbb [r12 - 0x100 + 64], rax
//   adc rsi, rcx
//   add rsi, rdx
//   add ebx, 1
//   cmp ebx, 8
//   jne b_loop
//   mov [rdi + 0x208], rsi
//   # C: flag chains over the pairs; 16 records of 64 bytes from +0x240
//   lea r15, [rdi + 0x240]
//   xor ebx, ebx
// c_loop:
//   mov rax, [rdi + rbx*8 + 136]
//   mov rdx, [rdi + rbx*8 + 144]
//   mov r8, rax
//   add r8, rdx
//   adc rax, rdx
//   pushfq
//   pop qword ptr [r15]
//   adc rdx, [rdi + rbx*8 + 144]
//   setc byte ptr [r15 + 8]
//   seto byte ptr [r15 + 9]
//   setz byte ptr [r15 + 10]
//   sets byte ptr [r15 + 11]
//   setp byte ptr [r15 + 12]
//   seta byte ptr [r15 + 13]
//   setl byte ptr [r15 + 14]
//   setle byte ptr [r15 + 15]
//   mov [r15 + 16], rax
//   mov [r15 + 24], rdx
//   sbb [r15 + 16], rdx
//   sbb eax, 0x7f
//   mov [r15 + 32], rax
//   adc eax, 0x80000001
//   sbb edx, eax
//   cmovc r8, rdx
//   mov [r15 + 40], r8
//   jc 1f
//   add byte ptr [r15 + 48], 1
// 1:
//   adc rdx, -1
//   inc rdx
//   pushfq
//   pop qword ptr [r15 + 56]
//   adc dword ptr [r15 + 52], 3
//   sbb rax, rax
//   mov [r15 + 48], eax
//   adc byte ptr [r15 + 49], 0
//   # multiplies: CF/OF into the top bytes of the record
//   mov rax, [rdi + rbx*8 + 136]
//   mov rcx, [rdi + rbx*8 + 144]
//   imul rax, rcx
//   seto byte ptr [r15 + 60]
//   imul eax, ecx, -3
//   setc byte ptr [r15 + 61]
//   add [r15 + 24], rax
//   mov rax, [rdi + rbx*8 + 136]
//   imul qword ptr [rdi + rbx*8 + 144]
//   seto byte ptr [r15 + 62]
//   xor [r15 + 16], rdx
//   mov rax, [rdi + rbx*8 + 136]
//   mul ecx
//   setc byte ptr [r15 + 63]
//   add [r15 + 32], rdx
//   sub [r15 + 40], rax
//   mov rax, [rdi + rbx*8 + 144]
//   imul ecx
//   adc [r15 + 32], edx
//   imul rcx, qword ptr [rdi + rbx*8 + 136], 0x12345
//   adc [r15 + 40], rcx
//   imul ecx, dword ptr [rdi + rbx*8 + 136]
//   sbb [r15 + 24], ecx
//   add r15, 64
//   add ebx, 1
//   cmp ebx, 15
//   jne c_loop
//   pop r15
//   pop r14
//   pop r13
//   pop r12
//   pop rbp
//   pop rbx
//   ret
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { Core } from "../../src/core/core.ts";
import * as L from "../../src/core/layout.gen.ts";
import { packageRoot } from "../../src/platform/node.ts";

const PROG = [
  0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x48, 0x8d, 0x77, 0x40, 0x4c, 0x8d, 0x57, 0x40, 0x4c, 0x8b, 0x8f, 0x80, 0x00, 0x00,
  0x00, 0x45, 0x31, 0xc0, 0x48, 0xc7, 0xc1, 0xf8, 0xff, 0xff, 0xff, 0x48, 0x8b, 0x44, 0xcf, 0x40, 0x49, 0xf7, 0xe1, 0x4c, 0x01, 0xc0, 0x48, 0x83,
  0xd2, 0x00, 0x49, 0x01, 0x44, 0xca, 0x40, 0x48, 0x83, 0xd2, 0x00, 0x49, 0x89, 0xd0, 0x48, 0xff, 0xc1, 0x75, 0xe0, 0x4c, 0x89, 0x87, 0x00, 0x02,
  0x00, 0x00, 0x44, 0x8b, 0x8f, 0x80, 0x00, 0x00, 0x00, 0x4c, 0x8b, 0x9f, 0x80, 0x00, 0x00, 0x00, 0x49, 0xc1, 0xeb, 0x20, 0x31, 0xf6, 0x48, 0xbd,
  0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x31, 0xdb, 0x48, 0x8b, 0x0c, 0xdf, 0x48, 0x89, 0xca, 0x89, 0xc9, 0x48, 0xc1, 0xea, 0x20, 0x48,
  0x89, 0xc8, 0x49, 0x0f, 0xaf, 0xc1, 0x49, 0x89, 0xd5, 0x4d, 0x0f, 0xaf, 0xe9, 0x49, 0x0f, 0xaf, 0xcb, 0x49, 0x0f, 0xaf, 0xd3, 0x49, 0x89, 0xc6,
  0x89, 0xc0, 0x49, 0xc1, 0xee, 0x20, 0x4c, 0x01, 0xe9, 0x4c, 0x01, 0xf1, 0x49, 0x89, 0xd6, 0x48, 0x01, 0xea, 0x4c, 0x39, 0xe9, 0x49, 0x89, 0xcd,
  0x49, 0x0f, 0x43, 0xd6, 0x48, 0x01, 0xf0, 0x49, 0xc1, 0xe5, 0x20, 0x4c, 0x01, 0xe8, 0x48, 0x39, 0xf0, 0x40, 0x0f, 0x92, 0xc6, 0x48, 0xc1, 0xe9,
  0x20, 0x40, 0x0f, 0xb6, 0xf6, 0x4c, 0x8d, 0xa4, 0xdf, 0x00, 0x01, 0x00, 0x00, 0x49, 0x19, 0x84, 0x24, 0x40, 0xff, 0xff, 0xff, 0x48, 0x11, 0xce,
  0x48, 0x01, 0xd6, 0x83, 0xc3, 0x01, 0x83, 0xfb, 0x08, 0x75, 0x87, 0x48, 0x89, 0xb7, 0x08, 0x02, 0x00, 0x00, 0x4c, 0x8d, 0xbf, 0x40, 0x02, 0x00,
  0x00, 0x31, 0xdb, 0x48, 0x8b, 0x84, 0xdf, 0x88, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x94, 0xdf, 0x90, 0x00, 0x00, 0x00, 0x49, 0x89, 0xc0, 0x49, 0x01,
  0xd0, 0x48, 0x11, 0xd0, 0x9c, 0x41, 0x8f, 0x07, 0x48, 0x13, 0x94, 0xdf, 0x90, 0x00, 0x00, 0x00, 0x41, 0x0f, 0x92, 0x47, 0x08, 0x41, 0x0f, 0x90,
  0x47, 0x09, 0x41, 0x0f, 0x94, 0x47, 0x0a, 0x41, 0x0f, 0x98, 0x47, 0x0b, 0x41, 0x0f, 0x9a, 0x47, 0x0c, 0x41, 0x0f, 0x97, 0x47, 0x0d, 0x41, 0x0f,
  0x9c, 0x47, 0x0e, 0x41, 0x0f, 0x9e, 0x47, 0x0f, 0x49, 0x89, 0x47, 0x10, 0x49, 0x89, 0x57, 0x18, 0x49, 0x19, 0x57, 0x10, 0x83, 0xd8, 0x7f, 0x49,
  0x89, 0x47, 0x20, 0x15, 0x01, 0x00, 0x00, 0x80, 0x19, 0xc2, 0x4c, 0x0f, 0x42, 0xc2, 0x4d, 0x89, 0x47, 0x28, 0x72, 0x05, 0x41, 0x80, 0x47, 0x30,
  0x01, 0x48, 0x83, 0xd2, 0xff, 0x48, 0xff, 0xc2, 0x9c, 0x41, 0x8f, 0x47, 0x38, 0x41, 0x83, 0x57, 0x34, 0x03, 0x48, 0x19, 0xc0, 0x41, 0x89, 0x47,
  0x30, 0x41, 0x80, 0x57, 0x31, 0x00, 0x48, 0x8b, 0x84, 0xdf, 0x88, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x8c, 0xdf, 0x90, 0x00, 0x00, 0x00, 0x48, 0x0f,
  0xaf, 0xc1, 0x41, 0x0f, 0x90, 0x47, 0x3c, 0x6b, 0xc1, 0xfd, 0x41, 0x0f, 0x92, 0x47, 0x3d, 0x49, 0x01, 0x47, 0x18, 0x48, 0x8b, 0x84, 0xdf, 0x88,
  0x00, 0x00, 0x00, 0x48, 0xf7, 0xac, 0xdf, 0x90, 0x00, 0x00, 0x00, 0x41, 0x0f, 0x90, 0x47, 0x3e, 0x49, 0x31, 0x57, 0x10, 0x48, 0x8b, 0x84, 0xdf,
  0x88, 0x00, 0x00, 0x00, 0xf7, 0xe1, 0x41, 0x0f, 0x92, 0x47, 0x3f, 0x49, 0x01, 0x57, 0x20, 0x49, 0x29, 0x47, 0x28, 0x48, 0x8b, 0x84, 0xdf, 0x90,
  0x00, 0x00, 0x00, 0xf7, 0xe9, 0x41, 0x11, 0x57, 0x20, 0x48, 0x69, 0x8c, 0xdf, 0x88, 0x00, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00, 0x49, 0x11, 0x4f,
  0x28, 0x0f, 0xaf, 0x8c, 0xdf, 0x88, 0x00, 0x00, 0x00, 0x41, 0x19, 0x4f, 0x18, 0x49, 0x83, 0xc7, 0x40, 0x83, 0xc3, 0x01, 0x83, 0xfb, 0x0f, 0x0f,
  0x85, 0xde, 0xfe, 0xff, 0xff, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3,
];

/** The data area before the run (0x640 bytes, hex). */
const INPUT = [
  "ad4df30bae771bdc76606e02b9eef064366190e591ce077b74cc8d360c055f30ec4ac5a1e016eb2c79fb7b4ece1d1097",
  "cff2e8d644e1d29aea70f41a2e79aad98be2d6b0854eaadd8e8d4249d3a98e8f15abe8b8ff74f408031fd7564785ad2e",
  "fd11a7adf879bc559e803bd69bc41f0e1f105a3fe89921b9ff435dfc795076c5b8e6fa7d38fc3c350000000000000000",
  "4f4b716bb13956fcffffffffffffffff6d61006dc70e4b5400000000000000801aa20a9cd5501a0fffffffffffffff7f",
  "bd0c7ced02cd1e0e010000000000000013f6bdcdd3b386dcffffffff000000002d0893697fda81360000008000000000",
  "3781ed6c1e6e716cffffff7f000000005a9b86787ab2079fec00627fe491bab0ed7fdbd0364c2bc75292fcc0b005f335",
  "f6bfff73b38fc77a097d1be71db8398eb329cd26a19ba65920bfbc0cffffcbbf5e0ed25688e21c2dc2fdb348ed152a57",
  "b9aa17944911b932ac0bdae088eca817bbd49a2fab8ec80cd2af439a415b3abc0d9c7cc414340f6f75c6b8ed67751ae7",
  "b98aee41f84c6763ecd940a87d8375e35fa3a51e2eb28e57d9df29e02e58fa4e265a2938e963b3f312416f49f34e3a2e",
  "109b2f2a8ed709b82600b34e107f2146a6afa6fdfeb5478979cbf02a9be23a4aafd4a6103b27d0bfc6522b30eb000aed",
  "e375016dad450a3cc86faa86a925ec5b17c9eba0ddc24b9045bbf02ed8e69a4500000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "00000000000000000000000000000000",
].join("");

/** The data area after the native run. */
const EXPECTED = [
  "ad4df30bae771bdc76606e02b9eef064366190e591ce077b74cc8d360c055f30ec4ac5a1e016eb2c79fb7b4ece1d1097",
  "cff2e8d644e1d29aea70f41a2e79aad98ae2d6b0854eaadd8d8d4249d3a98e8f14abe8b8ff74f408031fd7564785ad2e",
  "fc11a7adf879bc559e803bd69bc41f0e1f105a3fe89921b9fe435dfc795076c5b8e6fa7d38fc3c350000000000000000",
  "4f4b716bb13956fcffffffffffffffff6d61006dc70e4b5400000000000000801aa20a9cd5501a0fffffffffffffff7f",
  "bd0c7ced02cd1e0e010000000000000013f6bdcdd3b386dcffffffff000000002d0893697fda81360000008000000000",
  "3781ed6c1e6e716cffffff7f000000005a9b86787ab2079fec00627fe491bab0ed7fdbd0364c2bc75292fcc0b005f335",
  "f6bfff73b38fc77a097d1be71db8398eb329cd26a19ba65920bfbc0cffffcbbf5e0ed25688e21c2dc2fdb348ed152a57",
  "b9aa17944911b932ac0bdae088eca817bbd49a2fab8ec80cd2af439a415b3abc0d9c7cc414340f6f75c6b8ed67751ae7",
  "b98aee41f84c6763ecd940a87d8375e35fa3a51e2eb28e57d9df29e02e58fa4e265a2938e963b3f312416f49f34e3a2e",
  "109b2f2a8ed709b82600b34e107f2146a6afa6fdfeb5478979cbf02a9be23a4aafd4a6103b27d0bfc6522b30eb000aed",
  "e375016dad450a3cc86faa86a925ec5b17c9eba0ddc24b9045bbf02ed8e69a451b6314ca7e25442d1b6314ca7e25442d",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "82020000000000000100000100000101b0b48e944ec6a903b1b48e946373acf8e831899800000000cd4b71eb00000000",
  "00000000040000000302000000010000930200000000000001000001010001014f4b716bb13956fcdc38583c00000000",
  "1d96e2d600000000e9af0695a47328030000000004000000030200000000000113020000000000000001000101010000",
  "6d61006dc70e4b544f7bfe928f1d96a850156a080000000015a0ff590000000000000000040000000702000000010001",
  "8202000000000000010101000100010125ae7f245b769101b2a0dbea00000000ee60006d0000000073c8d8e2a7ac070a",
  "000000000400000007020000010001008202000000000000000000000001000015f30f52bf789788e65df563aba1341e",
  "685312c3000000001ba20a9cd5501a0f00000000040000000302000001010100920a0000000000000001000100010000",
  "17f30f52bf789788cc55ac8200000000b2431538010000003683365dc8ea148b00000000040000000702000001000101",
  "920a00000000000000000000000100001cf53d647c54ee76fecf8212069a3d1c32eb4edc0100000035f6f6da02cd1e0e",
  "0000000004000000030200000100010106020000000000000000000000010000bc0c7ced02cd1e0e1111076600000000",
  "3f0c7ced00000000f62cf2a9bd9557d10000000004000000030200000000000086020000000000000100000100000101",
  "12f6bdcdd3b386dca8e64032a8670db97fd29bd70000000046230100d3b386dc00000000040000000302000000010000",
  "96020000000000000000000000010000c7453b112d4c7923b3afc7c302000000a5eb7b9b0100000045d866fec9ee3e6b",
  "0000000004000000070200000100010112020000000000000000000001010000ad2deda081257ec98ed46b96ffb4036d",
  "0001b0fe0000000095ed2453452301000000000004000000030200000101010106020000000000000000000001010000",
  "12e5d3f27eda813632f3a7b801000000c58b5c5e01000000725359ad59b95e4c00000000040000000302000001010101",
  "02020000000000000001000100010000c6c92a25e2918e93c87e12933ddce2d8b182bd51010000003781edecc0ff716c",
  "00000000040000000302000001010101160200000000000000000000000100003636d5da1d6e716cab97a03a01000000",
  "5241646301000000415bc02f24b230970000000004000000030200000101010196020000000000000101000001000101",
  "99bdfac879b2079f60417887f5640f3ef260886d010000006e130cf11c44089f00000000040000000702000001010101",
  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "00000000000000000000000000000000",
].join("");

const CODE = 0x100000;
const DATA = 0x200000;
/** The quadwords PUSHF wrote (their IF bit is the host's). */
const PUSHF_QWORDS = Array.from({ length: 15 }, (_, i) => [0x240 + i * 64, 0x240 + i * 64 + 56]).flat();

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

async function load(): Promise<Core> {
  const mod = await WebAssembly.compile(readFileSync(packageRoot() + "build/core.wasm"));
  const core = await Core.create(mod, { ramLowBase: 0, ramLowSize: 16 << 20, ramHighBase: 2 ** 32, ramHighSize: 0 });
  const m = core.mem;
  // Identity map of the first 16 MiB in 2 MiB pages.
  m.writeU64(0x1000, 0x2003n);
  m.writeU64(0x2000, 0x3003n);
  for (let i = 0; i < 8; i++) m.writeU64(0x3000 + i * 8, BigInt(i * 0x200000 + 0x83));
  core.setCpu64(L.CPU_CR0, 0x80000033n); // PG NE ET MP PE
  core.setCpu64(L.CPU_CR3, 0x1000);
  core.setCpu64(L.CPU_CR4, 0x620); // PAE OSFXSR OSXMMEXCPT
  core.setCpu64(L.CPU_EFER, 0xd01); // SCE LME LMA NXE
  core.setSegment(1, 0x08, 0, 0xffffffff, 0xa09b);
  for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, 0xc093);
  core.setCpu64(L.CPU_RFLAGS, 2n);
  core.setGpr(4, 0x80000);
  core.setGpr(7, BigInt(DATA));
  // call prog; hlt
  m.write(CODE, Uint8Array.from([0xe8, 0x0b, 0, 0, 0, 0xf4]));
  m.write(CODE + 0x10, Uint8Array.from(PROG));
  m.write(DATA, hex(INPUT));
  core.rip = BigInt(CODE);
  core.ex.stateChanged();
  return core;
}

function check(core: Core): void {
  const got = core.mem.read(DATA, 0x640).slice();
  const want = hex(EXPECTED);
  const dv = (a: Uint8Array) => new DataView(a.buffer, a.byteOffset, a.byteLength);
  for (const off of PUSHF_QWORDS) {
    dv(got).setUint16(off, dv(got).getUint16(off, true) & ~0x200, true);
    dv(want).setUint16(off, dv(want).getUint16(off, true) & ~0x200, true);
  }
  for (let off = 0; off < 0x640; off += 8) {
    const g = dv(got).getBigUint64(off, true), w = dv(want).getBigUint64(off, true);
    if (g !== w) assert.unreachable(`data +0x${off.toString(16)}: 0x${g.toString(16)}, the CPU wrote 0x${w.toString(16)}`);
  }
  assert.is(core.gpr(4), 0x80000n, "the stack is balanced");
}

test("addmul-like loops and ADC/SBB/MUL/IMUL flag chains match the CPU, in one run", async () => {
  const core = await load();
  assert.is(core.ex.run(1_000_000), L.EXIT_DEAD, "the program ends at its HLT");
  check(core);
});

for (const budget of [1, 3, 7]) {
  test(`the same in runs of ${budget} instruction(s)`, async () => {
    const core = await load();
    for (let i = 0; ; i++) {
      const reason = core.ex.run(budget);
      if (reason === L.EXIT_DEAD) break;
      assert.is(reason, L.EXIT_BUDGET);
      if (i > 100_000) assert.unreachable("the program did not end");
    }
    check(core);
  });
}

test.run();
