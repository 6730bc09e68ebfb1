import { PublishError } from '@autoposter/publisher';
import { classifyGraphFailure, type GraphClassification } from './classification.ts';

/** The Graph failure as the runtime understands it: a PublishError with Meta's words and code. */
export function toPublishError(error: unknown, classification: GraphClassification = classifyGraphFailure(error)): PublishError {
  const graph = error as { code?: number; subcode?: number; message?: string };
  const code = graph.code !== undefined ? `${graph.code}${graph.subcode ? `/${graph.subcode}` : ''}` : undefined;
  return new PublishError(classification.type, graph.message ?? String(error), {
    ...(code ? { code } : {}),
    ...(classification.waitMs !== undefined ? { retryAfterMs: classification.waitMs } : {}),
    outcomeUnknown: classification.outcomeUnknown,
    cause: error,
  });
}
