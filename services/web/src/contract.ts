// Contract routes (/work/shared/CONTRACT.md) this gateway's OpenAPI document does not describe
// yet: typed by hand from the contract, and tolerant of their absence.
import { fetchJson } from './api/client.ts';

export interface Platform {
  sandbox: boolean;
  providers: { graph_api: string; instagram_graph_api: string; facebook: string };
  version: string;
}

/** `GET /api/platform`, or null when the gateway does not serve it. */
export async function fetchPlatform(): Promise<Platform | null> {
  const response = await fetch('/api/platform').catch(() => null);
  if (!response?.ok) return null;
  return (await response.json()) as Platform;
}

export interface SessionCheck {
  valid: boolean;
  session_age_days: number | null;
  message: string;
  action_required: string | null;
  flow_check?: { ok: boolean; missing: string[] };
}

export const validateSession = (accountId: string, flow?: 'marketplace') =>
  fetchJson<SessionCheck>(`/api/accounts/${accountId}/validate-session`, { method: 'POST', body: JSON.stringify(flow ? { flow } : {}) });

/** Where the dashboard finds the notifier (`GET /app-config.json`, served beside the dashboard). */
export interface AppConfig {
  notifier_url: string | null;
}

export async function fetchAppConfig(): Promise<AppConfig> {
  const response = await fetch('/app-config.json').catch(() => null);
  if (!response?.ok) return { notifier_url: null };
  return (await response.json()) as AppConfig;
}
