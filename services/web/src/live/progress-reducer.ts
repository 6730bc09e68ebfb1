// The dashboard's view of the notifier's event stream. Pure, so replays after a reconnect
// (which resend what the client may already have), duplicates and events arriving out of
// order all end in the same state as one clean, ordered pass.

export interface JobProgress {
  job_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  total_posts: number;
  completed_posts: number;
  failed_posts: number;
  current_post_id: string | null;
  current_post_title: string | null;
  started_at: string | null;
  completed_at: string | null;
  progress_percentage: number;
  final?: boolean;
}

export interface DeliveryUpdate {
  delivery_id: string;
  post_id: string;
  status: string;
  channel?: string;
  error_type?: string | null;
  error?: string | null;
  error_message?: string | null;
  [field: string]: unknown;
}

export interface AccountHealth {
  account_id: string;
  health_status?: string;
  [field: string]: unknown;
}

export type LiveEvent =
  | { id: string; type: 'job.progress'; data: JobProgress }
  | { id: string; type: 'delivery.updated'; data: DeliveryUpdate }
  | { id: string; type: 'account.health'; data: AccountHealth }
  | { id?: string; type: 'replay.truncated'; data?: unknown };

interface Versioned<T> {
  eventId: string;
  value: T;
}

export interface LiveState {
  /** The newest event id seen: sent as `last_event_id` when reconnecting. */
  lastEventId: string | null;
  jobs: Record<string, Versioned<JobProgress>>;
  deliveries: Record<string, Versioned<DeliveryUpdate>>;
  accounts: Record<string, Versioned<AccountHealth>>;
  /** Failed deliveries in the order their failure was first seen. */
  failures: string[];
  /** The server could not replay everything missed: views should refetch. */
  truncated: boolean;
}

export const initialLiveState: LiveState = { lastEventId: null, jobs: {}, deliveries: {}, accounts: {}, failures: [], truncated: false };

/**
 * Orders event ids: Redis stream ids ("<ms>-<seq>") numerically, anything else as text.
 * Negative when `a` is older than `b`.
 */
export function compareEventIds(a: string, b: string): number {
  const pa = /^(\d+)-(\d+)$/.exec(a);
  const pb = /^(\d+)-(\d+)$/.exec(b);
  if (pa && pb) {
    const ms = BigInt(pa[1]!) - BigInt(pb[1]!);
    if (ms !== 0n) return ms < 0n ? -1 : 1;
    const seq = BigInt(pa[2]!) - BigInt(pb[2]!);
    return seq === 0n ? 0 : seq < 0n ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const isNewer = (eventId: string, current: Versioned<unknown> | undefined) => !current || compareEventIds(eventId, current.eventId) > 0;

/** A job's progress only moves forward: a late, older event never undoes a newer one or `final`. */
function applyJob(jobs: LiveState['jobs'], eventId: string, progress: JobProgress): LiveState['jobs'] {
  const current = jobs[progress.job_id];
  if (current?.value.final) return jobs;
  if (!isNewer(eventId, current) && !progress.final) return jobs;
  return { ...jobs, [progress.job_id]: { eventId, value: progress } };
}

const settled = (job: JobProgress) => job.completed_posts + job.failed_posts;

/**
 * A snapshot from `GET /api/jobs/:id` (on reload, or polled while the socket is down) has no
 * event id: it replaces the job only when it is further along.
 */
function seedJob(jobs: LiveState['jobs'], snapshot: JobProgress): LiveState['jobs'] {
  const current = jobs[snapshot.job_id];
  if (current && (current.value.final || (!snapshot.final && settled(snapshot) <= settled(current.value)))) return jobs;
  return { ...jobs, [snapshot.job_id]: { eventId: current?.eventId ?? '0-0', value: snapshot } };
}

export type LiveAction = LiveEvent | { type: 'seed.job'; data: JobProgress } | { type: 'reset' };

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  if (action.type === 'reset') return initialLiveState;
  if (action.type === 'replay.truncated') return { ...state, truncated: true };
  if (action.type === 'seed.job') return { ...state, jobs: seedJob(state.jobs, action.data) };

  const id = action.id;
  const lastEventId = state.lastEventId === null || compareEventIds(id, state.lastEventId) > 0 ? id : state.lastEventId;
  const next = { ...state, lastEventId };
  switch (action.type) {
    case 'job.progress':
      return { ...next, jobs: applyJob(state.jobs, id, action.data) };
    case 'delivery.updated': {
      const key = action.data.delivery_id;
      if (!isNewer(id, state.deliveries[key])) return next;
      const failures =
        action.data.status === 'failed' && !state.failures.includes(key) ? [...state.failures, key] : state.failures;
      return { ...next, deliveries: { ...state.deliveries, [key]: { eventId: id, value: action.data } }, failures };
    }
    case 'account.health': {
      const key = action.data.account_id;
      if (!isNewer(id, state.accounts[key])) return next;
      return { ...next, accounts: { ...state.accounts, [key]: { eventId: id, value: action.data } } };
    }
    default:
      return state;
  }
}

/** A server message as an event, or null for anything this client does not know. */
export function parseLiveEvent(raw: string): LiveEvent | null {
  try {
    const message = JSON.parse(raw) as { id?: unknown; type?: unknown; data?: unknown };
    if (message.type === 'replay.truncated') return { type: 'replay.truncated' };
    if (typeof message.id !== 'string' || typeof message.data !== 'object' || message.data === null) return null;
    if (message.type === 'job.progress' && typeof (message.data as JobProgress).job_id === 'string') return message as LiveEvent;
    if (message.type === 'delivery.updated' && typeof (message.data as DeliveryUpdate).delivery_id === 'string') return message as LiveEvent;
    if (message.type === 'account.health' && typeof (message.data as AccountHealth).account_id === 'string') return message as LiveEvent;
    return null;
  } catch {
    return null;
  }
}
