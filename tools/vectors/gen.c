/*
 * gen.c: CPU conformance vectors taken from the x86-64 CPU this runs on.
 *
 * Every instruction form in forms.h is assembled by gas into this program. For each record the
 * generator picks inputs (edge cases and random values from a fixed-seed generator), runs the
 * bytes once on this CPU with every GPR, XMM register, RFLAGS and MXCSR loaded (native.c), works
 * out which flags the SDM defines for those inputs, and writes one JSON line:
 *
 *   {"f":"add r32,r32","code":"01d8","in":{...},"out":{...},"mask":"0x8d5"}
 *
 * The format is described in README.md. Forms marked mode 32 run in compatibility mode (see
 * native.c), so 32-bit vectors need no multilib.
 *
 * Usage: gen OUTDIR      (tools/vectors/build.sh runs it with OUTDIR = test/vectors)
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ enums used by forms.h -- */

/* RFLAGS bits the vectors compare. */
#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF) /* 0x8d5 */

/* Which arithmetic flags the Intel SDM defines after the instruction (the rest are masked). */
enum {
  FL_ALL,   /* all six defined, or the instruction leaves them alone */
  FL_LOGIC, /* AND OR XOR TEST: OF=CF=0, SF ZF PF defined, AF undefined */
  FL_MUL,   /* MUL IMUL: CF OF defined; SF ZF AF PF undefined */
  FL_DIV,   /* DIV IDIV: all six undefined */
  FL_BT,    /* BT*: CF defined, ZF unaffected; OF SF AF PF undefined */
  FL_BSF,   /* BSF BSR: ZF defined; the rest undefined */
  FL_LZCNT, /* TZCNT LZCNT: CF ZF defined; OF SF PF AF undefined */
  FL_SHL,   /* SHL SHR: count-dependent, see flag_mask */
  FL_SAR,   /* SAR */
  FL_ROT,   /* ROL ROR */
  FL_RC,    /* RCL RCR */
  FL_SHXD,  /* SHLD SHRD */
  FL_DAA,   /* DAA DAS: OF undefined */
  FL_AAA,   /* AAA AAS: CF AF defined; OF SF ZF PF undefined */
  FL_AAM,   /* AAM AAD: SF ZF PF defined; OF AF CF undefined */
};

/* How the trailing immediate is chosen per record. */
enum { IK_NONE, IK_N, IK_C, IK_P, IK_R, IK_D, IK_S };

/* Input constraints beyond the per-operand generators. */
enum { SP_NONE, SP_DIV, SP_IDIV, SP_EQ, SP_SCAN };

#include "forms.h"
#include "native.h"

/* ----------------------------------------------------------------- the form table -- */

#define STR_(x) #x
#define STR(x) STR_(x)

#define EMIT_ASM(id, mode, fam, name, text, spec, fl, nb, ik, sp, n)                         \
  __asm__(".pushsection .rodata.vx_snippets,\"a\"\n"                                         \
          "vx_s_" #id ":\n"                                                                  \
          ".code" STR(mode) "\n.intel_syntax noprefix\n\t" text "\n.att_syntax prefix\n.code64\n" \
          "vx_e_" #id ":\n"                                                                  \
          ".popsection\n");                                                                  \
  extern const uint8_t vx_s_##id[], vx_e_##id[];
ALL_FORMS(EMIT_ASM)

typedef struct {
  const char *family, *name;
  const uint8_t *start, *end;
  int mode;
  const char *spec;
  int fl, immBytes, immKind, special, count;
} Form;

#define EMIT_ROW(id, mode, fam, name, text, spec, fl, nb, ik, sp, n) \
  {#fam, name, vx_s_##id, vx_e_##id, mode, spec, fl, nb, ik, sp, n},
static const Form forms[] = {ALL_FORMS(EMIT_ROW)};
#define NFORMS (sizeof forms / sizeof forms[0])

/* Records per form unless the form says otherwise. */
static int family_default_count(const char *fam) {
  static const struct { const char *fam; int n; } t[] = {
      {"alu", 32},     {"shift", 40},   {"muldiv", 64}, {"bit", 40},     {"move", 24},
      {"cond", 24},    {"sse_fp", 48},  {"sse_int", 40}, {"mode32", 32},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!strcmp(t[i].fam, fam)) return t[i].n;
  return 32;
}

/* ---------------------------------------------------------------- random inputs -- */

static uint64_t rngState;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rngState += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static bool chance(int percent) { return (int)below(100) < percent; }
static uint64_t maskw(int w) { return w >= 64 ? ~0ull : (1ull << w) - 1; }
static uint64_t hash_name(const char *s, int mode) {
  uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)mode;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
  return h;
}

/* Edge values at width w: zero, one, all-ones, sign boundaries, alternating bits, powers of two. */
static uint64_t edge_int(int w) {
  uint64_t m = maskw(w), sb = 1ull << (w - 1);
  const uint64_t c[] = {0, 1, 2, 3, m, m - 1, sb - 1, sb, sb + 1, sb - 2,
                        0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull, 0x7f, 0x80, 0xff, 0x100,
                        0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
                        0x100000000ull, 1ull << (w / 2), (1ull << (w / 2)) - 1,
                        1ull << below((uint64_t)w), ~(1ull << below((uint64_t)w))};
  return c[below(sizeof c / sizeof c[0])] & m;
}

static uint64_t gen_int(int w) {
  int r = (int)below(100);
  if (r < 45) return edge_int(w);
  if (r < 55) { uint64_t v = below(16); return (chance(50) ? v : -v) & maskw(w); }
  return rnd() & maskw(w);
}

/* Shift and rotate counts: 0, 1, around each operand size and each count mask, and random. */
static uint64_t gen_count(void) {
  static const uint8_t c[] = {0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                              127, 128, 255, 0x21, 0x41, 0xe1, 0x3f, 0x1f, 0x10, 0x11};
  return chance(70) ? c[below(sizeof c)] : below(256);
}

/* Bits above the operand: random garbage, zero or ones, so zero-extension rules show. */
static uint64_t upper_fill(void) {
  int r = (int)below(10);
  return r < 5 ? rnd() : r < 8 ? 0 : ~0ull;
}

static uint32_t f32_special(void) {
  static const uint32_t c[] = {
      0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000,
      0xc0200000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001,
      0xff812345, 0x7fa00000, 0x00000001, 0x007fffff, 0x80000001, 0x00800000, 0x7f7fffff,
      0xff7fffff, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000,
      0x5effffff, 0x4f800000, 0x40400000, 0x3eaaaaab, 0x3f7fffff, 0x33800000, 0x4b000000,
      0x4b800000, 0x4b7fffff, 0x3f000001, 0xbf400000};
  return c[below(sizeof c / sizeof c[0])];
}
static uint64_t f64_special(void) {
  static const uint64_t c[] = {
      0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
      0x3fe0000000000000ull, 0x3ff8000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull,
      0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
      0x7ff8000012345678ull, 0x7ff0000000000001ull, 0xfff0000000012345ull, 0x7ff4000000000000ull,
      0x0000000000000001ull, 0x000fffffffffffffull, 0x8000000000000001ull, 0x0010000000000000ull,
      0x7fefffffffffffffull, 0xffefffffffffffffull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
      0x41dfffffffffffffull, 0xc1e0000000200000ull, 0x41dfffffffc00000ull, 0x43e0000000000000ull,
      0xc3e0000000000000ull, 0x43dfffffffffffffull, 0x41f0000000000000ull, 0x4008000000000000ull,
      0x3fd5555555555555ull, 0x3fefffffffffffffull, 0x3ca0000000000000ull, 0x4330000000000000ull,
      0x4340000000000000ull, 0x36a0000000000000ull, 0x47efffffe0000000ull, 0x47efffffffffffffull,
      0x3810000000000000ull, 0x380fffffffffffffull, 0xbfe8000000000000ull};
  return c[below(sizeof c / sizeof c[0])];
}
static uint32_t gen_f32(void) {
  int r = (int)below(100);
  if (r < 35) return f32_special();
  if (r < 75) { /* moderate magnitudes, so sums and products stay finite and round */
    uint32_t e = (uint32_t)(127 - 20 + below(41));
    return (uint32_t)(chance(50) << 31) | e << 23 | (uint32_t)(rnd() & 0x7fffff);
  }
  if (r < 87) { /* integer-valued, for conversions */
    float f = (float)(int32_t)((uint32_t)rnd() >> below(32));
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
  }
  return (uint32_t)rnd();
}
static uint64_t gen_f64(void) {
  int r = (int)below(100);
  if (r < 35) return f64_special();
  if (r < 75) {
    uint64_t e = 1023 - 40 + below(81);
    return (uint64_t)chance(50) << 63 | e << 52 | (rnd() & 0xfffffffffffffull);
  }
  if (r < 87) {
    double d = (double)(int64_t)(rnd() >> below(64));
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
  }
  return rnd();
}

/* --------------------------------------------------------------------- operand specs -- */

enum { K_INT, K_HI8, K_GARB, K_CNT, K_PS, K_PD, K_SS, K_SD, K_VB, K_VW, K_VD, K_VQ, K_VCNT };

typedef struct { int reg, kind, width; } Operand;
typedef struct {
  const Form *f;
  Operand op[4];
  int nop;
  int destWidth;    /* width of the first integer operand: the shift/rotate operand size */
  bool hasXmm, fp;  /* fp: MXCSR is randomized (rounding, FTZ/DAZ, sticky flags) */
  int countReg;     /* register holding a CL count, or -1 */
} Plan;

static const char *const gprName[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("gen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static int parse_reg(const char *s, size_t n) {
  for (int i = 0; i < 16; i++)
    if (strlen(gprName[i]) == n && !strncmp(gprName[i], s, n)) return i;
  if (n > 3 && !strncmp(s, "xmm", 3)) {
    int x = atoi(s + 3);
    if (x >= 0 && x < 16) return 16 + x;
  }
  return -1;
}

static void parse_spec(const Form *f, Plan *p) {
  static const struct { const char *k; int kind, width; } kinds[] = {
      {"w8", K_INT, 8},   {"w16", K_INT, 16}, {"w32", K_INT, 32}, {"w64", K_INT, 64},
      {"h8", K_HI8, 8},   {"g", K_GARB, 64},  {"c", K_CNT, 8},    {"ps", K_PS, 32},
      {"pd", K_PD, 64},   {"ss", K_SS, 32},   {"sd", K_SD, 64},   {"b", K_VB, 8},
      {"w", K_VW, 16},    {"d", K_VD, 32},    {"q", K_VQ, 64},    {"x", K_VCNT, 64}};
  memset(p, 0, sizeof *p);
  p->f = f;
  p->countReg = -1;
  const char *s = f->spec;
  while (*s) {
    while (*s == ' ') s++;
    if (!*s) break;
    const char *colon = strchr(s, ':');
    if (!colon) die("%s: bad spec '%s'", f->name, f->spec);
    const char *end = colon + 1;
    while (*end && *end != ' ') end++;
    Operand o = {parse_reg(s, (size_t)(colon - s)), -1, 0};
    size_t kl = (size_t)(end - colon - 1);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
      if (strlen(kinds[i].k) == kl && !strncmp(kinds[i].k, colon + 1, kl))
        o.kind = kinds[i].kind, o.width = kinds[i].width;
    if (o.reg < 0 || o.kind < 0 || p->nop == 4) die("%s: bad spec '%s'", f->name, f->spec);
    if (o.reg >= 16) p->hasXmm = true;
    if (o.kind == K_CNT) p->countReg = o.reg;
    if (!p->destWidth && (o.kind == K_INT || o.kind == K_HI8)) p->destWidth = o.width;
    p->op[p->nop++] = o;
    s = end;
  }
  if (f->fl == FL_SHL || f->fl == FL_SAR || f->fl == FL_ROT || f->fl == FL_RC || f->fl == FL_SHXD)
    if (!p->destWidth) die("%s: shift without an integer operand", f->name);
  p->fp = p->hasXmm && (!strcmp(f->family, "sse_fp") || f->mode == 32);
}

/* Fills one operand. Integer values sit in the low bits with garbage above (32 bits in mode 32). */
static void gen_operand(const Plan *p, const Operand *o, Regs *r) {
  uint64_t top = p->f->mode == 32 ? 0xffffffffull : ~0ull;
  if (o->reg < 16) {
    uint64_t v;
    switch (o->kind) {
    case K_INT: v = gen_int(o->width) | (upper_fill() & ~maskw(o->width)); break;
    case K_HI8: v = gen_int(8) << 8 | (upper_fill() & ~0xff00ull); break;
    case K_CNT: v = gen_count() | (chance(50) ? rnd() & ~0xffull : 0); break;
    default: v = rnd(); break;
    }
    r->gpr[o->reg] = v & top;
    return;
  }
  uint64_t *x = r->xmm[o->reg - 16];
  switch (o->kind) {
  case K_PS:
    x[0] = gen_f32() | (uint64_t)gen_f32() << 32;
    x[1] = gen_f32() | (uint64_t)gen_f32() << 32;
    break;
  case K_SS: x[0] = gen_f32() | (rnd() & ~0xffffffffull), x[1] = rnd(); break;
  case K_PD: x[0] = gen_f64(), x[1] = gen_f64(); break;
  case K_SD: x[0] = gen_f64(), x[1] = rnd(); break;
  case K_VB: case K_VW: case K_VD: case K_VQ: {
    int lw = o->width;
    for (int h = 0; h < 2; h++) {
      uint64_t q = 0;
      for (int sh = 0; sh < 64; sh += lw) q |= (chance(40) ? edge_int(lw) : rnd() & maskw(lw)) << sh;
      x[h] = q;
    }
    break;
  }
  case K_VCNT: {
    static const uint64_t c[] = {0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255,
                                 1ull << 32, 1ull << 63, 0x100000001ull};
    x[0] = chance(75) ? c[below(sizeof c / sizeof c[0])] : chance(50) ? below(80) : rnd();
    x[1] = rnd();
    break;
  }
  default: x[0] = rnd(), x[1] = rnd(); break;
  }
}

/* Low w bits of an operand's value (bits 15:8 for a high-byte operand). */
static uint64_t opnd_get(const Regs *r, const Operand *o) {
  uint64_t v = r->gpr[o->reg];
  return o->kind == K_HI8 ? (v >> 8) & 0xff : v & maskw(o->width);
}
static void opnd_set(Regs *r, const Operand *o, uint64_t v) {
  if (o->kind == K_HI8)
    r->gpr[o->reg] = (r->gpr[o->reg] & ~0xff00ull) | (v & 0xff) << 8;
  else
    r->gpr[o->reg] = (r->gpr[o->reg] & ~maskw(o->width)) | (v & maskw(o->width));
}

typedef __int128 i128;
typedef unsigned __int128 u128;

static i128 sext(uint64_t v, int w) {
  return w >= 64 ? (i128)(int64_t)v : (i128)(int64_t)(v << (64 - w)) >> (64 - w);
}

/*
 * DIV/IDIV inputs: operands are (AX, divisor) for 8-bit, else (rAX, rDX, divisor). Most records
 * build dividend = q * d + r with q in range, so the division succeeds; about one in ten divides
 * by zero or overflows on purpose and records #DE.
 */
static void gen_div(const Plan *p, Regs *r, bool sgn) {
  const Operand *dv = &p->op[p->nop - 1];
  int w = dv->width;
  uint64_t m = maskw(w);
  u128 dividend;
  uint64_t d;
  int kind = (int)below(100);
  u128 wide = (u128)rnd() << 64 | rnd();
  u128 m2 = w == 64 ? ~(u128)0 : ((u128)1 << (2 * w)) - 1;
  if (kind < 5) {
    d = 0, dividend = wide & m2;
  } else if (!sgn) {
    d = gen_int(w) & m;
    if (!d) d = 1;
    if (kind < 10) { /* high half >= divisor: quotient does not fit */
      uint64_t hi = d + below(m - d + 1);
      dividend = (u128)hi << w | (rnd() & m);
    } else {
      u128 q = gen_int(w), rem = rnd() % d;
      dividend = q * d + rem;
    }
  } else {
    i128 sd = sext(gen_int(w), w);
    if (!sd) sd = 1;
    d = (uint64_t)sd & m;
    if (kind < 10) {
      if (chance(50)) d = m, dividend = (u128)(-((i128)1 << (w - 1))) & m2; /* MIN / -1 */
      else dividend = wide & m2;
    } else {
      i128 q = sext(gen_int(w), w), prod = q * sd;
      u128 ad = sd < 0 ? (u128)(-sd) : (u128)sd;
      i128 rem = (i128)((((u128)rnd() << 64) | rnd()) % ad);
      if (prod < 0 || (prod == 0 && chance(50))) rem = -rem;
      dividend = (u128)(prod + rem) & m2;
    }
  }
  opnd_set(r, dv, d);
  if (w == 8) {
    opnd_set(r, &p->op[0], (uint64_t)dividend);
  } else {
    opnd_set(r, &p->op[0], (uint64_t)dividend & m);
    opnd_set(r, &p->op[1], (uint64_t)(dividend >> w) & m);
  }
}

static uint64_t gen_imm(const Form *f, int index) {
  int bits = 8 * f->immBytes;
  switch (f->immKind) {
  case IK_N: return gen_int(bits);
  case IK_C: return gen_count();
  case IK_P: return (uint64_t)(index & 7);
  case IK_R: {
    static const uint8_t c[] = {0x00, 0xff, 0xe4, 0x1b, 0x55, 0xaa, 0x4e, 0xb1};
    return chance(20) ? c[below(sizeof c)] : below(256);
  }
  case IK_D: {
    static const uint8_t c[] = {10, 10, 10, 0, 1, 2, 16, 0xff, 7};
    return chance(60) ? c[below(sizeof c)] : below(256);
  }
  case IK_S: return chance(85) ? below(18) : below(256);
  default: return 0;
  }
}

/* ------------------------------------------------------------------------ flag masks -- */

static unsigned shift_count(const Plan *p, const Regs *in, uint64_t imm) {
  if (p->countReg >= 0) return (unsigned)(in->gpr[p->countReg] & 0xff);
  if (p->f->immKind == IK_C) return (unsigned)(imm & 0xff);
  return 1; /* the D0/D1 by-one forms */
}

static uint64_t flag_mask(const Plan *p, const Regs *in, uint64_t imm) {
  int w = p->destWidth;
  unsigned mc = shift_count(p, in, imm) & (w == 64 ? 63 : 31); /* the SDM's "masked count" */
  uint64_t m;
  switch (p->f->fl) {
  case FL_ALL: return ARITH;
  case FL_LOGIC: return ARITH & ~AF;
  case FL_MUL: return CF | OF;
  case FL_DIV: return 0;
  case FL_BT: return CF | ZF;
  case FL_BSF: return ZF;
  case FL_LZCNT: return CF | ZF;
  case FL_SHL: /* count 0: untouched. CF undefined once count >= size; OF only for count 1; AF undefined */
    if (!mc) return ARITH;
    m = SF | ZF | PF;
    if ((int)mc < w) m |= CF;
    if (mc == 1) m |= OF;
    return m;
  case FL_SAR:
    if (!mc) return ARITH;
    return SF | ZF | PF | CF | (mc == 1 ? OF : 0);
  case FL_ROT: /* SF ZF AF PF never touched; CF defined for a nonzero masked count; OF only for 1 */
  case FL_RC:
    if (!mc) return ARITH;
    return ARITH & ~(mc == 1 ? 0 : OF);
  case FL_SHXD: /* AF undefined once a shift happens; OF only for 1; counts > size never generated */
    if (!mc) return ARITH;
    return CF | SF | ZF | PF | (mc == 1 ? OF : 0);
  case FL_DAA: return ARITH & ~OF;
  case FL_AAA: return CF | AF;
  case FL_AAM: return SF | ZF | PF;
  }
  die("%s: unknown flag rule", p->f->name);
  return 0;
}

/* ---------------------------------------------------------------------------- output -- */

typedef struct { const char *name; FILE *fp; int records, forms, faults; } Family;
static Family families[16];
static int nfamilies;
static const char *outDir;

static Family *family(const char *name) {
  for (int i = 0; i < nfamilies; i++)
    if (!strcmp(families[i].name, name)) return &families[i];
  if (nfamilies == 16) die("too many families");
  Family *f = &families[nfamilies++];
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.jsonl", outDir, name);
  f->name = name;
  f->fp = fopen(path, "w");
  if (!f->fp) die("cannot write %s", path);
  return f;
}

static void put_xmm(FILE *fp, int i, const uint64_t *x) {
  fprintf(fp, "\"xmm%d\":\"%016" PRIx64 "%016" PRIx64 "\"", i, x[1], x[0]);
}

static void write_record(Family *fam, const Plan *p, const uint8_t *code, size_t len,
                         const Regs *in, const Regs *out, uint64_t mask, int fault) {
  FILE *fp = fam->fp;
  const Form *f = p->f;
  int ngpr = f->mode == 32 ? 8 : 16, nxmm = ngpr;
  uint64_t top = f->mode == 32 ? 0xffffffffull : ~0ull;
  bool inGpr[16] = {0}, inXmm[16] = {0};
  for (int i = 0; i < p->nop; i++) {
    if (p->op[i].reg < 16) inGpr[p->op[i].reg] = true;
    else inXmm[p->op[i].reg - 16] = true;
  }
  fprintf(fp, "{\"f\":\"%s\",\"code\":\"", f->name);
  for (size_t i = 0; i < len; i++) fprintf(fp, "%02x", code[i]);
  fputc('"', fp);
  if (f->mode == 32) fputs(",\"mode\":32", fp);
  fputs(",\"in\":{", fp);
  for (int i = 0; i < ngpr; i++)
    if (inGpr[i]) fprintf(fp, "\"%s\":\"0x%" PRIx64 "\",", gprName[i], in->gpr[i] & top);
  for (int i = 0; i < nxmm; i++)
    if (inXmm[i]) put_xmm(fp, i, in->xmm[i]), fputc(',', fp);
  fprintf(fp, "\"rflags\":\"0x%" PRIx64 "\"", in->rflags);
  if (p->hasXmm) fprintf(fp, ",\"mxcsr\":\"0x%x\"", in->mxcsr);
  fputs("},\"out\":{", fp);
  for (int i = 0; i < ngpr; i++)
    if ((out->gpr[i] & top) != (in->gpr[i] & top))
      fprintf(fp, "\"%s\":\"0x%" PRIx64 "\",", gprName[i], out->gpr[i] & top);
  for (int i = 0; i < nxmm; i++)
    if (memcmp(out->xmm[i], in->xmm[i], 16)) put_xmm(fp, i, out->xmm[i]), fputc(',', fp);
  fprintf(fp, "\"rflags\":\"0x%" PRIx64 "\"", out->rflags & mask);
  if (p->hasXmm) fprintf(fp, ",\"mxcsr\":\"0x%x\"", out->mxcsr);
  fprintf(fp, "},\"mask\":\"0x%" PRIx64 "\"", mask);
  if (fault >= 0) fprintf(fp, ",\"fault\":%d", fault);
  fputs("}\n", fp);
  fam->records++;
  if (fault >= 0) fam->faults++;
}

/* ------------------------------------------------------------------------------ main -- */

static bool cpu_popcnt, cpu_lzcnt, cpu_bmi1, cpu_daz;
static char cpuBrand[49];

static void probe_cpu(void) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d)) cpu_popcnt = c >> 23 & 1;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) cpu_bmi1 = b >> 3 & 1;
  if (__get_cpuid(0x80000001, &a, &b, &c, &d)) cpu_lzcnt = c >> 5 & 1;
  unsigned *w = (unsigned *)cpuBrand;
  for (unsigned i = 0; i < 3; i++)
    if (!__get_cpuid(0x80000002 + i, &w[4 * i], &w[4 * i + 1], &w[4 * i + 2], &w[4 * i + 3]))
      w[4 * i] = 0;
  char *s = cpuBrand;
  while (*s == ' ') s++;
  memmove(cpuBrand, s, strlen(s) + 1);
  static uint8_t fx[512] __attribute__((aligned(16)));
  __asm__ volatile("fxsave %0" : "=m"(fx));
  uint32_t mxcsrMask;
  memcpy(&mxcsrMask, fx + 28, 4);
  cpu_daz = (mxcsrMask ? mxcsrMask : 0xffbf) >> 6 & 1;
}

static bool form_supported(const Form *f) {
  if (!strncmp(f->name, "popcnt", 6)) return cpu_popcnt;
  if (!strncmp(f->name, "lzcnt", 5)) return cpu_lzcnt;
  if (!strncmp(f->name, "tzcnt", 5)) return cpu_bmi1;
  return true;
}

static void run_form(const Form *f) {
  Plan p;
  parse_spec(f, &p);
  Family *fam = family(f->family);
  fam->forms++;
  int n = f->count ? f->count : family_default_count(f->family);
  size_t len = (size_t)(f->end - f->start);
  if (len == 0 || len > 15 || (size_t)f->immBytes > len) die("%s: bad code length %zu", f->name, len);
  rngState = hash_name(f->name, f->mode);
  for (int i = 0; i < n; i++) {
    Regs in;
    memset(&in, 0, sizeof in);
    in.rflags = 0x2;
    for (unsigned b = 0; b < 12; b++)
      if ((ARITH >> b & 1) && chance(50)) in.rflags |= 1u << b;
    in.mxcsr = 0x1f80;
    if (p.fp) {
      if (chance(50)) in.mxcsr |= (uint32_t)below(4) << 13; /* rounding control */
      if (chance(10)) in.mxcsr |= 0x8000;                   /* FTZ */
      if (cpu_daz && chance(10)) in.mxcsr |= 0x40;          /* DAZ */
      if (chance(15)) in.mxcsr |= (uint32_t)below(64);      /* sticky exception flags */
    }
    for (int k = 0; k < p.nop; k++) gen_operand(&p, &p.op[k], &in);

    /* Correlated operands: equal values make CMP/SUB zero, CMPXCHG succeed, FP ops cancel. */
    if (p.nop >= 2 && p.op[0].kind == K_INT && p.op[1].kind == K_INT &&
        p.op[0].width == p.op[1].width && chance(f->special == SP_EQ ? 50 : 10))
      opnd_set(&in, &p.op[0], opnd_get(&in, &p.op[1]));
    if (p.nop >= 2 && p.op[0].reg >= 16 && p.op[1].reg >= 16 && p.op[0].kind == p.op[1].kind &&
        (p.op[0].kind == K_PS || p.op[0].kind == K_PD || p.op[0].kind == K_SS || p.op[0].kind == K_SD)) {
      uint64_t *a = in.xmm[p.op[0].reg - 16], *b = in.xmm[p.op[1].reg - 16];
      int lw = p.op[0].kind == K_PS || p.op[0].kind == K_SS ? 32 : 64;
      for (int lane = 0; lane < 128 / lw; lane++) {
        if (!chance(15)) continue;
        int h = lane * lw / 64, sh = lane * lw % 64;
        uint64_t lm = maskw(lw) << sh, v = a[h] & lm;
        if (chance(30)) v ^= 1ull << (sh + lw - 1); /* x and -x */
        b[h] = (b[h] & ~lm) | v;
      }
    }
    if (f->special == SP_SCAN && chance(20)) opnd_set(&in, &p.op[1], 0);
    if (f->special == SP_DIV || f->special == SP_IDIV) gen_div(&p, &in, f->special == SP_IDIV);

    uint8_t code[16];
    memcpy(code, f->start, len);
    uint64_t imm = 0;
    if (f->immBytes) {
      imm = gen_imm(f, i);
      memcpy(code + len - f->immBytes, &imm, (size_t)f->immBytes);
    }
    /* SHLD/SHRD r16 with a masked count above 16 leave the destination undefined: never made. */
    if (f->fl == FL_SHXD && p.destWidth == 16 && (shift_count(&p, &in, imm) & 31) > 16) {
      if (p.countReg >= 0) in.gpr[p.countReg] = (in.gpr[p.countReg] & ~0x1full) | (in.gpr[p.countReg] & 31) % 17;
      else imm = (imm & ~0x1full) | (imm & 31) % 17, code[len - 1] = (uint8_t)imm;
    }

    Regs out;
    int fault = run_native(code, len, f->mode, &in, &out);
    if (fault >= 0) {
      if (fault != 0 || (f->special != SP_DIV && f->special != SP_IDIV && f->immKind != IK_D))
        die("%s: unexpected fault %d (code %02x...)", f->name, fault, code[0]);
      /* #DE is a fault: nothing was written. Report exactly the input state. */
      out = in;
      write_record(fam, &p, code, len, &in, &out, ARITH, 0);
      continue;
    }
    if (out.gpr[4] != in.gpr[4]) die("%s: rsp changed", f->name);
    write_record(fam, &p, code, len, &in, &out, flag_mask(&p, &in, imm), -1);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  outDir = argv[1];
  probe_cpu();
  native_init();
  bool mode32 = native_has_mode32();
  int skipped = 0;
  char skippedNames[4096] = "";
  for (size_t i = 0; i < NFORMS; i++) {
    const Form *f = &forms[i];
    if ((f->mode == 32 && !mode32) || !form_supported(f)) {
      skipped++;
      if (strlen(skippedNames) + strlen(f->name) + 8 < sizeof skippedNames)
        snprintf(skippedNames + strlen(skippedNames), sizeof skippedNames - strlen(skippedNames),
                 "%s\"%s%s\"", skipped > 1 ? "," : "", f->name, f->mode == 32 ? " (mode 32)" : "");
      continue;
    }
    run_form(f);
  }

  char path[4096];
  snprintf(path, sizeof path, "%s/index.json", outDir);
  FILE *idx = fopen(path, "w");
  if (!idx) die("cannot write %s", path);
  int total = 0, totalForms = 0;
  fprintf(idx, "{\n  \"generator\": \"tools/vectors/gen.c\",\n  \"cpu\": \"%s\",\n", cpuBrand);
  fprintf(idx, "  \"features\": {\"popcnt\": %s, \"lzcnt\": %s, \"bmi1\": %s, \"daz\": %s, \"mode32\": %s},\n",
          cpu_popcnt ? "true" : "false", cpu_lzcnt ? "true" : "false", cpu_bmi1 ? "true" : "false",
          cpu_daz ? "true" : "false", mode32 ? "true" : "false");
  fputs("  \"families\": {\n", idx);
  for (int i = 0; i < nfamilies; i++) {
    Family *f = &families[i];
    fclose(f->fp);
    fprintf(idx, "    \"%s\": {\"forms\": %d, \"records\": %d, \"faults\": %d}%s\n", f->name, f->forms,
            f->records, f->faults, i + 1 < nfamilies ? "," : "");
    fprintf(stderr, "%-8s %4d forms %6d records (%d #DE)\n", f->name, f->forms, f->records, f->faults);
    total += f->records, totalForms += f->forms;
  }
  fprintf(idx, "  },\n  \"forms\": %d,\n  \"records\": %d,\n  \"skipped\": [%s]\n}\n", totalForms,
          total, skippedNames);
  fclose(idx);
  fprintf(stderr, "total    %4d forms %6d records; %d forms skipped; cpu: %s\n", totalForms, total,
          skipped, cpuBrand);
  return 0;
}
