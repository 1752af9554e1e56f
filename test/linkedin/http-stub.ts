/**
 * A few lines of node:http for what the LinkedIn simulator does not model: exact request
 * capture, arbitrary answers, a server that never answers (timeouts), a closed port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type StubHandler = (request: RecordedRequest, response: ServerResponse) => void;

export interface HttpStub {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replaces the handler for the following requests. */
  handle(handler: StubHandler): void;
  close(): Promise<void>;
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Answers `status` with `body` (an object is sent as JSON). */
export const reply =
  (status: number, body: unknown, headers: Record<string, string> = {}): StubHandler =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

/** Starts a stub on 127.0.0.1 with a free port that records every request. */
export const startHttpStub = async (): Promise<HttpStub> => {
  const requests: RecordedRequest[] = [];
  let handler: StubHandler = reply(500, { message: 'no handler' });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      handler(recorded, response);
    });
  });
  const baseUrl = `${await listen(server)}/v2`;
  return {
    baseUrl,
    requests,
    handle: (next) => {
      handler = next;
    },
    close: () => closeServer(server),
  };
};

/** A server that accepts connections and never answers: only a timeout ends a request. */
export const startSilentServer = async (): Promise<{ baseUrl: string; close(): Promise<void> }> => {
  const server = createServer(() => undefined);
  const baseUrl = `${await listen(server)}/v2`;
  return { baseUrl, close: () => closeServer(server) };
};

/** A base URL on a port nothing listens on (bound, then released). */
export const closedPortUrl = async (): Promise<string> => {
  const server = createServer();
  const url = await listen(server);
  await closeServer(server);
  return `${url}/v2`;
};
