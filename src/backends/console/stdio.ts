// The terminal as the guest console: output to stdout; input from stdin in raw
// mode when it is a TTY (Ctrl-A x quits, as in QEMU's -nographic), so the guest
// sees every key.
import type { Machine } from "../../machine/machine.js";

export function attachStdio(machine: Machine, input: NodeJS.ReadStream, output: NodeJS.WriteStream): () => void {
  machine.onConsole((b) => output.write(b));
  const tty = input.isTTY === true;
  let escape = false;
  const onData = (chunk: Buffer) => {
    if (tty) {
      for (const byte of chunk) {
        if (escape) {
          escape = false;
          if (byte === 0x78 /* x */) {
            output.write("\r\nxpvh: terminated\r\n");
            machine.stop();
            return;
          }
          if (byte !== 0x01) continue;
        } else if (byte === 0x01) {
          escape = true;
          continue;
        }
        machine.input(Uint8Array.of(byte));
      }
    } else machine.input(chunk);
  };
  if (tty) input.setRawMode(true);
  input.on("data", onData);
  input.on("error", () => {});
  // Don't keep the process alive only for stdin.
  input.unref?.();
  return () => {
    input.off("data", onData);
    if (tty) input.setRawMode(false);
    input.pause();
  };
}
