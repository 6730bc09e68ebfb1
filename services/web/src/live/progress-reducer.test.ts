import { describe, expect, it } from 'vitest';
import { compareEventIds, initialLiveState, liveReducer, parseLiveEvent, type JobProgress, type LiveAction, type LiveEvent } from './progress-reducer.ts';

const JOB = '11111111-1111-4111-8111-111111111111';
const job = (completed: number, failed = 0, extra: Partial<JobProgress> = {}): JobProgress => ({
  job_id: JOB,
  status: completed + failed === 3 ? 'completed' : 'running',
  total_posts: 3,
  completed_posts: completed,
  failed_posts: failed,
  current_post_id: null,
  current_post_title: `post ${completed + failed}`,
  started_at: '2030-01-01T00:00:00.000Z',
  completed_at: null,
  progress_percentage: Math.round(((completed + failed) / 3) * 100),
  ...extra,
});

const stream: LiveEvent[] = [
  { id: '1700000000000-0', type: 'job.progress', data: job(0) },
  { id: '1700000000001-0', type: 'delivery.updated', data: { delivery_id: 'd1', post_id: 'p1', status: 'posted' } },
  { id: '1700000000001-1', type: 'job.progress', data: job(1) },
  { id: '1700000000002-0', type: 'delivery.updated', data: { delivery_id: 'd2', post_id: 'p2', status: 'failed', error_type: 'captcha' } },
  { id: '1700000000002-1', type: 'job.progress', data: job(1, 1) },
  { id: '1700000000010-0', type: 'account.health', data: { account_id: 'a1', health_status: 'error' } },
  { id: '1700000000011-0', type: 'delivery.updated', data: { delivery_id: 'd3', post_id: 'p3', status: 'posted' } },
  { id: '1700000000011-1', type: 'job.progress', data: job(2, 1, { final: true, status: 'completed' }) },
];

const run = (events: LiveAction[]) => events.reduce(liveReducer, initialLiveState);
const clean = run(stream);

describe('live progress reducer', () => {
  it('follows an ordered stream to the final state', () => {
    expect(clean.lastEventId).toBe('1700000000011-1');
    expect(clean.jobs[JOB]?.value).toMatchObject({ completed_posts: 2, failed_posts: 1, final: true, progress_percentage: 100 });
    expect(clean.failures).toEqual(['d2']);
    expect(clean.deliveries.d3?.value.status).toBe('posted');
    expect(clean.accounts.a1?.value.health_status).toBe('error');
  });

  it('ends in the same state when a reconnect replays events it already had', () => {
    expect(run([...stream.slice(0, 5), ...stream.slice(2)])).toEqual(clean);
    expect(run([...stream, ...stream])).toEqual(clean);
  });

  it('ends in the same state whatever order the events arrive in', () => {
    expect(run([...stream].reverse())).toEqual(clean);
    const shuffled = [stream[4]!, stream[0]!, stream[7]!, stream[2]!, stream[1]!, stream[6]!, stream[3]!, stream[5]!];
    expect(run(shuffled)).toEqual(clean);
  });

  it('never moves a job backwards, and never reopens a finished one', () => {
    const afterFinal = liveReducer(clean, { id: '1700000000099-0', type: 'job.progress', data: job(1) });
    expect(afterFinal.jobs[JOB]?.value.final).toBe(true);
    const late = liveReducer(run(stream.slice(0, 5)), { id: '1700000000000-0', type: 'job.progress', data: job(0) });
    expect(late.jobs[JOB]?.value.completed_posts).toBe(1);
  });

  it('lets a snapshot seed a job without losing newer events', () => {
    const seeded = liveReducer(run(stream.slice(0, 5)), { type: 'seed.job', data: job(0) });
    expect(seeded.jobs[JOB]?.value.failed_posts).toBe(1);
    const fresh = liveReducer(initialLiveState, { type: 'seed.job', data: job(1) });
    expect(fresh.jobs[JOB]?.value.completed_posts).toBe(1);
    expect(fresh.lastEventId).toBeNull();
    // A snapshot further along (polled while the socket was down) moves it on; events then continue.
    const polled = liveReducer(run(stream.slice(0, 3)), { type: 'seed.job', data: job(2) });
    expect(polled.jobs[JOB]?.value.completed_posts).toBe(2);
    const finished = liveReducer(polled, stream[7]!);
    expect(finished.jobs[JOB]?.value.final).toBe(true);
    expect(liveReducer(finished, { type: 'seed.job', data: job(1) }).jobs[JOB]?.value.final).toBe(true);
  });

  it('keeps a failure listed once even when the delivery is updated again', () => {
    const state = run([...stream, { id: '1700000000050-0', type: 'delivery.updated', data: { delivery_id: 'd2', post_id: 'p2', status: 'failed' } }]);
    expect(state.failures).toEqual(['d2']);
  });

  it('flags a truncated replay so views refetch', () => {
    expect(liveReducer(clean, { type: 'replay.truncated' }).truncated).toBe(true);
  });

  it('orders stream ids by number, not text', () => {
    expect(compareEventIds('999-0', '1000-0')).toBeLessThan(0);
    expect(compareEventIds('1000-10', '1000-9')).toBeGreaterThan(0);
    expect(compareEventIds('5-5', '5-5')).toBe(0);
  });

  it('parses known server messages and ignores anything else', () => {
    expect(parseLiveEvent(JSON.stringify(stream[0]))).toEqual(stream[0]);
    expect(parseLiveEvent('{"type":"replay.truncated"}')).toEqual({ type: 'replay.truncated' });
    expect(parseLiveEvent('not json')).toBeNull();
    expect(parseLiveEvent('{"id":"1-0","type":"job.progress","data":{}}')).toBeNull();
    expect(parseLiveEvent('{"id":"1-0","type":"something.else","data":{}}')).toBeNull();
  });
});
