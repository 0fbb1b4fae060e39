// Device models ask the run loop to exit to the host (a virtqueue kick needs its
// backend) through this latch; the loop checks it after every instruction.
export let pendingExit: u32 = 0;
export function requestExit(reason: u32): void {
  pendingExit = reason;
}
export function clearPendingExit(): void {
  pendingExit = 0;
}
export function devicesWantExit(): bool {
  return pendingExit != 0;
}
