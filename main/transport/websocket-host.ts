import { timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { HostMessage } from '../../shared/api/protocol.js';
import type { ApiHandlers } from '../host/api-handlers.js';
import { serveConnection, type HostConnection } from '../host/api-server.js';

export interface HeadlessServerOptions {
  readonly api: ApiHandlers;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token: string;
  /** The built renderer (dist/renderer); null serves the API only. */
  readonly staticDir: string | null;
  readonly log?: (line: string) => void;
}

export interface HeadlessServer {
  readonly port: number;
  /** The address to open, token included. */
  readonly url: string;
  close(): Promise<void>;
}

/** WebSocket close code for a refused token (4000-4999 are the application's to define). */
export const CLOSE_UNAUTHORIZED = 4401;
const MAX_MESSAGE_BYTES = 1 << 20;
const HOST = '127.0.0.1';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

function sameToken(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The headless host's transport: the renderer as static files and the API as a WebSocket at
 * /api, both on 127.0.0.1 only. A connection must present the per-run token; a browser
 * connection must also come from this host's own origin, so another site open in the same
 * browser cannot drive the workstation.
 */
export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const log = options.log ?? (() => undefined);
  const http = createServer((request, response) => {
    serveStatic(options.staticDir, request, response);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  http.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://${HOST}`);
    if (url.pathname !== '/api') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const origin = request.headers.origin;
      const ownOrigin = `http://${HOST}:${port}`;
      const localhostOrigin = `http://localhost:${port}`;
      if (origin !== undefined && origin !== ownOrigin && origin !== localhostOrigin) {
        refuse(ws, `connections from origin ${origin} are not allowed`);
        return;
      }
      if (!sameToken(url.searchParams.get('token'), options.token)) {
        refuse(ws, 'bad or missing token: open the URL the host printed, token included');
        return;
      }
      serveConnection(options.api, websocketConnection(ws, log), { log });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, HOST, () => {
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;

  return {
    port,
    url: `http://${HOST}:${port}/?token=${options.token}`,
    async close() {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => {
        sockets.close(() => {
          resolve();
        });
      });
      http.closeAllConnections();
      await new Promise<void>((resolve) =>
        http.close(() => {
          resolve();
        }),
      );
    },
  };
}

function refuse(ws: WebSocket, message: string): void {
  const body: HostMessage = { type: 'error', error: { kind: 'unauthorized', message } };
  ws.send(JSON.stringify(body), () => {
    ws.close(CLOSE_UNAUTHORIZED, 'unauthorized');
  });
}

function websocketConnection(ws: WebSocket, log: (line: string) => void): HostConnection {
  return {
    send(message) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    },
    onMessage(listener) {
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (isBinary) {
          listener({ malformed: 'binary frames are not part of the protocol' });
          return;
        }
        let decoded: unknown;
        try {
          decoded = JSON.parse(rawText(data));
        } catch {
          const body: HostMessage = {
            type: 'error',
            error: { kind: 'malformed_message', message: 'message is not valid JSON' },
          };
          ws.send(JSON.stringify(body));
          return;
        }
        listener(decoded);
      });
    },
    onClose(listener) {
      ws.on('close', listener);
      ws.on('error', (error) => {
        log(`websocket error: ${error.message}`);
      });
    },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function serveStatic(root: string | null, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405).end();
    return;
  }
  if (root === null) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('this host serves the API only\n');
    return;
  }
  const pathname = decodeURIComponent(new URL(request.url ?? '/', `http://${HOST}`).pathname);
  const file = path.resolve(root, '.' + (pathname === '/' ? '/index.html' : pathname));
  if (!file.startsWith(path.resolve(root) + path.sep)) {
    response.writeHead(403).end();
    return;
  }
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  if (request.method === 'HEAD') response.end();
  else createReadStream(file).pipe(response);
}
