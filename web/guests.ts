// Guests the page offers: the project's own PVH images, served next to the page.
export interface WebGuest {
  id: string;
  label: string;
  kernel: string;
  cmdline: string;
  memoryMiB: number;
}

export const GUESTS: WebGuest[] = [
  { id: "hello", label: "hello (32-bit)", kernel: "guests/hello.elf", cmdline: "", memoryMiB: 32 },
  { id: "hello64", label: "hello64 (long mode)", kernel: "guests/hello64.elf", cmdline: "", memoryMiB: 32 },
];
