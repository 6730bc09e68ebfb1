import { setTimeout as sleep } from 'node:timers/promises';

/** A pause drawn uniformly from [minMs, maxMs]; `{0, 0}` is no pause at all. */
export interface DelayRange {
  minMs: number;
  maxMs: number;
}

export const NO_DELAY: DelayRange = { minMs: 0, maxMs: 0 };

const unitMs: Record<string, number> = { ms: 1, s: 1000 };
const durationMs = (text: string, name: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text.trim());
  if (!match) throw new Error(`${name} is invalid: "${text}" is not a duration like 400ms or 1.5s`);
  return Number(match[1]) * unitMs[match[2]!]!;
};

/** "400ms-1500ms" -> {400, 1500}; "250ms" -> {250, 250}; "0" -> no delay. */
export function parseDelayRange(value: string, name: string): DelayRange {
  const text = value.trim();
  if (text === '0' || text === '') return NO_DELAY;
  const [from, to = from] = text.split('-');
  const range = { minMs: durationMs(from!, name), maxMs: durationMs(to!, name) };
  if (range.maxMs < range.minMs) throw new Error(`${name} is invalid: "${value}" ends before it starts`);
  return range;
}

export const drawDelay = (range: DelayRange) => range.minMs + Math.random() * (range.maxMs - range.minMs);

/** Human pacing: a pause between actions, a delay between keystrokes. */
export class Pacer {
  constructor(
    readonly action: DelayRange,
    readonly typing: DelayRange,
  ) {}

  /** Waits between two actions, as a person reading the page would. */
  async pause(signal?: AbortSignal): Promise<void> {
    const ms = drawDelay(this.action);
    if (ms > 0) await sleep(ms, undefined, { signal });
  }

  /** Delay between keystrokes for `pressSequentially`; 0 means typing at once (`fill`). */
  keystrokeMs(): number {
    return Math.round(drawDelay(this.typing));
  }
}
