// How a run ended, and the process exit status the CLI reports for it.
export type ExitKind =
  | "poweroff"
  | "reboot"
  | "suspend"
  | "crash"
  | "watchdog"
  | "soft_reset"
  | "triple-fault"
  | "dead"
  | "out-of-memory"
  | "internal-error"
  | "stopped";

export interface MachineExit {
  kind: ExitKind;
  /** Suggested process exit status: 0 poweroff/reboot, 1 guest crash or watchdog,
   * 3 triple fault, 4 dead (halted with interrupts off), 5 out of memory, 70 xpvh bug. */
  status: number;
  /** One line for the user (empty for a clean poweroff). */
  message: string;
  /** Register dump and recent trace for crashes, else empty. */
  detail: string;
}

export function exitStatusOf(kind: ExitKind): number {
  switch (kind) {
    case "poweroff": case "reboot": case "suspend": case "soft_reset": case "stopped": return 0;
    case "crash": case "watchdog": return 1;
    case "triple-fault": return 3;
    case "dead": return 4;
    case "out-of-memory": return 5;
    case "internal-error": return 70;
  }
}
