// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectNotifier, lastEventStore, socketUrl } from './notifier-socket.ts';
import type { LiveEvent } from './progress-reducer.ts';

/** A WebSocket stand-in the test drives: it records each connection's URL. */
class FakeSocket {
  static opened: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((close: { code: number }) => void) | null = null;
  closedWith: number | null = null;
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  close(code: number) {
    this.closedWith = code;
  }
  send(event: LiveEvent) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
}

const progress = (id: string, completed: number) =>
  ({ id, type: 'job.progress', data: { job_id: 'j1', completed_posts: completed } }) as unknown as LiveEvent;

beforeEach(() => {
  FakeSocket.opened = [];
  localStorage.clear();
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('notifier connection', () => {
  it('builds the ws URL from the notifier http URL, with the token and the last event id', () => {
    expect(socketUrl('https://notify.example.com', 't.o.k', null)).toBe('wss://notify.example.com/ws?token=t.o.k');
    expect(socketUrl('http://localhost:3001/', 'abc', '17-0')).toBe('ws://localhost:3001/ws?token=abc&last_event_id=17-0');
  });

  it('reconnects after a drop asking for what it missed, and resumes from a reload', () => {
    const events: LiveEvent[] = [];
    const connection = connectNotifier({ notifierUrl: 'http://n.test', token: 'tok', onEvent: (event) => events.push(event), onOpenChange: () => undefined });
    const first = FakeSocket.opened[0]!;
    expect(first.url).toBe('ws://n.test/ws?token=tok');
    first.onopen?.();
    first.send(progress('100-0', 1));
    first.send(progress('101-0', 2));
    first.onmessage?.({ data: 'not json' });
    expect(events).toHaveLength(2);
    expect(lastEventStore.get()).toBe('101-0');

    first.onclose?.({ code: 1006 });
    expect(FakeSocket.opened).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(FakeSocket.opened[1]!.url).toBe('ws://n.test/ws?token=tok&last_event_id=101-0');
    connection.close();
    expect(FakeSocket.opened[1]!.closedWith).toBe(1000);

    // A reload: a new connection starts from the id kept in localStorage.
    connectNotifier({ notifierUrl: 'http://n.test', token: 'tok', onEvent: () => undefined, onOpenChange: () => undefined }).close();
    expect(FakeSocket.opened[2]!.url).toContain('last_event_id=101-0');
  });

  it('backs off between attempts, and stops on an expired token or when closed', () => {
    connectNotifier({ notifierUrl: 'http://n.test', token: 'tok', onEvent: () => undefined, onOpenChange: () => undefined });
    for (let attempt = 0; attempt < 4; attempt++) {
      FakeSocket.opened.at(-1)!.onclose?.({ code: 1006 });
      vi.advanceTimersByTime(500 * 2 ** attempt * 1.25 + 1);
    }
    expect(FakeSocket.opened).toHaveLength(5);
    FakeSocket.opened.at(-1)!.onclose?.({ code: 4001 });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.opened).toHaveLength(5);

    const connection = connectNotifier({ notifierUrl: 'http://n.test', token: 'tok', onEvent: () => undefined, onOpenChange: () => undefined });
    connection.close();
    FakeSocket.opened.at(-1)!.onclose?.({ code: 1000 });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.opened).toHaveLength(6);
  });
});
