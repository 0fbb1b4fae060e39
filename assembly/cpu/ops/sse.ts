// SSE/SSE2/MMX instructions (0F map entries not handled by the integer core).
import { raiseUD } from "../fault";

/** Executes the decoded SSE/MMX instruction, or raises #UD. */
export function sseExec(): void {
  raiseUD();
}

/** 0F AE group 15 (FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, fences, CLFLUSH). */
export function grp15(): void {
  raiseUD();
}
