import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root: the nearest directory above this package holding `pnpm-workspace.yaml`.
 * Found from this file, not the working directory, so every service finds the same one however
 * it is started (`pnpm dev` at the root, `pnpm --filter ./services/api start` in its directory).
 */
export function repositoryRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}: cannot resolve relative paths against the repository root`);
  }
}

/** An absolute path stays as given; a relative one is read from the repository root. */
export const fromRepositoryRoot = (path: string): string => (isAbsolute(path) ? path : resolve(repositoryRoot(), path));
