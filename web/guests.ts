// Guests the page offers, listed in guests.json by tools/build_web.mjs (Linux
// appears when the recipe in tools/linux has been built).
export interface WebGuest {
  id: string;
  label: string;
  kernel: string;
  initrd?: string;
  cmdline: string;
  memoryMiB: number;
}

export async function loadGuests(): Promise<WebGuest[]> {
  const res = await fetch("guests.json");
  return res.ok ? res.json() : [];
}
