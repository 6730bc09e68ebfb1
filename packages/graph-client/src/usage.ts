/** What Meta's usage headers say about how close a caller is to being throttled. */
export interface GraphUsage {
  /** The highest percentage any header reports (call count, CPU time, total time), 0-100+. */
  percent: number;
  /** `estimated_time_to_regain_access` (minutes in the header), in ms; 0 when not throttled. */
  regainAccessMs: number;
}

export const noUsage: GraphUsage = { percent: 0, regainAccessMs: 0 };

function parseJson(value: string | null): unknown {
  if (!value) return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

const numberOr0 = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function percentOf(figures: unknown): number {
  if (!figures || typeof figures !== 'object') return 0;
  const { call_count, total_cputime, total_time, acc_id_util_pct } = figures as Record<string, unknown>;
  return Math.max(numberOr0(call_count), numberOr0(total_cputime), numberOr0(total_time), numberOr0(acc_id_util_pct));
}

/** Reads `X-App-Usage`, `X-Page-Usage`, `X-Ad-Account-Usage` and `X-Business-Use-Case-Usage` (JSON strings). */
export function parseUsage(headers: Headers): GraphUsage {
  let percent = Math.max(
    percentOf(parseJson(headers.get('x-app-usage'))),
    percentOf(parseJson(headers.get('x-page-usage'))),
    percentOf(parseJson(headers.get('x-ad-account-usage'))),
  );
  let regainMinutes = 0;
  const business = parseJson(headers.get('x-business-use-case-usage'));
  if (business && typeof business === 'object') {
    for (const entries of Object.values(business)) {
      for (const entry of Array.isArray(entries) ? entries : []) {
        percent = Math.max(percent, percentOf(entry));
        regainMinutes = Math.max(regainMinutes, numberOr0((entry as Record<string, unknown>)?.estimated_time_to_regain_access));
      }
    }
  }
  return { percent, regainAccessMs: regainMinutes * 60_000 };
}
