/**
 * Low-level building blocks of the simulator's CSV: a deterministic hash, RFC 4180 quoting and
 * a fast formatter for LinkedIn's `MM-DD-YYYY HH:MM:SS` (UTC) timestamps. Pure, no I/O.
 */

/**
 * A 32-bit integer mixer (lowbias32) cut to 30 bits: cheap, stateless, good enough to scatter
 * picks. The result stays a small integer (V8 Smi); a full unsigned 32-bit result would be a
 * heap double and make every row several times slower.
 */
export const mix32 = (value: number): number => {
  let x = value | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) & 0x3fffffff;
};

/** FNV-1a over a string: turns the (contract, type, window, seed) key into a 32-bit salt. */
export const hashString = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return mix32(hash);
};

/** Quotes a field when RFC 4180 requires it (comma, double quote, CR or LF). */
export const csvEscape = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** A pool of CSV-ready values, pre-encoded as UTF-8 so rows are assembled byte by byte. */
export interface ValuePool {
  readonly encoded: readonly Uint8Array[];
  readonly bytes: readonly number[];
}

export const valuePool = (raw: readonly string[]): ValuePool => {
  const encoded = raw.map((value) => new Uint8Array(Buffer.from(csvEscape(value), 'utf8')));
  return { encoded, bytes: encoded.map((value) => value.length) };
};

/** Decimal digits of a non-negative integer below 1e15, without building the string. */
export const digitCount = (value: number): number => {
  if (value < 10) return 1;
  if (value < 100) return 2;
  if (value < 1000) return 3;
  if (value < 10_000) return 4;
  if (value < 100_000) return 5;
  let digits = 6;
  for (let limit = 1_000_000; value >= limit; limit *= 10) digits++;
  return digits;
};

// Small copies are faster as a JS loop than as a native Buffer.copy call per field.
/** Writes `bytes` at `offset`; returns the offset after them. */
export const putBytes = (target: Uint8Array, offset: number, bytes: Uint8Array): number => {
  for (let k = 0; k < bytes.length; k++) target[offset + k] = bytes[k]!;
  return offset + bytes.length;
};

/** Writes one byte (a separator or line-ending character). */
export const putByte = (target: Uint8Array, offset: number, byte: number): number => {
  target[offset] = byte;
  return offset + 1;
};

/** Writes a non-negative integer as exactly `width` decimal digits, zero-padded. */
export const putPadded = (target: Uint8Array, offset: number, value: number, width: number): number => {
  let rest = value;
  for (let k = width - 1; k >= 0; k--) {
    const digit = rest % 10;
    target[offset + k] = 48 + digit;
    rest = (rest - digit) / 10;
  }
  return offset + width;
};

/** Writes a non-negative integer in plain decimal. */
export const putInt = (target: Uint8Array, offset: number, value: number): number => putPadded(target, offset, value, digitCount(value));

const DAY_MS = 86_400_000;
/** Length in bytes of a `MM-DD-YYYY HH:MM:SS` stamp and of its date part. */
export const STAMP_BYTES = 19;
export const DATE_BYTES = 10;

/**
 * Writes epoch ms as `MM-DD-YYYY HH:MM:SS` (UTC; 19 bytes for years 1000-9999), LinkedIn's
 * documented createdAt format. Rows arrive in time order, so the date part is cached per
 * day: a Date per row would dominate generation time on multi-GB files.
 */
export class UtcStampWriter {
  private dayStart = Number.NaN;
  private readonly datePart = new Uint8Array(DATE_BYTES);

  /** Writes `MM-DD-YYYY` of the day holding `epochMs`. */
  putDate(target: Uint8Array, offset: number, epochMs: number): number {
    this.moveTo(epochMs);
    return putBytes(target, offset, this.datePart);
  }

  /** Writes `MM-DD-YYYY HH:MM:SS` of `epochMs`. */
  putStamp(target: Uint8Array, offset: number, epochMs: number): number {
    let at = this.putDate(target, offset, epochMs);
    const seconds = Math.floor((epochMs - this.dayStart) / 1000);
    at = putByte(target, at, 32);
    at = putPadded(target, at, Math.floor(seconds / 3600), 2);
    at = putByte(target, at, 58);
    at = putPadded(target, at, Math.floor((seconds % 3600) / 60), 2);
    at = putByte(target, at, 58);
    return putPadded(target, at, seconds % 60, 2);
  }

  private moveTo(epochMs: number): void {
    const offset = epochMs - this.dayStart;
    if (offset >= 0 && offset < DAY_MS) return;
    const day = new Date(epochMs);
    this.dayStart = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
    putPadded(this.datePart, 0, day.getUTCMonth() + 1, 2);
    this.datePart[2] = 45;
    putPadded(this.datePart, 3, day.getUTCDate(), 2);
    this.datePart[5] = 45;
    putPadded(this.datePart, 6, day.getUTCFullYear(), 4);
  }
}
