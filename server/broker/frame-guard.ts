// A byte-level bound on MQTT packet sizes. aedes' parser (mqtt-packet) buffers a whole packet
// before anyone sees it, and a packet may announce up to 256 MiB, so a client (even one that
// has not authenticated yet) could make the broker hold that much per connection. This guard
// reads only the fixed headers as the bytes go by and reports the first packet whose announced
// length is over the limit, so the connection can be cut before its body is buffered.

/** MQTT's "remaining length" is a varint of at most four bytes (MQTT 3.1.1 §2.2.3). */
const MAX_LENGTH_BYTES = 4;

export class FrameLengthGuard {
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly limit: number) {}

  /** Feeds the next bytes of the stream; false once a packet is over the limit or malformed. */
  feed(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = 'header';
      } else if (this.state === 'header') {
        this.startPacket();
        i += 1;
      } else if (!this.lengthByte(chunk[i++]!)) {
        return false;
      }
    }
    return true;
  }

  private startPacket(): void {
    this.state = 'length';
    this.length = 0;
    this.multiplier = 1;
    this.lengthBytes = 0;
  }

  private lengthByte(byte: number): boolean {
    this.length += (byte & 0x7f) * this.multiplier;
    this.multiplier *= 128;
    this.lengthBytes += 1;
    if (byte & 0x80) return this.lengthBytes < MAX_LENGTH_BYTES;
    if (this.length > this.limit) return false;
    this.remaining = this.length;
    this.state = this.remaining === 0 ? 'header' : 'body';
    return true;
  }
}
