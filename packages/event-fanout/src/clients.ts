import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { StoredEvent } from '@autoposter/queue';
import type { FanoutMetrics, Transport } from './metrics.ts';
import { streamIdTime } from './stream-ids.ts';

/** Close codes of the contract. */
export const CloseCode = { goingAway: 1001, internalError: 1011, tooSlow: 1013, tokenExpired: 4001 } as const;

export interface ClientLimits {
  /** Bytes queued for a client beyond which it is closed as too slow. */
  maxBufferedBytes: number;
  /** Ping (WebSocket) or comment (SSE) period; a socket that missed a pong by the next one is dropped. */
  heartbeatMs: number;
}

interface ClientOptions {
  limits: ClientLimits;
  metrics: FanoutMetrics;
  /** When the client's token expires (epoch ms), or null. */
  expiresAt: number | null;
}

type DropReason = 'too_slow' | 'token_expired' | 'token_revoked';

/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After a close frame, how long a client gets to answer before its connection is cut. */
const CLOSE_HANDSHAKE_MS = 2_000;

export abstract class Client {
  protected closed = false;
  private readonly closeHandlers: (() => void)[] = [];
  private readonly expiryTimer: NodeJS.Timeout | undefined;
  private readonly sent: ReturnType<FanoutMetrics['sent']['labels']>;

  constructor(
    protected readonly transport: Transport,
    protected readonly options: ClientOptions,
  ) {
    options.metrics.connected.inc({ transport });
    this.sent = options.metrics.sent.labels(transport);
    if (options.expiresAt !== null) {
      this.expiryTimer = setTimeout(() => this.drop('token_expired'), Math.min(MAX_TIMER_MS, Math.max(0, options.expiresAt - Date.now())));
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  /** Sends one event of the stream (`lag` is measured from its append). */
  sendEvent(event: StoredEvent, data: unknown = event.data): void {
    if (this.closed) return;
    this.write(event, data);
    this.sent.inc();
    this.options.metrics.lag.observe(Math.max(0, Date.now() - streamIdTime(event.id)) / 1000);
    if (this.buffered() > this.options.limits.maxBufferedBytes) this.drop('too_slow');
  }

  /** Closes the client on the notifier's initiative, with the contract's code and a reason. */
  drop(reason: DropReason): void {
    if (this.closed) return;
    this.options.metrics.dropped.inc({ transport: this.transport, reason });
    this.close(reason);
  }

  abstract heartbeat(): void;
  abstract shutdown(): void;
  protected abstract write(event: StoredEvent, data: unknown): void;
  protected abstract buffered(): number;
  protected abstract close(reason: DropReason): void;

  /** Called once, whoever closed the connection. */
  protected closedNow(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiryTimer);
    this.options.metrics.connected.dec({ transport: this.transport });
    for (const handler of this.closeHandlers.splice(0)) handler();
  }
}

const closeReasons = {
  too_slow: [CloseCode.tooSlow, 'client too slow: send buffer full'],
  token_expired: [CloseCode.tokenExpired, 'token expired'],
  token_revoked: [CloseCode.tokenExpired, 'token no longer valid'],
} as const;

/**
 * An event's message, serialized once for all the sockets it goes to (every subscriber of a
 * user receives the same StoredEvent object from the hub).
 */
const serialized = new WeakMap<StoredEvent, string>();
function serializedMessage(event: StoredEvent): string {
  let text = serialized.get(event);
  if (text === undefined) serialized.set(event, (text = JSON.stringify({ id: event.id, type: event.type, data: event.data })));
  return text;
}

/** A WebSocket following events: `{id, type, data}` text messages, pings, a bounded send buffer. */
export class SocketClient extends Client {
  private alive = true;

  constructor(
    readonly socket: WebSocket,
    options: ClientOptions,
  ) {
    super('ws', options);
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.closedNow());
    socket.on('error', () => socket.terminate());
  }

  /** A message outside the event stream (`replay.truncated`). */
  sendMessage(message: { type: string; data?: unknown }): void {
    if (!this.closed) this.socket.send(JSON.stringify(message));
  }

  heartbeat(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.options.metrics.dropped.inc({ transport: 'ws', reason: 'heartbeat' });
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  shutdown(): void {
    this.closeWith(CloseCode.goingAway, 'server going away');
  }

  /** The server could not serve it (a replay read failed); the client may reconnect with its last id. */
  fail(): void {
    if (!this.closed) this.closeWith(CloseCode.internalError, 'could not read events; reconnect with last_event_id');
  }

  protected write(event: StoredEvent, data: unknown): void {
    this.socket.send(data === event.data ? serializedMessage(event) : JSON.stringify({ id: event.id, type: event.type, data }));
  }

  protected buffered(): number {
    return this.socket.bufferedAmount;
  }

  protected close(reason: keyof typeof closeReasons): void {
    const [code, text] = closeReasons[reason];
    this.closeWith(code, text);
  }

  private closeWith(code: number, reason: string): void {
    this.socket.close(code, reason);
    // A client that does not read never answers the close frame: cut it rather than wait ws's 30 s.
    setTimeout(() => this.socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
    // Nothing more goes to it, even before its close handshake ends.
    this.closedNow();
  }
}

/** A Server-Sent Events response: `id:` and `data:` lines, comment heartbeats, a bounded buffer. */
export class SseClient extends Client {
  constructor(
    readonly response: ServerResponse,
    options: ClientOptions,
  ) {
    super('sse', options);
    response.on('close', () => this.closedNow());
  }

  /** A state that is not an event of the stream (no `id:`, so the client's Last-Event-ID stays). */
  sendData(data: unknown): void {
    if (!this.closed) this.response.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream normally (after the job's final event). */
  end(): void {
    if (this.closed) return;
    this.response.end();
    this.closedNow();
  }

  heartbeat(): void {
    if (!this.closed) this.response.write(': heartbeat\n\n');
  }

  shutdown(): void {
    this.end();
  }

  protected write(event: StoredEvent, data: unknown): void {
    this.response.write(`id: ${event.id}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  protected buffered(): number {
    return this.response.writableLength;
  }

  protected close(): void {
    // SSE has no close codes: a too slow or expired stream is cut; EventSource reconnects with its Last-Event-ID.
    this.response.destroy();
    this.closedNow();
  }
}

/** Every client of the process: one heartbeat timer for all, and the close on shutdown. */
export class ClientRegistry {
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;

  constructor(heartbeatMs: number) {
    this.timer = setInterval(() => {
      for (const client of this.clients) client.heartbeat();
    }, heartbeatMs);
    this.timer.unref();
  }

  add<C extends Client>(client: C): C {
    this.clients.add(client);
    client.onClose(() => this.clients.delete(client));
    return client;
  }

  /** Every open client. */
  all(): IterableIterator<Client> {
    return this.clients.values();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Closes every WebSocket with 1001 and ends every SSE stream. */
  shutdown(): void {
    clearInterval(this.timer);
    for (const client of [...this.clients]) client.shutdown();
  }
}
