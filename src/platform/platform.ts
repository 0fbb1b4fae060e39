// What the machine needs from its surroundings; Node and the browser each
// implement it (src/platform/node.ts, src/platform/browser.ts). Nothing else in
// src/ outside backends/ and cli/ touches node:* or the DOM.
export interface Platform {
  /** The compiled core (build/core.wasm). */
  loadCore(): Promise<WebAssembly.Module>;
  /** Monotonic milliseconds. */
  now(): number;
  /** Unix time in ms. */
  wallClock(): number;
  /** Let the event loop run (I/O, timers) before continuing. */
  yieldToEvents(): Promise<void>;
  /** Sleep until `ms` elapsed or wake() is called. */
  sleep(ms: number): Promise<void>;
  wake(): void;
}
