// x87 floating point (D8-DF escapes) and FWAIT.
import { raiseUD } from "../fault";

export function x87Exec(): void {
  raiseUD();
}

export function fwait(): void {}
