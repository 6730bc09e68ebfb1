/**
 * The database's own error inside a query error, for a service log line: drizzle's wrapper
 * repeats the statement and every parameter (a failure's screenshot is megabytes of them).
 */
export const databaseCause = (err: unknown): unknown => (err instanceof Error && err.cause instanceof Error ? err.cause : err);
