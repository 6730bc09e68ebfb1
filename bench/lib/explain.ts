import pg from 'pg';

export interface CapturedQuery {
  text: string;
  values: unknown[];
}

type QueryArgs = [string | { text: string; values?: unknown[] }, unknown[]?, ...unknown[]];

/**
 * The SQL statements `work` sends to Postgres from this process, in order, transaction
 * statements included (to count them, or to EXPLAIN exactly what the app runs).
 */
export async function captureQueries(work: () => Promise<unknown>): Promise<CapturedQuery[]> {
  const captured: CapturedQuery[] = [];
  const prototype = pg.Client.prototype as unknown as { query: (...args: QueryArgs) => unknown };
  const original = prototype.query;
  prototype.query = function capture(this: unknown, ...args: QueryArgs) {
    const [config, values] = args;
    captured.push(
      typeof config === 'string'
        ? { text: config, values: values ?? [] }
        : { text: config.text, values: config.values ?? values ?? [] },
    );
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    prototype.query = original;
  }
  return captured;
}

export interface ExplainedQuery {
  executionMs: number;
  plan: string[];
}

export async function explainAnalyze(pool: pg.Pool, query: CapturedQuery): Promise<ExplainedQuery> {
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.text}`, query.values);
  const plan = rows.map((row) => row['QUERY PLAN']);
  const execution = plan.find((line) => line.startsWith('Execution Time'));
  return { executionMs: Number(/([\d.]+) ms/.exec(execution ?? '')?.[1]), plan };
}
