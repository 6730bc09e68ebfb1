import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './load-config.ts';
import { fromRepositoryRoot, repositoryRoot } from './repository-root.ts';
import { mediaUrlSection } from './sections.ts';

const run = promisify(execFile);
const configModule = fileURLToPath(new URL('./index.ts', import.meta.url));

describe('MEDIA_DIR', () => {
  it('reads a relative path from the repository root, and keeps an absolute one', () => {
    const root = repositoryRoot();
    expect(existsSync(join(root, 'pnpm-workspace.yaml'))).toBe(true);
    const env = { MEDIA_URL_SECRET: 'a-secret-of-16-chars' };
    expect(parseConfig({ media: mediaUrlSection }, env).media.dir).toBe(join(root, 'storage/media'));
    expect(parseConfig({ media: mediaUrlSection }, { ...env, MEDIA_DIR: 'var/uploads' }).media.dir).toBe(join(root, 'var/uploads'));
    expect(fromRepositoryRoot('/data/media')).toBe('/data/media');
  });

  it('is the same directory whatever the working directory of the process', async () => {
    const script = `const { parseConfig, mediaUrlSection } = await import(${JSON.stringify(configModule)});
      console.log(parseConfig({ media: mediaUrlSection }, { MEDIA_URL_SECRET: 'a-secret-of-16-chars' }).media.dir);`;
    const dirs = await Promise.all(
      [repositoryRoot(), join(repositoryRoot(), 'services/api'), join(repositoryRoot(), 'packages/config/src')].map(async (cwd) =>
        (await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd })).stdout.trim(),
      ),
    );
    expect(new Set(dirs)).toEqual(new Set([join(repositoryRoot(), 'storage/media')]));
  });
});
