// Where can a terminal output stream be cut so that a parser fed up to that point is in its ground state?
//
// A snapshot of the headless terminal (serialize addon) captures the parsed screen, but not a parser
// caught in the middle of an escape sequence or of a UTF-8 character (a pty read can end anywhere).
// VtBoundary follows the bytes the headless terminal has parsed and keeps the incomplete tail (the bytes
// after the last point where the parser was in its ground state). An attaching client receives
// snapshot + tail + the pending chunks + live output, so its parser goes through the same states.
//
// The state machine follows the DEC/xterm parser closely enough for 7-bit sequences (ESC, CSI, OSC,
// DCS/SOS/PM/APC strings, CAN/SUB aborts) and UTF-8 characters; 8-bit C1 controls are not followed.

const GROUND = 0, ESC = 1, ESC_INT = 2, CSI = 3, OSC = 4, STR = 5;
/** A tail longer than this (an absurd OSC or DCS payload) is given up on: the state goes back to ground. */
const MAX_TAIL = 256 * 1024;

export class VtBoundary {
  private state = GROUND;
  private utf8Need = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;

  /** Follow one chunk of output, in stream order. */
  feed(chunk: Uint8Array): void {
    let lastSafe = -1;
    for (let i = 0; i < chunk.length; i++) {
      this.step(chunk[i]);
      if (this.state === GROUND && this.utf8Need === 0) lastSafe = i;
    }
    if (lastSafe === chunk.length - 1) {
      this.tail = [];
      this.tailBytes = 0;
      return;
    }
    // Copy: never keep a reference to a big chunk for the sake of a few bytes.
    const rest = Buffer.from(chunk.subarray(lastSafe + 1));
    if (lastSafe >= 0) {
      this.tail = [rest];
      this.tailBytes = rest.length;
    } else {
      this.tail.push(rest);
      this.tailBytes += rest.length;
    }
    if (this.tailBytes > MAX_TAIL) this.reset();
  }

  /** The bytes after the last ground state: empty when the stream so far ends cleanly. */
  incompleteTail(): Buffer {
    return this.tail.length === 1 ? this.tail[0] : Buffer.concat(this.tail);
  }

  reset(): void {
    this.state = GROUND;
    this.utf8Need = 0;
    this.tail = [];
    this.tailBytes = 0;
  }

  private step(b: number): void {
    // CAN and SUB abort any sequence; ESC starts a new one from any state.
    if (b === 0x18 || b === 0x1a) { this.state = GROUND; this.utf8Need = 0; return; }
    if (b === 0x1b) { this.state = ESC; this.utf8Need = 0; return; }
    switch (this.state) {
      case GROUND:
        if (b < 0x80) this.utf8Need = 0;
        else if (b < 0xc0) { if (this.utf8Need > 0) this.utf8Need--; }
        else if (b < 0xe0) this.utf8Need = 1;
        else if (b < 0xf0) this.utf8Need = 2;
        else if (b < 0xf8) this.utf8Need = 3;
        else this.utf8Need = 0;
        return;
      case ESC:
        if (b === 0x5b) this.state = CSI;            // [
        else if (b === 0x5d) this.state = OSC;       // ]
        else if (b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) this.state = STR; // P X ^ _
        else if (b >= 0x20 && b <= 0x2f) this.state = ESC_INT;
        else if (b >= 0x30 && b <= 0x7e) this.state = GROUND;
        else if (b >= 0x80) { this.state = GROUND; this.step(b); }
        return;                                      // C0 controls are executed inside the sequence
      case ESC_INT:
        if (b >= 0x30 && b <= 0x7e) this.state = GROUND;
        return;
      case CSI:
        if (b >= 0x40 && b <= 0x7e) this.state = GROUND;
        return;
      case OSC:
        if (b === 0x07) this.state = GROUND;         // BEL ends an OSC; ESC \ is handled above
        return;
      case STR:
        return;                                      // ends with ESC \ (ST)
    }
  }
}
