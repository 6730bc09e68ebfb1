import autocannon, { type Options } from 'autocannon';
import { median, note } from './report.ts';

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  /** Discarded load first, so a cold JIT or pool does not count. */
  warmupSeconds?: number;
}

export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
}

export type LoadRequest = Pick<Options, 'url' | 'method' | 'headers' | 'body'>;

/**
 * Measures a server under autocannon, each connection sending its next request as soon as
 * the previous one is answered. A run in which any request failed or answered non-2xx
 * throws: its figures would be measuring errors.
 */
export async function measureLoad(label: string, request: LoadRequest, settings: LoadSettings): Promise<LoadFigures> {
  const options = { ...request, connections: settings.connections };
  note(`${label}: ${settings.warmupSeconds ? `warming up ${settings.warmupSeconds}s, ` : ''}measuring ${settings.durationSeconds}s, ${settings.connections} connections`);
  if (settings.warmupSeconds) await autocannon({ ...options, duration: settings.warmupSeconds });
  const result = await autocannon({ ...options, duration: settings.durationSeconds });
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0) throw new Error(`${label}: ${failures} of ${result.requests.total} requests failed or answered non-2xx`);
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    requests: result.requests.total,
  };
}

/**
 * Measures two servers in alternating rounds (a, b, a, b, ...) so that a change in the
 * machine's load during the run weighs on both alike; returns each one's per-round figures.
 */
export async function measureAlternately(
  a: { label: string; request: LoadRequest },
  b: { label: string; request: LoadRequest },
  settings: LoadSettings & { rounds: number },
): Promise<[LoadFigures[], LoadFigures[]]> {
  const { rounds, warmupSeconds, ...round } = settings;
  const warmup = { ...round, durationSeconds: warmupSeconds ?? 0 };
  if (warmupSeconds) {
    await measureLoad(`${a.label} (warm-up)`, a.request, warmup);
    await measureLoad(`${b.label} (warm-up)`, b.request, warmup);
  }
  const figures: [LoadFigures[], LoadFigures[]] = [[], []];
  for (let i = 1; i <= rounds; i++) {
    figures[0].push(await measureLoad(`${a.label}, round ${i}/${rounds}`, a.request, round));
    figures[1].push(await measureLoad(`${b.label}, round ${i}/${rounds}`, b.request, round));
  }
  return figures;
}

/** The median of each figure over rounds. */
export function medianFigures(rounds: LoadFigures[]): LoadFigures {
  const of = (pick: (f: LoadFigures) => number) => median(rounds.map(pick));
  return {
    requestsPerSecond: of((f) => f.requestsPerSecond),
    p50Ms: of((f) => f.p50Ms),
    p99Ms: of((f) => f.p99Ms),
    maxMs: of((f) => f.maxMs),
    requests: rounds.reduce((sum, f) => sum + f.requests, 0),
  };
}
