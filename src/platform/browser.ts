// The browser platform (a Web Worker): the core fetched next to the page,
// timers from setTimeout, event-loop turns from a MessageChannel.
import type { Platform } from "./platform.js";

export class BrowserPlatform implements Platform {
  private wakeUp: (() => void) | null = null;
  private readonly channel = new MessageChannel();
  private readonly turns: (() => void)[] = [];

  constructor(private readonly coreUrl: string | URL) {
    this.channel.port1.onmessage = () => this.turns.shift()?.();
  }

  async loadCore(): Promise<WebAssembly.Module> {
    const res = await fetch(this.coreUrl);
    if (!res.ok) throw new Error(`xpvh: cannot fetch ${this.coreUrl}: HTTP ${res.status}`);
    return WebAssembly.compile(await res.arrayBuffer());
  }
  now(): number {
    return performance.now();
  }
  wallClock(): number {
    return Date.now();
  }
  yieldToEvents(): Promise<void> {
    return new Promise((r) => {
      this.turns.push(r);
      this.channel.port2.postMessage(0);
    });
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeUp = null;
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.wakeUp = done;
    });
  }
  wake(): void {
    this.wakeUp?.();
  }
}
