// The tar stream cut into entries, synchronously, as its bytes arrive: a header (with the
// PAX records and GNU long names before it applied), then its data as views into the
// input, then the next header. Nothing is allocated per entry but the header itself, and
// nothing waits: the caller decides about an entry while it is being read, and a throw
// from the handler stops the stream at that entry.
//
// Why not tar-stream's extractor, which the image import still uses: it makes a readable
// stream, three listeners and a microtask round trip for every entry. On the unpack bench's
// layer of 10,000 small files that was 35–40 ms of the main thread, a third of what GNU tar
// needs for the whole layer (see docs/adr/004-images.md).
//
// Where tar readers differ, this one reads as Go's archive/tar does, which is what Docker and
// containerd unpack with: the archive ends at two zero blocks (what follows is read, hashed
// and counted, never parsed); a lone zero block before more headers is refused; global PAX
// headers are ignored, and so is what came before one; a GNU long name wins over a PAX
// path, and an empty one overrides nothing.
import { decodeHeader, decodeLongName, decodePax, isZeroBlock, TarFormatError, type RawHeader } from './tar-block.ts';

export interface TarHandler {
  /** A header, for every entry in order; a throw stops the stream. */
  entry(header: RawHeader): void;
  /** The next piece of the current entry's data: a view into the input, to use before returning. */
  data(piece: Buffer): void;
  /** The current entry's data is complete; comes for every entry, right after entry() when it has none. */
  end(): void;
}

/** PAX headers and GNU long names larger than this are refused: real ones are a few KiB. */
export const MAX_META_BYTES = 4 * 1024 * 1024;

const BLOCK = 512;

type State = 'header' | 'data' | 'padding' | 'meta' | 'zero' | 'end';

export class TarReader {
  private state: State = 'header';
  /** A header block split across inputs, gathered here. */
  private readonly block = Buffer.alloc(BLOCK);
  private blockBytes = 0;
  /** Data bytes of the current entry, or of the PAX or long name header being gathered, still to come. */
  private missing = 0;
  private padding = 0;
  private meta: { type: string; data: Buffer; at: number } | undefined;
  private pax: Record<string, string> | null = null;
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(private readonly handler: TarHandler) {}

  /** Reads `input` through; the handler runs for every entry and data piece it completes. */
  write(input: Buffer): void {
    let at = 0;
    const length = input.length;
    while (at < length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.missing, length - at);
          this.missing -= take;
          this.handler.data(input.subarray(at, at + take));
          at += take;
          if (this.missing === 0) this.endEntry();
          break;
        }
        case 'padding': {
          const skip = Math.min(this.padding, length - at);
          this.padding -= skip;
          at += skip;
          if (this.padding === 0) this.state = 'header';
          break;
        }
        case 'meta': {
          const meta = this.meta!;
          const take = Math.min(this.missing, length - at);
          input.copy(meta.data, meta.at, at, at + take);
          meta.at += take;
          this.missing -= take;
          at += take;
          if (this.missing === 0) this.endMeta();
          break;
        }
        case 'end':
          return;
        default: {
          // 'header' or 'zero': a whole block, straight from the input when it holds one.
          if (this.blockBytes === 0 && length - at >= BLOCK) {
            this.onBlock(input, at);
            at += BLOCK;
            break;
          }
          const take = Math.min(BLOCK - this.blockBytes, length - at);
          input.copy(this.block, this.blockBytes, at, at + take);
          this.blockBytes += take;
          at += take;
          if (this.blockBytes === BLOCK) {
            this.blockBytes = 0;
            this.onBlock(this.block, 0);
          }
        }
      }
    }
  }

  /** The input is over: throws unless it ended between entries. */
  end(): void {
    const between = this.blockBytes === 0 && this.pax === null && this.longName === undefined && this.longLink === undefined;
    if (((this.state === 'header' || this.state === 'zero') && between) || this.state === 'end') return;
    throw new TarFormatError(`Unexpected end of data: the tar stream stops ${this.state === 'data' || this.state === 'padding' ? "inside an entry's data" : 'inside a header'}`);
  }

  private onBlock(block: Buffer, at: number): void {
    if (isZeroBlock(block, at)) {
      this.state = this.state === 'zero' ? 'end' : 'zero';
      return;
    }
    if (this.state === 'zero') throw new TarFormatError('Invalid tar header: a lone zero block before more entries (the end of an archive is two zero blocks)');
    const header = decodeHeader(block, at);
    if (header.size < 0) throw new TarFormatError('Invalid tar header: its size field is negative');
    switch (header.type) {
      case 'pax-header':
      case 'pax-global-header':
      case 'gnu-long-path':
      case 'gnu-long-link-path':
        if (header.size > MAX_META_BYTES) throw new TarFormatError(`Invalid tar header: a ${header.type} of ${header.size} bytes is larger than the limit of ${MAX_META_BYTES}`);
        this.meta = { type: header.type, data: Buffer.allocUnsafe(header.size), at: 0 };
        this.missing = header.size;
        this.padding = overflow(header.size);
        this.state = 'meta';
        if (this.missing === 0) this.endMeta();
        return;
    }
    if (this.pax !== null) {
      const pax = this.pax;
      this.pax = null;
      if (pax.path) {
        header.name = pax.path;
        header.nameFromPax = true;
      }
      if (pax.linkpath) {
        header.linkname = pax.linkpath;
        header.linkFromPax = true;
      }
      if (pax.size !== undefined) {
        if (!/^\d{1,15}$/.test(pax.size)) throw new TarFormatError(`Invalid tar header: its PAX size record ${JSON.stringify(pax.size)} is not a byte count`);
        header.size = Number(pax.size);
      }
      header.pax = pax;
    }
    // As in Go, an empty long name overrides nothing.
    if (this.longName) {
      header.name = this.longName;
      header.nameFromPax = false;
    }
    if (this.longLink) {
      header.linkname = this.longLink;
      header.linkFromPax = false;
    }
    this.longName = this.longLink = undefined;
    this.missing = header.size;
    this.padding = overflow(header.size);
    this.state = 'data';
    this.handler.entry(header);
    if (this.missing === 0) this.endEntry();
  }

  private endEntry(): void {
    this.state = this.padding > 0 ? 'padding' : 'header';
    this.handler.end();
  }

  private endMeta(): void {
    const { type, data } = this.meta!;
    this.meta = undefined;
    this.state = this.padding > 0 ? 'padding' : 'header';
    if (type === 'pax-header') this.pax = decodePax(data);
    else if (type === 'pax-global-header') {
      // Go hands a global header over as an entry of its own, which Docker and containerd
      // skip: what came before it applies to nothing.
      decodePax(data);
      this.pax = null;
      this.longName = this.longLink = undefined;
    }
    else if (type === 'gnu-long-path') this.longName = decodeLongName(data);
    else this.longLink = decodeLongName(data);
  }
}

/** Padding after `size` bytes of data, to the next block. */
function overflow(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
