// @vitest-environment happy-dom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthProvider } from '../auth.tsx';
import { LiveProvider } from './LiveProvider.tsx';
import { ProgressPanel } from './ProgressPanel.tsx';

class FakeSocket {
  static opened: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((close: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  close() {}
  emit(id: string, type: string, data: object) {
    act(() => this.onmessage?.({ data: JSON.stringify({ id, type, data }) }));
  }
}

const JOB = '11111111-1111-4111-8111-111111111111';
const job = (completed: number, failed: number, extra: object = {}) => ({
  job_id: JOB,
  status: 'running',
  total_posts: 2,
  completed_posts: completed,
  failed_posts: failed,
  current_post_id: null,
  current_post_title: 'Oak chair',
  started_at: '2030-01-01T00:00:00.000Z',
  completed_at: null,
  progress_percentage: ((completed + failed) / 2) * 100,
  ...extra,
});

function mount() {
  return render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <AuthProvider>
          <MemoryRouter>
            <LiveProvider>
              <ProgressPanel />
            </LiveProvider>
          </MemoryRouter>
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

beforeEach(() => {
  FakeSocket.opened = [];
  localStorage.clear();
  localStorage.setItem('autoposter.token', 'tok');
  localStorage.setItem('autoposter.activeJob', JSON.stringify({ job_id: JOB, started_at: '2030-01-01T00:00:00.000Z' }));
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('matchMedia', () => ({ matches: false, addEventListener() {}, removeEventListener() {} }));
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) =>
      url === '/app-config.json'
        ? Response.json({ notifier_url: 'http://notifier.test' })
        : url === `/api/jobs/${JOB}`
          ? Response.json(job(0, 0))
          : new Response(null, { status: 404 }),
    ),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('progress panel', () => {
  it('follows the job from the socket, shows failures as they happen, and survives a reload', async () => {
    const first = mount();
    await waitFor(() => expect(FakeSocket.opened).toHaveLength(1));
    const socket = FakeSocket.opened[0]!;
    act(() => socket.onopen?.());
    expect(await screen.findByText('0 / 2')).toBeTruthy();

    socket.emit('10-0', 'job.progress', job(1, 0));
    expect(screen.getByText('1 / 2')).toBeTruthy();
    expect(screen.getByText('50%')).toBeTruthy();
    expect(screen.getByText('Now: Oak chair')).toBeTruthy();
    socket.emit('11-0', 'delivery.updated', { delivery_id: 'd2', post_id: 'p2', channel: 'instagram', status: 'failed', error_message: '(#10) Not allowed' });
    expect(screen.getByText(/\(#10\) Not allowed/)).toBeTruthy();

    // A reload: the panel comes back for the same job and the socket asks for what it missed.
    first.unmount();
    mount();
    await waitFor(() => expect(FakeSocket.opened).toHaveLength(2));
    const again = FakeSocket.opened[1]!;
    expect(again.url).toContain('last_event_id=11-0');
    act(() => again.onopen?.());
    again.emit('10-0', 'job.progress', job(1, 0)); // replayed duplicate
    again.emit('12-0', 'job.progress', job(1, 1, { final: true, status: 'completed', progress_percentage: 100 }));
    expect(await screen.findByText('2 / 2')).toBeTruthy();
    expect(screen.getByText('100%')).toBeTruthy();
    expect(screen.getByText('Posting finished')).toBeTruthy();
    expect(screen.getByText('1 failed')).toBeTruthy();
    again.emit('9-0', 'job.progress', job(0, 0)); // late and out of order: ignored
    expect(screen.getByText('2 / 2')).toBeTruthy();
  });
});
