import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../scripts/openapi-types.ts';

describe('the dashboard API client types', () => {
  it('match the gateway OpenAPI document (run `pnpm --filter @autoposter/web generate:api` after a contract change)', async () => {
    const committed = readFileSync(API_TYPES_FILE, 'utf8');
    expect(committed === (await generateApiTypes()), 'services/web/src/api/schema.d.ts is stale: run pnpm --filter @autoposter/web generate:api').toBe(true);
  });
});
