// SCHEDOP_* argument structs (xen/include/public/sched.h).

import { defineStruct } from "./struct.js";

const H = "xen/include/public/sched.h";

export const SCHEDOP_yield = 0;
export const SCHEDOP_block = 1;
export const SCHEDOP_shutdown = 2;
export const SCHEDOP_poll = 3;
export const SCHEDOP_remote_shutdown = 4;
export const SCHEDOP_shutdown_code = 5;
export const SCHEDOP_watchdog = 6;
export const SCHEDOP_pin_override = 7;

/** SHUTDOWN_* */
export const SHUTDOWN_poweroff = 0;
export const SHUTDOWN_reboot = 1;
export const SHUTDOWN_suspend = 2;
export const SHUTDOWN_crash = 3;
export const SHUTDOWN_watchdog = 4;
export const SHUTDOWN_soft_reset = 5;
export const SHUTDOWN_MAX = 5;

/** SCHEDOP_poll: at most this many ports. */
export const SCHED_POLL_MAX_PORTS = 128;

export const SCHED_SHUTDOWN = defineStruct("sched_shutdown", H, { reason: ["u32", 0] }, 4);
export const SCHED_POLL = defineStruct(
  "sched_poll",
  H,
  { ports: ["handle", 0, 0], nr_ports: ["u32", 8, 4], timeout: ["u64", 16, 8] },
  24,
  16,
);
