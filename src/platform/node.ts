// The Node.js platform: the core from the package's build/ folder, timers from
// node:timers, time from performance.now().
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Platform } from "./platform.js";

let cached: Promise<WebAssembly.Module> | null = null;

/** The package root: src/platform/ under tsx, dist/ when bundled. */
export function packageRoot(): string {
  for (const rel of ["../..", ".."]) {
    const dir = fileURLToPath(new URL(rel + "/", import.meta.url));
    if (existsSync(dir + "package.json") && existsSync(dir + "assembly")) return dir;
    if (existsSync(dir + "package.json") && existsSync(dir + "build/core.wasm")) return dir;
  }
  return fileURLToPath(new URL("../../", import.meta.url));
}

export class NodePlatform implements Platform {
  private wakeUp: (() => void) | null = null;

  loadCore(): Promise<WebAssembly.Module> {
    if (!cached) {
      const path = packageRoot() + "build/core.wasm";
      cached = readFile(path).then(
        (b) => WebAssembly.compile(b),
        () => {
          throw new Error(`xpvh: ${path} is missing; run \`npm run build\` first`);
        },
      );
    }
    return cached;
  }
  now(): number {
    return performance.now();
  }
  wallClock(): number {
    return Date.now();
  }
  yieldToEvents(): Promise<void> {
    return new Promise((r) => setImmediate(r));
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      const self = this;
      function done() {
        clearTimeout(t);
        self.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }
  wake(): void {
    this.wakeUp?.();
  }
}
