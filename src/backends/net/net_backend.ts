// What a network card's other end is: something that takes Ethernet frames from
// the guest and hands frames to it. Frames carry no FCS; a backend may keep the
// buffer it is given (the NIC never reuses it), and the NIC copies what it
// receives into guest memory later (it queues, so a backend may call onReceive
// at any time, e.g. from a socket's data event).
export interface NetBackend {
  /** A frame the guest sent. */
  send(frame: Uint8Array): void;
  /** Set by the NIC: where frames for the guest go. */
  onReceive: ((frame: Uint8Array) => void) | null;
  close(): void | Promise<void>;
}

/** Largest frame either direction carries (a VLAN-tagged 1500-byte MTU frame
 * plus slack, as QEMU's NET_BUFSIZE bounds it): longer ones are dropped. */
export const MAX_FRAME = 65536;
