import type { DrillResult } from './drill.ts';
import { BROWSER_EVERY } from './workload.ts';

const seconds = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

/** The figures every drill prints, then its targets as PASS/MISS lines. */
export function formatDrillResult(result: DrillResult): string {
  const { tally } = result;
  const failedBy = Object.entries(tally.failedBy)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  const rows: [string, string][] = [
    ['deliveries', `${tally.deliveries} (browser channels ~${Math.round(100 / BROWSER_EVERY)}%: Chromium is slow; the rest Pages and Instagram)`],
    ['faults injected', result.faults],
    ['posted / failed / canceled', `${tally.posted} / ${tally.failed}${failedBy ? ` (${failedBy})` : ''} / ${tally.canceled}`],
    ['lost', String(tally.lost.length)],
    ['duplicates', String(tally.duplicates.length)],
    ['published after cancel', String(tally.publishedAfterCancel.length)],
    ['failed yet published', String(tally.failedButPublished.length)],
    ['time to recover', `${seconds(result.recoverMs)} (${result.recoverWhat})`],
    ['settled in', `${seconds(result.settleMs)} after the workload${result.settled ? '' : ' (NOT settled)'}`],
    ...Object.entries(result.figures),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `${result.drill}${result.short ? ' (short round)' : ''}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    ...result.targets.map((target) => `  ${target.met ? 'PASS' : 'MISS'} ${target.what}${target.met ? '' : `: ${target.detail}`}`),
  ].join('\n');
}
