import { pino } from 'pino';

/**
 * pino's error serializer, except that a failed query is logged by its statement's name (verb
 * and table) and the database's error, never its parameters. drizzle's query error repeats the
 * statement and every parameter (emails, encrypted credentials, screenshots) in its message,
 * stack and `params`; a Postgres error's `detail` repeats the offending values, and a data
 * error's message quotes the value it could not read.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const serialized = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  if (isQueryError(err)) return queryErrorLine(err, serialized);
  if (isDatabaseError(err)) return databaseErrorLine(err, serialized);
  return serialized;
}

interface QueryError extends Error {
  query: string;
  params: unknown[];
}

const isQueryError = (err: Error): err is QueryError =>
  typeof (err as Partial<QueryError>).query === 'string' && Array.isArray((err as Partial<QueryError>).params);

/** node-postgres's DatabaseError: an error with Postgres's severity and SQLSTATE. */
const isDatabaseError = (err: unknown): boolean =>
  err instanceof Error && typeof (err as { severity?: unknown }).severity === 'string' && typeof (err as { code?: unknown }).code === 'string';

/** "select posts", "insert media": what the statement does to which table. */
export function statementName(query: string): string {
  const verb = /^\s*\(?\s*(\w+)/.exec(query)?.[1]?.toLowerCase() ?? 'query';
  const table = /\b(?:from|into|update)\s+("[^"]+"|[\w.]+)/i.exec(query)?.[1]?.replaceAll('"', '');
  return table ? `${verb} ${table}` : verb;
}

function queryErrorLine(err: QueryError, serialized: Record<string, unknown>) {
  const rest = Object.fromEntries(Object.entries(serialized).filter(([key]) => !['params', 'query', 'cause'].includes(key)));
  const message = `Failed query: ${statementName(err.query)}`;
  return {
    ...rest,
    message,
    // pino's stack appends the causes' ("caused by: ..."), messages included: the error's own frames only.
    stack: withFirstLine(err.stack ?? '', `${String(serialized.type)}: ${message}`),
    ...(err.cause instanceof Error ? { cause: serializeError(err.cause) } : {}),
  };
}

/** Postgres's own fields that name what failed without repeating the data. */
const DATABASE_FIELDS = ['type', 'message', 'stack', 'code', 'severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine'];

function databaseErrorLine(err: Error, serialized: Record<string, unknown>) {
  const kept = Object.fromEntries(Object.entries(serialized).filter(([key]) => DATABASE_FIELDS.includes(key)));
  // Data exceptions (SQLSTATE class 22) end with the value they could not read: `... for type uuid: "abc"`.
  const message = String(kept.code).startsWith('22') ? err.message.replace(/: ".*"$/s, ': "[value withheld]"') : err.message;
  return { ...kept, message, stack: withFirstLine(err.stack ?? '', `${String(kept.type)}: ${message}`) };
}

/** The stack with its message lines (everything before the first frame) replaced. */
function withFirstLine(stack: string, firstLine: string): string {
  const frames = stack.indexOf('\n    at ');
  return frames === -1 ? firstLine : `${firstLine}${stack.slice(frames)}`;
}
