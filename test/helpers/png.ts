/**
 * Just enough PNG decoding to look at a browser screenshot's pixels: 8-bit RGB or RGBA,
 * non-interlaced, which is what Chromium writes. Anything else throws rather than guessing, so a
 * change of format fails loudly instead of making a pixel check pass by accident.
 */
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// PNG colour types this decoder reads, and their channel counts.
const CHANNELS: Readonly<Record<number, number>> = { 2: 3, 6: 4 };

/** A decoded image: `pixels` holds `height` rows of `width * channels` bytes. */
export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  readonly pixels: Buffer;
}

/** Width and height from the IHDR chunk, without decoding pixels. */
export function pngSize(data: Buffer): { width: number; height: number } {
  if (data.length < 24 || !data.subarray(0, 8).equals(SIGNATURE)) {
    throw new Error('not a PNG: bad signature');
  }
  if (data.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: no IHDR first');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

/** Decode `data`. @throws Error for a malformed or unsupported PNG. */
export function decodePng(data: Buffer): PngImage {
  const { width, height } = pngSize(data);
  const bitDepth = data[24];
  const colourType = data[25] ?? -1;
  const interlace = data[28];
  const channels = CHANNELS[colourType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(
      `unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}`,
    );
  }
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= data.length; ) {
    const length = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(data.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) {
    throw new Error(`PNG data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  }
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? (pixels[out + x - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[out - stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= channels ? (pixels[out - stride + x - channels] ?? 0) : 0;
      pixels[out + x] = ((line[x] ?? 0) + predictor(filter, left, up, upLeft)) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How many different RGB colours `image` has (alpha ignored). */
export function distinctColours(image: PngImage): number {
  const seen = new Set<number>();
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    const [r = 0, g = 0, b = 0] = image.pixels.subarray(i, i + 3);
    seen.add((r << 16) | (g << 8) | b);
  }
  return seen.size;
}

/** How many pixels of `image` are exactly the colour `#rrggbb`. */
export function countColour(image: PngImage, hex: string): number {
  const value = Number.parseInt(hex.replace(/^#/, ''), 16);
  let n = 0;
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    const [r = 0, g = 0, b = 0] = image.pixels.subarray(i, i + 3);
    if (((r << 16) | (g << 8) | b) === value) n++;
  }
  return n;
}

function predictor(filter: number | undefined, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return (left + up) >> 1;
    case 4: {
      const p = left + up - upLeft;
      const pa = Math.abs(p - left);
      const pb = Math.abs(p - up);
      const pc = Math.abs(p - upLeft);
      return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
    }
    default:
      throw new Error(`PNG row filter ${filter} is not one of 0-4`);
  }
}
