// Interrupts for other vCPUs. The core runs one vCPU at a time; an IPI or an MSI
// addressed to another one is written here and the run ends (EXIT_MAIL) so the
// host can deliver it into that vCPU's saved state, wake it, or start it (INIT,
// STARTUP). Layout: MAIL_OFF holds the count, entries follow at +16.
import {
  CTL_OFF, CTL_NR_VCPUS, CTL_VCPU_ID, MAIL_OFF, MAIL_MAX, MAIL_ENTRY, MAIL_KIND, MAIL_LO, MAIL_DEST, MAIL_FROM, EXIT_MAIL,
} from "../layout";
import { requestExit, pendingExit } from "../virtio/notify";
import { requestCheck } from "../cpu/exec";

/** The machine has vCPUs besides the running one. */
export function otherVcpus(): bool {
  return load<u32>(CTL_OFF + CTL_NR_VCPUS) > 1;
}

export function mailPost(kind: u32, lo: u32, dest: u32): void {
  const n = load<u32>(MAIL_OFF);
  if (n >= MAIL_MAX) return; // the host drains at every exit; a flood loses the excess
  const e = MAIL_OFF + 16 + n * MAIL_ENTRY;
  store<u32>(e + MAIL_KIND, kind);
  store<u32>(e + MAIL_LO, lo);
  store<u32>(e + MAIL_DEST, dest);
  store<u32>(e + MAIL_FROM, load<u32>(CTL_OFF + CTL_VCPU_ID));
  store<u32>(MAIL_OFF, n + 1);
  // A pending virtqueue kick keeps its exit; the host drains the mailbox anyway.
  if (pendingExit == 0) requestExit(EXIT_MAIL);
  requestCheck();
}
