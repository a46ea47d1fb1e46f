import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { HostMessage } from '../../shared/api/protocol.js';
import type { ApiHandlers } from '../api/handlers.js';
import { serveConnection, type ConnectionLimits, type HostConnection } from '../host/api-server.js';
import {
  isOwnHost,
  pageAccess,
  sameToken,
  securityHeaders,
  staticTarget,
  tokenCookie,
} from './http-guards.js';

export interface HeadlessServerOptions {
  readonly api: ApiHandlers;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token: string;
  /** The built renderer (dist/renderer); null serves the API only. */
  readonly staticDir: string | null;
  readonly log?: (line: string) => void;
  /** Scrubs credentials from error messages sent to clients (the App's redactor). */
  readonly redact?: (text: string) => string;
  /** Per-connection caps (subscriptions, unread bytes); defaults in api-server. */
  readonly limits?: Partial<ConnectionLimits>;
}

export interface HeadlessServer {
  readonly port: number;
  /** The address to open, token included. */
  readonly url: string;
  close(): Promise<void>;
}

/** WebSocket close code for a refused token (4000-4999 are the application's to define). */
export const CLOSE_UNAUTHORIZED = 4401;
/** What a binary frame is answered with: the protocol is JSON text only. */
export const BINARY_FRAMES_REFUSED = 'binary frames are not supported: send JSON text frames';
const MAX_MESSAGE_BYTES = 1 << 20;
const HOST = '127.0.0.1';
/** How long a closed slow reader may take to read its close frame before it is cut off. */
const CLOSE_GRACE_MS = 5_000;

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

/**
 * The headless host's transport: the renderer as static files and the API as a WebSocket at
 * /api, both on 127.0.0.1 only. Every request must name this host in its Host header (no DNS
 * rebinding) and present the per-run token (the files: in the query or its cookie; the
 * socket: in the query). A browser connection must also come from this host's own origin, so
 * another site open in the same browser cannot drive the workstation. No request, however
 * malformed, can throw out of a handler: each is answered 400/401/404 or 500 and logged.
 */
export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const log = options.log ?? (() => undefined);
  const http = createServer((request, response) => {
    try {
      answerHttp(options, port, request, response);
    } catch (error) {
      log(`http: ${request.method ?? '?'} request failed: ${messageOf(error)}`);
      if (!response.headersSent) plain(response, 500, 'internal error\n');
      else response.destroy();
    }
  });
  // Unparseable requests (bad header characters, headers over Node's 16 KiB cap) never reach
  // the handler; answer them instead of leaving the socket to time out.
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return;
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', (error) => {
      log(`websocket upgrade: ${error.message}`);
    });
    try {
      upgrade(request, socket, head);
    } catch (error) {
      log(`websocket upgrade failed: ${messageOf(error)}`);
      socket.destroy();
    }
  });

  const upgrade = (request: IncomingMessage, socket: Socket, head: Buffer): void => {
    const refuseHttp = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!isOwnHost(request.headers.host, port)) {
      refuseHttp('421 Misdirected Request');
      return;
    }
    const url = parseTarget(request.url);
    if (url === null || url.pathname !== '/api') {
      refuseHttp(url === null ? '400 Bad Request' : '404 Not Found');
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
      serveConnection(options.api, websocketConnection(ws, log), {
        log,
        ...(options.redact === undefined ? {} : { redact: options.redact }),
        ...(options.limits === undefined ? {} : { limits: options.limits }),
      });
    });
  };

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The request target as a URL on this host, or null when it cannot be parsed as one. */
function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', `http://${HOST}`);
  } catch {
    return null;
  }
}

function refuse(ws: WebSocket, message: string): void {
  const body: HostMessage = { type: 'error', error: { kind: 'unauthorized', message } };
  ws.send(JSON.stringify(body), () => {
    ws.close(CLOSE_UNAUTHORIZED, 'unauthorized');
  });
}

function websocketConnection(ws: WebSocket, log: (line: string) => void): HostConnection {
  const reply = (message: HostMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  // A frame ws itself refuses (over maxPayload, invalid UTF-8) closes the socket with 1009/1007;
  // the error is logged here so it never surfaces as an unhandled 'error' event.
  ws.on('error', (error) => {
    log(`websocket error: ${error.message}`);
  });
  return {
    send: reply,
    onMessage(listener) {
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (isBinary) {
          reply({ type: 'error', error: { kind: 'bad_request', message: BINARY_FRAMES_REFUSED } });
          return;
        }
        let decoded: unknown;
        try {
          decoded = JSON.parse(rawText(data));
        } catch {
          reply({
            type: 'error',
            error: { kind: 'malformed_message', message: 'message is not valid JSON' },
          });
          return;
        }
        listener(decoded);
      });
    },
    onClose(listener) {
      ws.on('close', listener);
    },
    queuedBytes: () => ws.bufferedAmount,
    close(code, reason) {
      ws.close(code, reason);
      // A reader that stopped reading will not read the close frame either: cut it off soon
      // so its queued frames are freed, instead of after ws's 30 s close timeout.
      setTimeout(() => {
        ws.terminate();
      }, CLOSE_GRACE_MS).unref();
    },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function plain(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

function answerHttp(
  options: HeadlessServerOptions,
  port: number,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const host = request.headers.host;
  if (host === undefined || !isOwnHost(host, port)) {
    plain(response, 421, `this host answers only to 127.0.0.1:${port} and localhost:${port}\n`);
    return;
  }
  const headers = securityHeaders(host);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    plain(response, 405, 'only GET and HEAD\n', { ...headers, allow: 'GET, HEAD' });
    return;
  }
  if (options.staticDir === null) {
    plain(response, 404, 'this host serves the API only\n', headers);
    return;
  }
  const target = staticTarget(options.staticDir, request.url ?? '/');
  if (target.kind === 'refused') {
    plain(response, target.status, `${target.message}\n`, headers);
    return;
  }
  const query = parseTarget(request.url)?.searchParams.get('token') ?? null;
  const access = pageAccess(query, request.headers.cookie, options.token);
  if (access.kind === 'refused') {
    plain(response, 401, `${access.message}\n`, headers);
    return;
  }
  let size: number;
  try {
    const stat = statSync(target.file);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch {
    plain(response, 404, 'not found\n', headers);
    return;
  }
  response.writeHead(200, {
    ...headers,
    ...(access.setCookie ? { 'set-cookie': tokenCookie(options.token) } : {}),
    'content-type': CONTENT_TYPES[path.extname(target.file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(target.file);
  stream.on('error', () => {
    response.destroy();
  });
  stream.pipe(response);
}
