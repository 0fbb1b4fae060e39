// Guest code disassembly for crash reports, with iced-x86 (loaded only when a
// report is made, so it costs nothing at start-up).
export async function disassemble(bytes: Uint8Array, rip: bigint, bitness: 16 | 32 | 64, max = 4): Promise<string[]> {
  try {
    const iced = await import("iced-x86");
    const decoder = new iced.Decoder(bitness, bytes, iced.DecoderOptions.None);
    decoder.ip = rip;
    const formatter = new iced.Formatter(iced.FormatterSyntax.Gas);
    const out: string[] = [];
    while (decoder.canDecode && out.length < max) {
      const insn = decoder.decode();
      const len = insn.length;
      const start = Number(insn.ip - rip);
      const hex = Array.from(bytes.subarray(start, start + len), (b) => b.toString(16).padStart(2, "0")).join(" ");
      out.push(`${insn.ip.toString(16).padStart(16, "0")}: ${hex.padEnd(30)} ${formatter.format(insn)}`);
      insn.free();
    }
    formatter.free();
    decoder.free();
    return out;
  } catch (e) {
    return [`(no disassembly: ${e instanceof Error ? e.message : e})`];
  }
}
