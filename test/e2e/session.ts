// Drives a guest shell through the CLI like a user at a terminal: wait for the
// prompt, type a command, collect what it printed.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

export class Session {
  private proc: ChildProcessWithoutNullStreams;
  output = "";
  stderr = "";
  private exited: Promise<number | null>;
  private waiters: (() => void)[] = [];
  /** Exit status once the process has ended (a guest that dies early fails the wait at once). */
  private status: number | null | undefined;

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ["dist/cli.js", ...args]);
    this.proc.stdout.on("data", (d: Buffer) => {
      this.output += d.toString("utf8");
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString("utf8")));
    this.exited = new Promise((r) => this.proc.on("exit", (code) => r(code)));
    // "close" comes after the last output was read.
    this.proc.on("close", (code, signal) => {
      this.status = code ?? (signal ? -1 : null);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Waits until the output (from `from` on) matches `pattern`; returns the text up to the match end. */
  async expect(pattern: RegExp | string, timeoutMs = 60_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.output.slice(from);
      const m = typeof pattern === "string" ? (text.includes(pattern) ? { index: text.indexOf(pattern), 0: pattern } : null) : pattern.exec(text);
      if (m) return text.slice(0, (m.index ?? 0) + m[0].length);
      const left = deadline - Date.now();
      if (this.status !== undefined) {
        throw new Error(`xpvh exited (${this.status}) while waiting for ${pattern}; output so far:\n${this.output.slice(-2000)}\nstderr:\n${this.stderr}`);
      }
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; output so far:\n${this.output.slice(-2000)}\nstderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Types `cmd` and returns what it printed before the next prompt. */
  async run(cmd: string, prompt = "# ", timeoutMs = 60_000): Promise<string> {
    const from = this.output.length;
    this.proc.stdin.write(cmd + "\n");
    // The prompt may be followed by terminal queries (busybox asks for the cursor position).
    const esc = "(?:\\x1b\\[[0-9;?]*[A-Za-z])*";
    const text = await this.expect(new RegExp(`\\n[^\\n]*${prompt.replace(/[$#]/g, "\\$&")}${esc}$`), timeoutMs, from);
    return text;
  }

  type(text: string): void {
    this.proc.stdin.write(text);
  }

  async exit(timeoutMs = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<null>((_, rej) => (timer = setTimeout(() => rej(new Error("guest did not exit")), timeoutMs))),
      ]);
    } finally {
      clearTimeout(timer); // a pending timer would keep the test process alive
    }
  }

  kill(): void {
    this.proc.kill("SIGKILL");
  }
}
