/**
 * Turns a row model into what the download endpoint needs: the file's exact byte size and its
 * bytes as a lazy sequence of sizable Buffers. Nothing holds more than one chunk, so a
 * multi-GB file costs a few hundred KiB of memory.
 *
 * Speed: rows are rendered once into a tile of TILE_ROWS rows; every later tile is a native
 * copy of it with only the row id and time bytes patched (csv-rows.ts, TILE_ROWS).
 */
import { putBytes, putPadded, UtcStampWriter } from './csv-format';
import {
  ACTIVITY_ID_DIGITS_AT,
  ACTIVITY_ID_TILE_DIGITS,
  MAX_ROW_BYTES,
  TILE_ROWS,
  rowModel,
  type CsvSpec,
  type RowModel,
} from './csv-rows';

/** About 256 KiB per chunk: large enough that per-write overhead vanishes, small for memory. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

interface Tile {
  bytes: Uint8Array;
  /** rowStart[j] = offset of row j in the tile; rowStart[TILE_ROWS] = tile length. */
  rowStart: number[];
  timeAt: number[];
}

const renderTile = (model: RowModel): Tile => {
  const rowStart = [0];
  const timeAt: number[] = [];
  let length = 0;
  for (let j = 0; j < TILE_ROWS; j++) {
    length += model.rowBytes(j);
    rowStart.push(length);
    timeAt.push(rowStart[j]! + model.timeOffset(j));
  }
  const bytes = new Uint8Array(length);
  for (let j = 0; j < TILE_ROWS; j++) model.writeRow(j, bytes, rowStart[j]!);
  return { bytes, rowStart, timeAt };
};

/** Exact UTF-8 size of the file (header plus every row), without rendering the file. */
export const csvByteSize = (spec: CsvSpec): number => {
  const model = rowModel(spec);
  if (spec.headerChange) {
    // Row by row (header-change.ts): each row's size is that of its rewritten rendering.
    let bytes = model.header.length;
    for (let i = 0; i < spec.rows; i++) bytes += model.rowBytes(i);
    return bytes;
  }
  const fullTiles = Math.floor(spec.rows / TILE_ROWS);
  let partial = 0;
  let tileBytes = 0;
  for (let j = 0; j < TILE_ROWS; j++) {
    const row = model.rowBytes(j);
    tileBytes += row;
    if (j < spec.rows % TILE_ROWS) partial += row;
  }
  return model.header.length + fullTiles * tileBytes + partial;
};

/**
 * The file as consecutive Buffers of roughly `chunkBytes` (whole tiles; the last may be
 * smaller). A generator, so the consumer's pace (backpressure) decides when the next chunk is
 * built; each chunk is a fresh Buffer because the socket may still hold the previous one.
 */
export function* csvChunks(spec: CsvSpec, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<Buffer> {
  const model = rowModel(spec);
  if (spec.rows === 0) {
    yield Buffer.from(model.header);
    return;
  }
  if (spec.headerChange) {
    yield* rowByRowChunks(model, spec.rows, chunkBytes);
    return;
  }
  const tile = renderTile(model);
  const tileLength = tile.bytes.length;
  const tilesPerChunk = Math.max(1, Math.floor(chunkBytes / tileLength));
  const tileCount = Math.ceil(spec.rows / TILE_ROWS);
  const stamps = new UtcStampWriter();
  const idDigits = new Uint8Array(ACTIVITY_ID_TILE_DIGITS);

  let chunk = new Uint8Array(model.header.length + tilesPerChunk * tileLength);
  chunk.set(model.header, 0);
  let used = model.header.length;
  for (let t = 0; t < tileCount; t++) {
    const rowsHere = Math.min(TILE_ROWS, spec.rows - t * TILE_ROWS);
    if (used + tileLength > chunk.length) {
      yield Buffer.from(chunk.buffer, 0, used);
      chunk = new Uint8Array(tilesPerChunk * tileLength);
      used = 0;
    }
    chunk.set(rowsHere === TILE_ROWS ? tile.bytes : tile.bytes.subarray(0, tile.rowStart[rowsHere]), used);
    // The id's high digits are the tile number, the same for every row of the tile.
    if (model.hasActivityId) putPadded(idDigits, 0, t, ACTIVITY_ID_TILE_DIGITS);
    for (let j = 0, i = t * TILE_ROWS; j < rowsHere; j++, i++) {
      if (model.hasActivityId) putBytes(chunk, used + tile.rowStart[j]! + ACTIVITY_ID_DIGITS_AT, idDigits);
      if (model.timeField === 'stamp') stamps.putStamp(chunk, used + tile.timeAt[j]!, model.time(i));
      else stamps.putDate(chunk, used + tile.timeAt[j]!, model.time(i));
    }
    used += tile.rowStart[rowsHere]!;
  }
  yield Buffer.from(chunk.buffer, 0, used);
}

/** The file rendered one row at a time (a changed header, header-change.ts): slower, any row layout. */
function* rowByRowChunks(model: RowModel, rows: number, chunkBytes: number): Generator<Buffer> {
  const size = Math.max(chunkBytes, model.header.length + MAX_ROW_BYTES);
  let chunk = new Uint8Array(size);
  chunk.set(model.header, 0);
  let used = model.header.length;
  for (let i = 0; i < rows; i++) {
    if (used + MAX_ROW_BYTES > chunk.length) {
      yield Buffer.from(chunk.buffer, 0, used);
      chunk = new Uint8Array(size);
      used = 0;
    }
    used = model.writeRow(i, chunk, used);
  }
  yield Buffer.from(chunk.buffer, 0, used);
}
