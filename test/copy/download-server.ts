/**
 * A tiny loopback HTTP server for download faults the copy must survive: each test registers
 * what a path answers, and the server counts requests per path and keeps their headers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DownloadServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Registers what `path` answers; successive calls for one path answer in turn, the last one repeats. */
  on: (path: string, ...handlers: Handler[]) => void;
  hits: (path: string) => number;
  headersOf: (path: string) => IncomingMessage['headers'][];
  reset: () => void;
  close: () => Promise<void>;
}

export const startDownloadServer = async (): Promise<DownloadServer> => {
  const routes = new Map<string, Handler[]>();
  const seen = new Map<string, IncomingMessage['headers'][]>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const log = seen.get(path) ?? [];
    log.push(req.headers);
    seen.set(path, log);
    const handlers = routes.get(path);
    if (!handlers || handlers.length === 0) {
      res.writeHead(404).end();
      return;
    }
    const handler = handlers.length > 1 ? handlers.shift()! : handlers[0]!;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    on: (path, ...handlers) => routes.set(path, handlers),
    hits: (path) => seen.get(path)?.length ?? 0,
    headersOf: (path) => seen.get(path) ?? [],
    reset: () => {
      routes.clear();
      seen.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** 200 with an exact Content-Length. */
export const serve =
  (body: Buffer): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length });
    res.end(body);
  };

/** Announces the full length, sends `sentBytes`, then drops the connection. */
export const cutAfter =
  (body: Buffer, sentBytes: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length });
    res.write(body.subarray(0, sentBytes), () => res.socket?.destroy());
  };

/** Announces more bytes than it has, sends all it has, then closes the connection cleanly. */
export const overAnnounce =
  (body: Buffer, extra: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length + extra });
    res.write(body, () => res.socket?.end());
  };

/** Gzips the body even though the client asked for identity: more bytes decode than Content-Length says. */
export const gzipped =
  (body: Buffer): Handler =>
  (_req, res) => {
    const packed = gzipSync(body);
    res.writeHead(200, { 'content-type': 'text/csv', 'content-encoding': 'gzip', 'content-length': packed.length });
    res.end(packed);
  };

/** Chunked transfer: no Content-Length at all. */
export const chunked =
  (body: Buffer): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.write(body.subarray(0, 1));
    res.end(body.subarray(1));
  };

/** Sends `sentBytes` of the body and then nothing more, keeping the connection open. */
export const stallAfter =
  (body: Buffer, sentBytes: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length });
    res.write(body.subarray(0, sentBytes));
  };

export const status =
  (code: number): Handler =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/plain' }).end(`status ${code}`);
  };

export const redirect =
  (location: string, code = 302): Handler =>
  (_req, res) => {
    res.writeHead(code, { location }).end();
  };

/** Never answers; `closed` is called once the client gives up on the request (the socket closes). */
export const hang =
  (closed?: () => void): Handler =>
  (_req, res) => {
    res.on('close', () => closed?.());
  };
