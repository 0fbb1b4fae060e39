// The only imports core.wasm has. None of them is on a hot path.

// @ts-ignore: decorator
@external("env", "hostLog")
export declare function hostLog(kind: i32, a: i32, b: i32): void;

// @ts-ignore: decorator
@external("env", "hostAbort")
declare function hostAbort(msgOff: usize, fileOff: usize, line: u32, col: u32): void;

/** Wired in as AssemblyScript's `abort` (asconfig "use"): a broken invariant in the
 * core traps after telling the host where. */
export function coreAbort(msg: string | null, file: string | null, line: u32, col: u32): void {
  hostAbort(changetype<usize>(msg), changetype<usize>(file), line, col);
  unreachable();
}
