// `pnpm --filter @autoposter/web generate:api`: rewrites src/api/schema.d.ts from the gateway.
import { writeFileSync } from 'node:fs';
import { API_TYPES_FILE, generateApiTypes } from './openapi-types.ts';

writeFileSync(API_TYPES_FILE, await generateApiTypes());
console.log(`wrote ${API_TYPES_FILE}`);
