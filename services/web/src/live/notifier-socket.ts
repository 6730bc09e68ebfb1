// One WebSocket to the notifier for the signed-in user: reconnects with backoff and asks for
// what it missed with `last_event_id`; the id survives a reload in localStorage.
import { parseLiveEvent, type LiveEvent } from './progress-reducer.ts';

const LAST_EVENT_KEY = 'autoposter.lastEventId';
const TOKEN_EXPIRED = 4001;

export const lastEventStore = {
  get: (): string | null => localStorage.getItem(LAST_EVENT_KEY),
  set: (id: string) => localStorage.setItem(LAST_EVENT_KEY, id),
  clear: () => localStorage.removeItem(LAST_EVENT_KEY),
};

/** `ws(s)://host/ws?token=...&last_event_id=...` from the notifier's public http(s) URL. */
export function socketUrl(notifierUrl: string, token: string, lastEventId: string | null): string {
  const url = new URL('/ws', notifierUrl.replace(/^http/, 'ws'));
  url.searchParams.set('token', token);
  if (lastEventId) url.searchParams.set('last_event_id', lastEventId);
  return url.toString();
}

export interface NotifierConnection {
  close(): void;
}

export function connectNotifier(options: {
  notifierUrl: string;
  token: string;
  onEvent(event: LiveEvent): void;
  onOpenChange(open: boolean): void;
}): NotifierConnection {
  let socket: WebSocket | null = null;
  let retries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const open = () => {
    socket = new WebSocket(socketUrl(options.notifierUrl, options.token, lastEventStore.get()));
    socket.onopen = () => {
      retries = 0;
      options.onOpenChange(true);
    };
    socket.onmessage = (message) => {
      const event = parseLiveEvent(String(message.data));
      if (!event) return;
      if (event.id) lastEventStore.set(event.id);
      options.onEvent(event);
    };
    socket.onclose = (close) => {
      options.onOpenChange(false);
      if (closed || close.code === TOKEN_EXPIRED) return;
      const delay = Math.min(15_000, 500 * 2 ** retries++) * (0.75 + Math.random() / 2);
      timer = setTimeout(open, delay);
    };
  };
  open();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000);
    },
  };
}
