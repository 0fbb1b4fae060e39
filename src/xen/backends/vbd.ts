// Xen virtual block device numbers (docs/misc/vbd-interface.txt in the Xen tree):
// how a disk name like "xvda" becomes the devid of device/vbd/<devid> and the
// frontend's `virtual-device` key.
//
//   xvd<disk><part>  disk < 16:  202 << 8 | disk << 4 | part   (xvda = 51712, xvdb = 51728)
//                    disk ≥ 16:  1 << 28 | disk << 8 | part     (the "extended" form)
//   sd<disk><part>   disk < 16:  8 << 8 | disk << 4 | part
//   hd[a-d]<part>    3 << 8 | (0 or 64) + part, 22 << 8 | (0 or 64) + part
//   d<disk>[p<part>] 1 << 28 | disk << 8 | part
//   <number>         as given
//
// Disk letters count like spreadsheet columns: a..z, aa..az, ba..

const XVD_MAJOR = 202;
const SD_MAJOR = 8;
const EXTENDED = 1 << 28;
/** Disks the extended form can name (its disk field is 20 bits). */
const MAX_DISK = (1 << 20) - 1;

/** Letters for disk index i: 0 → "a", 25 → "z", 26 → "aa". */
export function diskLetters(i: number): string {
  let s = "";
  let n = i + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(97 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

function lettersToIndex(s: string): number {
  let n = 0;
  for (const c of s) n = n * 26 + (c.charCodeAt(0) - 96);
  return n - 1;
}

/** The name Linux gives Xen disk index i: "xvda", "xvdb", … */
export function xvdName(i: number): string {
  return `xvd${diskLetters(i)}`;
}

/** The vbd number of xvd disk `disk`, partition `part` (0: the whole disk). */
export function xvdNumber(disk: number, part = 0): number {
  if (disk < 16 && part < 16) return (XVD_MAJOR << 8) | (disk << 4) | part;
  return EXTENDED | (disk << 8) | part;
}

/** Parse a vdev (`xvda`, `xvdq2`, `sdb`, `hdc`, `d3p1`, `51712`); null when it is none. */
export function parseVdev(vdev: string): number | null {
  let m = /^xvd([a-z]+)([0-9]*)$/.exec(vdev);
  if (m) {
    const disk = lettersToIndex(m[1]);
    const part = m[2] ? Number(m[2]) : 0;
    if (disk > MAX_DISK || part > 255) return null;
    return xvdNumber(disk, part);
  }
  m = /^sd([a-z]+)([0-9]*)$/.exec(vdev);
  if (m) {
    const disk = lettersToIndex(m[1]);
    const part = m[2] ? Number(m[2]) : 0;
    if (disk < 16 && part < 16) return (SD_MAJOR << 8) | (disk << 4) | part;
    if (disk > MAX_DISK || part > 255) return null;
    return EXTENDED | (disk << 8) | part;
  }
  m = /^hd([a-d])([0-9]*)$/.exec(vdev);
  if (m) {
    const disk = m[1].charCodeAt(0) - 97;
    const part = m[2] ? Number(m[2]) : 0;
    if (part > 63) return null;
    return (((disk < 2 ? 3 : 22) << 8) | ((disk & 1) * 64)) + part;
  }
  m = /^d([0-9]+)(?:p([0-9]+))?$/.exec(vdev);
  if (m) {
    const disk = Number(m[1]);
    const part = m[2] ? Number(m[2]) : 0;
    if (disk > MAX_DISK || part > 255) return null;
    return EXTENDED | (disk << 8) | part;
  }
  if (/^[0-9]{1,10}$/.test(vdev)) {
    const n = Number(vdev);
    return n > 0 && n < 2 ** 31 ? n : null;
  }
  return null;
}
