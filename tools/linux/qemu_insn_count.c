/* A QEMU TCG plugin that counts the guest instructions QEMU executes, so a
 * Linux boot under Debian's qemu-system-x86_64 can be measured in the same
 * unit as xpvh's interpreter. A `rep` string instruction counts once per
 * iteration, as TCG runs it.
 *
 *   gcc -O2 -shared -fPIC -o /tmp/qemu_insn_count.so tools/linux/qemu_insn_count.c
 *   qemu-system-x86_64 ... -icount shift=0,sleep=off -plugin /tmp/qemu_insn_count.so
 *
 * It prints `qemu_insn_count: N instructions` on stderr when QEMU exits. With
 * QEMU_INSN_PROFILE=<file> it also writes one line per translation-block start
 * address, `<hex address> <instructions>`, to attribute the count to kernel
 * functions with System.map.
 *
 * The declarations below are the few this needs from QEMU's
 * include/qemu/qemu-plugin.h at QEMU_PLUGIN_VERSION 1 (QEMU 7.2, Debian 12),
 * whose binary packages do not ship the header. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
    void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
    void (*cb)(qemu_plugin_id_t id, void *userdata), void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
    enum qemu_plugin_op op, void *ptr, uint64_t imm);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One counter per translation-block start address (open addressing). The
 * inline add is not atomic: exact with one vCPU or -icount, close otherwise. */
#define SLOTS (1u << 20)
static struct slot { uint64_t gva; uint64_t insns; int used; } slots[SLOTS];

static struct slot *slotFor(uint64_t gva) {
  uint64_t h = (gva * 0x9E3779B97F4A7C15ull) >> 44;
  for (uint32_t probe = 0; probe < SLOTS; probe++, h++) {
    struct slot *s = &slots[h & (SLOTS - 1)];
    if (!s->used) {
      s->used = 1;
      s->gva = gva;
    }
    if (s->gva == gva)
      return s;
  }
  return &slots[0]; /* table full: lump the rest together */
}

static void onTranslate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  struct slot *s = slotFor(qemu_plugin_tb_vaddr(tb));
  size_t n = qemu_plugin_tb_n_insns(tb);
  (void)id;
  for (size_t i = 0; i < n; i++)
    qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i),
        QEMU_PLUGIN_INLINE_ADD_U64, &s->insns, 1);
}

static void onExit(qemu_plugin_id_t id, void *userdata) {
  const char *path = getenv("QEMU_INSN_PROFILE");
  FILE *out = path ? fopen(path, "w") : NULL;
  uint64_t total = 0;
  (void)id;
  (void)userdata;
  for (uint32_t i = 0; i < SLOTS; i++) {
    if (slots[i].insns == 0) continue;
    total += slots[i].insns;
    if (out) fprintf(out, "%llx %llu\n", (unsigned long long)slots[i].gva,
                     (unsigned long long)slots[i].insns);
  }
  if (out) fclose(out);
  fprintf(stderr, "qemu_insn_count: %llu instructions\n", (unsigned long long)total);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
    const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  (void)argc;
  (void)argv;
  qemu_plugin_register_vcpu_tb_trans_cb(id, onTranslate);
  qemu_plugin_register_atexit_cb(id, onExit, NULL);
  return 0;
}
