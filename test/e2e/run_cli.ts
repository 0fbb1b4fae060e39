// Runs the built CLI (dist/cli.js) the way a user does and collects what they see.
import { spawnSync } from "node:child_process";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: string; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, ["dist/cli.js", ...args], {
    input: opts.input ?? "",
    timeout: opts.timeoutMs ?? 60_000,
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
