import { badRequest } from '../plugins/errors.ts';
import type { Issue } from './channel-rules.ts';

const describe = (issue: Issue) => `${issue.field}: ${issue.message}`;

/** A 400 naming the first broken field; `details` lists every one. */
export function assertNoIssues(issues: Issue[]): void {
  const [first] = issues;
  if (first) throw badRequest(describe(first), 'validation_error', issues.map(describe));
}
