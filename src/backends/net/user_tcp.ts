// One guest TCP connection of the user-mode stack, terminated here and carried
// on a host stream (RFC 793 as far as a lossless-ish virtual link needs): the
// guest's SYN opens the host connection and gets SYN-ACK once it is up; guest
// data goes to the stream in order (anything else is dup-ACKed); host data goes
// to the guest in MSS-sized segments within the guest's window, with go-back-N
// retransmission on a timer (the NIC drops frames when the guest has no receive
// buffers); FIN both ways, RST on errors.
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type Tcp } from "./packet.js";

/** A connection to the outside world (node:net in Node). */
export interface TcpStream {
  write(data: Uint8Array): void;
  /** Half-close: the guest sent FIN. */
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
}

export interface TcpEvents {
  onConnect(): void;
  onData(data: Uint8Array): void;
  /** The remote end half-closed. */
  onEnd(): void;
  /** Gone; `error` when it failed or was reset. */
  onClose(error: boolean): void;
}

/** Sends one segment to the guest (the stack adds IP and Ethernet). */
export type SegmentSink = (seq: number, ack: number, flags: number, data?: Uint8Array, mss?: number) => void;

const OUR_WINDOW = 65535;
const MSS = 1460;
const RTO_MS = 300;
const RTO_MAX_MS = 8000;
/** Host data buffered for the guest before the host stream is paused. */
const HIGH_WATER = 256 * 1024;
const LOW_WATER = 64 * 1024;

/** a < b in sequence space. */
const seqLt = (a: number, b: number) => ((a - b) | 0) < 0;

/** connecting: guest SYN seen, host stream not up yet; syn-received: SYN-ACK
 * sent; syn-sent: our SYN to the guest (host-forwarded connection). */
type State = "connecting" | "syn-received" | "syn-sent" | "established" | "closed";

export class TcpConn {
  state: State = "connecting";
  stream: TcpStream | null = null;
  private rcvNxt: number;
  private readonly iss = (Math.random() * 2 ** 32) >>> 0;
  private sndUna: number;
  private sndNxt: number;
  private guestWnd: number;
  private mss: number;
  /** Host bytes not yet acknowledged by the guest (sndUna is its first byte). */
  private buf = new Uint8Array(0);
  private bufLen = 0;
  private hostEnded = false;
  private finSent = false;
  private finAcked = false;
  private guestFin = false;
  private paused = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private rto = RTO_MS;

  /** A connection the guest opens with `syn` (null: one we open towards the
   * guest with open(), for host forwarding). */
  constructor(
    syn: Tcp | null,
    private readonly send: SegmentSink,
    private readonly onDone: () => void,
  ) {
    this.rcvNxt = syn ? (syn.seq + 1) >>> 0 : 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.guestWnd = syn ? syn.window : 0;
    this.mss = Math.min(MSS, syn?.mss || 536);
  }

  /** Active open towards the guest (the host stream is already connected). */
  open(): void {
    this.state = "syn-sent";
    this.send(this.iss, 0, TCP_SYN, undefined, MSS);
    this.sndNxt = (this.iss + 1) >>> 0;
    this.arm();
  }

  /** Host stream callbacks. */
  events(): TcpEvents {
    return {
      onConnect: () => {
        if (this.state !== "connecting") return;
        this.state = "syn-received";
        this.sndNxt = (this.iss + 1) >>> 0;
        this.synAck();
        this.arm();
      },
      onData: (d) => {
        if (this.state === "closed") return;
        this.append(d);
        this.pump();
      },
      onEnd: () => {
        this.hostEnded = true;
        this.pump();
      },
      onClose: (error) => {
        if (this.state === "closed") return;
        if (error || this.state !== "established") {
          this.reset();
          return;
        }
        // A clean close: the guest still gets the data and the FIN; what it
        // sends from now on has nowhere to go.
        this.stream = null;
        this.hostEnded = true;
        this.pump();
      },
    };
  }

  private synAck(): void {
    this.send(this.iss, this.rcvNxt, TCP_SYN | TCP_ACK, undefined, MSS);
  }

  private reset(): void {
    this.send(this.sndNxt, this.rcvNxt, TCP_RST | TCP_ACK);
    this.finish();
  }

  /** The guest's SYN could not be connected: RST it. */
  refuse(): void {
    this.send(0, this.rcvNxt, TCP_RST | TCP_ACK);
    this.finish();
  }

  finish(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stream?.destroy();
    this.onDone();
  }

  private append(d: Uint8Array): void {
    if (this.bufLen + d.length > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.buf.length * 2, this.bufLen + d.length, 4096));
      nb.set(this.buf.subarray(0, this.bufLen));
      this.buf = nb;
    }
    this.buf.set(d, this.bufLen);
    this.bufLen += d.length;
    if (!this.paused && this.bufLen > HIGH_WATER) {
      this.paused = true;
      this.stream?.pause();
    }
  }

  /** Sends what the guest's window allows, then FIN once everything went out. */
  private pump(): void {
    if (this.state !== "established") return;
    let inFlight = (this.sndNxt - this.sndUna) >>> 0;
    if (this.finSent) inFlight--;
    while (inFlight < this.bufLen && inFlight < this.guestWnd) {
      const n = Math.min(this.mss, this.bufLen - inFlight, this.guestWnd - inFlight);
      const data = this.buf.slice(inFlight, inFlight + n);
      this.send(this.sndNxt, this.rcvNxt, TCP_ACK | TCP_PSH, data);
      this.sndNxt = (this.sndNxt + n) >>> 0;
      inFlight += n;
    }
    if (this.hostEnded && !this.finSent && inFlight === this.bufLen) {
      this.send(this.sndNxt, this.rcvNxt, TCP_FIN | TCP_ACK);
      this.sndNxt = (this.sndNxt + 1) >>> 0;
      this.finSent = true;
    }
    if (this.sndNxt !== this.sndUna) this.arm();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.retransmit(), this.rto);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private retransmit(): void {
    this.timer = null;
    if (this.state === "closed") return;
    this.rto = Math.min(this.rto * 2, RTO_MAX_MS);
    if (this.state === "syn-received") {
      this.synAck();
      this.arm();
      return;
    }
    if (this.state === "syn-sent") {
      this.send(this.iss, 0, TCP_SYN, undefined, MSS);
      this.arm();
      return;
    }
    // Go back to the first unacknowledged byte.
    this.sndNxt = this.sndUna;
    this.finSent = false;
    this.pump();
  }

  /** A segment from the guest for this connection. */
  input(t: Tcp): void {
    if (this.state === "closed") return;
    if (t.flags & TCP_RST) {
      this.finish();
      return;
    }
    if (this.state === "syn-sent") {
      // Our SYN answered: SYN-ACK acknowledging it, or nothing.
      if ((t.flags & (TCP_SYN | TCP_ACK)) !== (TCP_SYN | TCP_ACK) || t.ack !== this.sndNxt) return;
      this.rcvNxt = (t.seq + 1) >>> 0;
      this.guestWnd = t.window;
      if (t.mss) this.mss = Math.min(MSS, t.mss);
      this.sndUna = t.ack;
      this.state = "established";
      this.rto = RTO_MS;
      this.clearTimer();
      this.send(this.sndNxt, this.rcvNxt, TCP_ACK);
      this.pump();
      return;
    }
    if (t.flags & TCP_SYN) {
      // A retransmitted SYN: answer again once connected.
      if (this.state === "syn-received") this.synAck();
      return;
    }
    if (this.state === "connecting") return;
    if (!(t.flags & TCP_ACK)) return;
    if (this.state === "syn-received") {
      if (t.ack !== this.sndNxt) {
        this.send(t.ack, 0, TCP_RST);
        return;
      }
      this.state = "established";
      this.sndUna = this.sndNxt;
      this.clearTimer();
    }
    // Acknowledgements.
    this.guestWnd = t.window;
    if (seqLt(this.sndUna, t.ack) && !seqLt(this.sndNxt, t.ack)) {
      let acked = (t.ack - this.sndUna) >>> 0;
      if (this.finSent && t.ack === this.sndNxt) {
        this.finAcked = true;
        acked--;
      }
      acked = Math.min(acked, this.bufLen);
      this.buf.copyWithin(0, acked, this.bufLen);
      this.bufLen -= acked;
      this.sndUna = t.ack;
      this.rto = RTO_MS;
      this.clearTimer();
      if (this.paused && this.bufLen < LOW_WATER) {
        this.paused = false;
        this.stream?.resume();
      }
    }
    // Data and FIN, in order only.
    let ackNeeded = false;
    let data = t.data;
    let seq = t.seq;
    if (data.length && seqLt(seq, this.rcvNxt)) {
      const skip = (this.rcvNxt - seq) >>> 0;
      data = skip >= data.length ? data.subarray(data.length) : data.subarray(skip);
      seq = this.rcvNxt;
      ackNeeded = true;
    }
    if (data.length) {
      if (seq === this.rcvNxt && !this.guestFin) {
        this.stream?.write(data.slice());
        this.rcvNxt = (this.rcvNxt + data.length) >>> 0;
      }
      ackNeeded = true;
    }
    if (t.flags & TCP_FIN && !this.guestFin && ((seq + data.length) >>> 0) === this.rcvNxt) {
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      this.guestFin = true;
      this.stream?.end();
      ackNeeded = true;
    }
    const before = this.sndNxt;
    this.pump();
    if (ackNeeded && this.sndNxt === before) this.send(this.sndNxt, this.rcvNxt, TCP_ACK);
    if (this.guestFin && this.finAcked) this.finish();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.sndNxt !== this.sndUna) this.arm();
  }

  /** Our receive window (fixed: the host stream takes everything). */
  static readonly window = OUR_WINDOW;
}
