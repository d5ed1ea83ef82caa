import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.ts';
import { answerClientError } from './errorHandler.ts';

export interface ServerLimits {
  /** Time to receive a request's complete headers: a slowloris client is cut off after this. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body. */
  requestTimeoutMs: number;
  /** How often Node checks the two timeouts above; a stalled client lives at most this much longer. */
  checkIntervalMs: number;
  /** Request line plus headers; beyond it Node refuses the request with 431. */
  maxHeaderBytes: number;
}

// Node's own defaults for the timeouts (300 s for a request, checked every 30 s)
// let a client that trickles bytes hold a socket for minutes.
export const SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  maxHeaderBytes: 16 * 1024,
};

/**
 * The HTTP server in front of a Koa app. Requests that Node's parser refuses
 * before Koa sees them (bad syntax, oversized headers, timeouts) get the same
 * JSON error shape, a request id and a log line, as every other refusal.
 */
export function createHttpServer(handler: http.RequestListener, logger: Logger, limits: ServerLimits = SERVER_LIMITS): http.Server {
  const server = http.createServer(
    { connectionsCheckingInterval: limits.checkIntervalMs, maxHeaderSize: limits.maxHeaderBytes, requestTimeout: limits.requestTimeoutMs },
    handler,
  );
  server.headersTimeout = limits.headersTimeoutMs;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, logger));
  // Without a listener Node drops CONNECT requests without a word; this is not a proxy.
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    answerClientError(Object.assign(new Error('CONNECT is not supported'), { code: 'CONNECT_REFUSED' }), socket, logger);
  });
  return server;
}

/**
 * Stops accepting connections and resolves once the requests in flight are
 * answered. Keep-alive connections are closed as soon as they fall idle:
 * server.close() alone closes only those idle at the moment it is called, and
 * one that finishes its request later would hold shutdown for keepAliveTimeout.
 */
export function closeGracefully(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Which settings move a server elsewhere, for the message when it cannot listen. */
export interface ListenSettings {
  port: number;
  host: string;
  /** The variables that set them, e.g. PORT and HOST. */
  portVariable: string;
  hostVariable?: string;
}

/** Why a server could not listen, in one line that names the port and the variable that changes it. */
export function listenFailure(err: NodeJS.ErrnoException, { port, host, portVariable, hostVariable }: ListenSettings): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (EADDRINUSE): stop what listens there or set ${portVariable} to a free port`;
    case 'EACCES':
      return `no permission to listen on port ${port} (EACCES): ports below 1024 need privileges; set ${portVariable} to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${host}:${port} (EADDRNOTAVAIL): ${host} is not an address of this machine${hostVariable ? `; check ${hostVariable}` : ''}`;
    default:
      return `cannot listen on ${host}:${port}: ${err.message}`;
  }
}

/** Starts listening; rejects with one line (listenFailure) instead of an unhandled 'error' event. */
export function listen(server: http.Server, settings: ListenSettings): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new Error(listenFailure(err, settings)));
    server.once('error', failed);
    server.listen(settings.port, settings.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
