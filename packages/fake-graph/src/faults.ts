/** Faults scripted per call, and the usage the fake reports in its headers. */

export interface GraphErrorSpec {
  /** HTTP status of the answer (400 unless given; Meta answers 5xx for its own failures). */
  status?: number;
  code: number;
  subcode?: number;
  message?: string;
  type?: string;
  isTransient?: boolean;
  userTitle?: string;
  userMsg?: string;
}

/** Usage figures in percent, per Business Use Case object id (a Page or IG user id). */
export interface BusinessUsage {
  percent: number;
  /** `estimated_time_to_regain_access`, in minutes. */
  etaMinutes?: number;
  type?: string;
}

export interface UsageSettings {
  /** `X-App-Usage` call_count / total_time / total_cputime. */
  app?: number;
  /** `X-Page-Usage` (calls made with a Page token). */
  page?: number;
  business?: Record<string, BusinessUsage>;
}

export type Fault =
  /** Answers this Graph error; nothing is written. Optional usage headers go with it. */
  | { kind: 'error'; error: GraphErrorSpec; usage?: UsageSettings }
  /** The write is committed, then the answer is an HTTP 500 with Meta's transient error body. */
  | { kind: 'error_after_commit' }
  /** The write is committed, then the connection is dropped without an answer. */
  | { kind: 'drop_after_commit' }
  /** The connection is dropped before anything is written. */
  | { kind: 'drop' }
  /** The answer (or the refusal) comes after `ms` (the work is done first, as a slow server does). */
  | { kind: 'slow'; ms: number }
  /** Answers normally, with these usage headers (over `control.usage`). */
  | { kind: 'usage'; usage: UsageSettings };

export interface FaultRule {
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Matched against the path without host prefix and version, e.g. `/123/media_publish`. */
  path: RegExp | string;
  fault: Fault;
  /** How many matching calls it applies to (default 1; with `chance`, every one it picks). */
  times?: number;
  /** The share (0-1) of matching calls it picks at random, for drills; the others go on to the next rule. */
  chance?: number;
}

interface ActiveRule {
  method?: string;
  path: RegExp;
  fault: Fault;
  remaining: number;
  chance?: number;
}

export class FaultScript {
  private rules: ActiveRule[] = [];
  /** How many calls each kind of fault was applied to (a drill's "faults injected"). */
  readonly applied: Partial<Record<Fault['kind'], number>> = {};

  add(rule: FaultRule): void {
    this.rules.push({
      ...(rule.method ? { method: rule.method.toUpperCase() } : {}),
      path: typeof rule.path === 'string' ? new RegExp(rule.path) : rule.path,
      fault: rule.fault,
      remaining: rule.times ?? (rule.chance === undefined ? 1 : Infinity),
      ...(rule.chance === undefined ? {} : { chance: rule.chance }),
    });
  }

  /** The first rule matching the call (and picking it, for a rule with a chance), used up once. */
  take(method: string, path: string): Fault | null {
    const rule = this.rules.find(
      (candidate) =>
        (!candidate.method || candidate.method === method) &&
        candidate.path.test(path) &&
        (candidate.chance === undefined || Math.random() < candidate.chance),
    );
    if (!rule) return null;
    this.applied[rule.fault.kind] = (this.applied[rule.fault.kind] ?? 0) + 1;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule.fault;
  }

  clear(): void {
    this.rules = [];
  }

  get pending(): number {
    return this.rules.length;
  }
}

/** The usage headers of one answer. */
export function usageHeaders(usage: UsageSettings, objectIds: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const app = usage.app ?? 0;
  headers['x-app-usage'] = JSON.stringify({ call_count: app, total_cputime: Math.floor(app / 2), total_time: Math.floor(app / 2) });
  if (usage.page !== undefined) {
    headers['x-page-usage'] = JSON.stringify({ call_count: usage.page, total_cputime: 0, total_time: 0 });
  }
  const entries = objectIds.flatMap((id) => {
    const business = usage.business?.[id];
    if (!business) return [];
    const item = {
      type: business.type ?? 'pages',
      call_count: business.percent,
      total_cputime: Math.floor(business.percent / 2),
      total_time: Math.floor(business.percent / 2),
      estimated_time_to_regain_access: business.etaMinutes ?? 0,
    };
    return [[id, [item]] as const];
  });
  if (entries.length > 0) headers['x-business-use-case-usage'] = JSON.stringify(Object.fromEntries(entries));
  return headers;
}
