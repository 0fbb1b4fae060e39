// QEMU's multiboot-style `-initrd "file1 arg=foo,file2"`: modules separated by
// commas, each a file name optionally followed by a space and that module's
// command line. A doubled comma is a literal comma, so command lines (and file
// names) can contain one: "bzImage earlyprintk=xen,,keep root=/dev/xvda1,initrd.img"
// is bzImage with "earlyprintk=xen,keep root=/dev/xvda1", then initrd.img.

import { ConfigError } from "../machine/config.js";

export interface InitrdModuleSpec {
  file: string;
  cmdline: string;
}

/** QEMU's option-list splitting: at single commas, with ",," a literal comma. */
export function splitCommas(text: string): string[] {
  const pieces: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ",") cur += c;
    else if (text[i + 1] === ",") {
      cur += ",";
      i++;
    } else {
      pieces.push(cur);
      cur = "";
    }
  }
  pieces.push(cur);
  return pieces;
}

export function parseInitrdOption(value: string): InitrdModuleSpec[] {
  if (value.trim() === "") return [];
  return splitCommas(value).map((piece, i) => {
    const text = piece.trim();
    if (text === "") throw new ConfigError(`xpvh: -initrd "${value}": module ${i + 1} has no file name`);
    const space = text.search(/\s/);
    if (space < 0) return { file: text, cmdline: "" };
    return { file: text.slice(0, space), cmdline: text.slice(space + 1).trim() };
  });
}
