import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import { fetchJson } from '../api/client.ts';
import { useAuth } from '../auth.tsx';
import { fetchAppConfig } from '../contract.ts';
import { connectNotifier } from './notifier-socket.ts';
import { initialLiveState, liveReducer, type JobProgress, type LiveEvent, type LiveState } from './progress-reducer.ts';

const ACTIVE_JOB_KEY = 'autoposter.activeJob';
const POLL_MS = 2_000;
const CLOSE_AFTER_FINAL_MS = 6_000;

interface ActiveJob {
  job_id: string;
  ws_url?: string;
  /** The post titles of this run's failures are looked up from these. */
  started_at: string;
}

interface Live {
  state: LiveState;
  connected: boolean;
  activeJob: ActiveJob | null;
  watchJob(job: { job_id: string; ws_url?: string }): void;
  dismissJob(): void;
}

const LiveContext = createContext<Live | null>(null);

const readActiveJob = (): ActiveJob | null => {
  try {
    return JSON.parse(localStorage.getItem(ACTIVE_JOB_KEY) ?? 'null') as ActiveJob | null;
  } catch {
    return null;
  }
};

export function LiveProvider({ children }: { children: ReactNode }) {
  const { token } = useAuth();
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(liveReducer, initialLiveState);
  const [connected, setConnected] = useState(false);
  const [activeJob, setActiveJob] = useState(readActiveJob);
  const [notifierUrl, setNotifierUrl] = useState<string | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refreshSoon = useCallback(
    (keys: string[][]) => {
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(() => keys.forEach((queryKey) => void queryClient.invalidateQueries({ queryKey })), 300);
    },
    [queryClient],
  );

  const onEvent = useCallback(
    (event: LiveEvent) => {
      dispatch(event);
      if (event.type === 'delivery.updated') refreshSoon([['posts'], ['post', event.data.post_id], ['errors']]);
      if (event.type === 'account.health') refreshSoon([['accounts']]);
      if (event.type === 'replay.truncated') refreshSoon([['posts'], ['accounts'], ['errors']]);
    },
    [refreshSoon],
  );

  useEffect(() => {
    void fetchAppConfig().then((config) => {
      const fromJob = readActiveJob()?.ws_url;
      setNotifierUrl(config.notifier_url ?? (fromJob ? new URL(fromJob).origin.replace(/^ws/, 'http') : null));
    });
  }, []);

  useEffect(() => {
    if (!token || !notifierUrl) return;
    const connection = connectNotifier({ notifierUrl, token, onEvent, onOpenChange: setConnected });
    return () => connection.close();
  }, [token, notifierUrl, onEvent]);

  // A reload starts from the job's stored state; while the socket is down, poll it.
  useEffect(() => {
    if (!activeJob || !token) return;
    let stopped = false;
    const poll = async () => {
      const job = await fetchJson<JobProgress>(`/api/jobs/${activeJob.job_id}`).catch(() => null);
      if (stopped || !job) return;
      const finished = job.status === 'completed' || job.status === 'failed';
      dispatch({ type: 'seed.job', data: finished ? { ...job, final: true } : job });
    };
    void poll();
    const timer = setInterval(() => {
      if (!connected) void poll();
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [activeJob, token, connected]);

  const current = activeJob ? state.jobs[activeJob.job_id]?.value : undefined;
  useEffect(() => {
    if (!current?.final) return;
    void queryClient.invalidateQueries({ queryKey: ['posts'] });
    const timer = setTimeout(() => {
      localStorage.removeItem(ACTIVE_JOB_KEY);
      setActiveJob(null);
    }, CLOSE_AFTER_FINAL_MS);
    return () => clearTimeout(timer);
  }, [current?.final, queryClient]);

  const watchJob = useCallback((job: { job_id: string; ws_url?: string }) => {
    const next = { job_id: job.job_id, ws_url: job.ws_url, started_at: new Date().toISOString() };
    localStorage.setItem(ACTIVE_JOB_KEY, JSON.stringify(next));
    setActiveJob(next);
    if (job.ws_url) setNotifierUrl((known) => known ?? new URL(job.ws_url!).origin.replace(/^ws/, 'http'));
  }, []);

  const dismissJob = useCallback(() => {
    localStorage.removeItem(ACTIVE_JOB_KEY);
    setActiveJob(null);
  }, []);

  const value = useMemo(() => ({ state, connected, activeJob, watchJob, dismissJob }), [state, connected, activeJob, watchJob, dismissJob]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveProvider');
  return live;
}
