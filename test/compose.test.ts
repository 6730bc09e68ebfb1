// compose.yaml against the code: what each service reads, listens on and is built from.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { variableNames } from '@autoposter/config';

interface ComposeService {
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: (string | { target: number })[];
  healthcheck?: { test: string[] };
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  stop_grace_period?: string;
  profiles?: string[];
  container_name?: string;
}

type Sections = Parameters<typeof variableNames>[0];

const root = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const composeServices = Object.entries(compose.services);

/** The Dockerfile's stages: each one's instructions (continuation lines joined) and its parent. */
const dockerfile = (() => {
  const text = readFileSync(join(root, 'docker/node-service.Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const stages: Record<string, { from: string; lines: string[] }> = {};
  let current: { from: string; lines: string[] } | null = null;
  for (const line of text.split('\n').map((l) => l.trim())) {
    const from = /^FROM (\S+) AS (\S+)$/i.exec(line);
    if (from) stages[from[2]!] = current = { from: from[1]!, lines: [] };
    else if (current && line && !line.startsWith('#')) current.lines.push(line);
  }
  return { stages };
})();

/** Compose services that run a workspace directory's main.ts (a `command` makes a one-shot, like migrate). */
const running = composeServices.filter(([, service]) => service.build && !service.command);
/** Those that run one of services/: our own, with a config.ts the checks below read. */
const runningServices = running.filter(([, service]) => service.build!.args!.SERVICE!.startsWith('services/'));
/** The stand-ins of the sandbox profile. */
const fakes = { graph: 'fake-graph', facebook: 'fake-facebook' } as const;

const codeServices = readdirSync(join(root, 'services')).filter((name) =>
  existsSync(join(root, 'services', name, 'src/main.ts')),
);

/** The sections a service parses its environment with: the `*ConfigSections` export of its config.ts. */
async function configSectionsOf(serviceDir: string): Promise<Sections> {
  const module = (await import(join(root, serviceDir, 'src/config.ts'))) as Record<string, unknown>;
  const sections = Object.entries(module).find(([name]) => name.endsWith('ConfigSections'))?.[1];
  if (!sections) throw new Error(`${serviceDir}/src/config.ts exports no *ConfigSections`);
  return sections as Sections;
}

/** A value as compose sees it with nothing set in .env: `${NAME:-default}` becomes the default. */
function withEmptyEnv(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:?-([^}]*)\}/g, '$1');
}

/** The port a compose service's process listens on (its PORT). */
const listenPort = (name: string) => compose.services[name]!.environment!.PORT!;

function dependsOn(service: ComposeService): Record<string, { condition?: string; required?: boolean }> {
  const entries = service.depends_on ?? {};
  return Array.isArray(entries) ? Object.fromEntries(entries.map((target) => [target, {}])) : entries;
}

function variableSchemas(sections: Sections): Record<string, { default?: unknown }> {
  return Object.assign({}, ...Object.values(sections).map((section) => section.variables));
}

function requiredVariables(sections: Sections): string[] {
  return Object.entries(variableSchemas(sections))
    .filter(([, schema]) => !('default' in schema))
    .map(([name]) => name);
}

/** The value the service sees: compose's environment, else the schema's default. */
function effectiveValue(service: ComposeService, sections: Sections, name: string): string {
  return String(service.environment?.[name] ?? variableSchemas(sections)[name]?.default);
}

function containerPort(mapping: string | { target: number }): string {
  return typeof mapping === 'string' ? mapping.split(':').at(-1)!.replace(/\/(tcp|udp)$/, '') : String(mapping.target);
}

/** Compose durations such as "30s" or "1m30s", in milliseconds. */
function durationMs(value: string): number {
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h)/g)];
  expect(parts.map((part) => part[0]).join(''), `"${value}" is not a compose duration`).toBe(value);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * unitMs[unit!]!, 0);
}

const interpolated = /^\$\{[A-Z0-9_]+:\?[^}]+\}$/;
const secretName = /SECRET|PASSWORD|TOKEN|_KEYS?$/;

describe('compose.yaml', () => {
  it('builds every image from an existing Dockerfile target and entry point', () => {
    for (const [name, { build }] of composeServices.filter(([, service]) => service.build)) {
      expect(existsSync(join(root, build!.context, build!.dockerfile)), `${name}: ${build!.dockerfile}`).toBe(true);
      expect(dockerfile.stages, `${name}: target ${build!.target}`).toHaveProperty(build!.target!);
      const entry = `${build!.args?.SERVICE}/src/main.ts`;
      expect(existsSync(join(root, entry)), `${name}: build arg SERVICE must name ${entry}`).toBe(true);
    }
  });

  it('runs every service that has a src/main.ts', () => {
    const built = runningServices.map(([, service]) => service.build!.args!.SERVICE!.replace(/^services\//, ''));
    expect(built).toEqual(expect.arrayContaining(codeServices));
    expect(codeServices.length).toBeGreaterThan(0);
  });

  it('starts a service only once what it needs is healthy (or, for migrate, done)', () => {
    for (const [name, service] of composeServices) {
      for (const [target, { condition }] of Object.entries(dependsOn(service))) {
        expect(['service_healthy', 'service_completed_successfully'], `${name} -> ${target}`).toContain(condition);
        if (condition === 'service_healthy') expect(compose.services[target]!.healthcheck, `${target} has a healthcheck`).toBeDefined();
      }
    }
    for (const [name, service] of runningServices) {
      expect(dependsOn(service), name).toMatchObject({ migrate: { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
    }
  });

  it('names no container, so any service can be scaled', () => {
    for (const [name, service] of composeServices) expect(service.container_name, name).toBeUndefined();
  });

  it('migrates with a script the migrate image carries', () => {
    const script = compose.services.migrate!.command!.at(-1)!;
    expect(script).toMatch(/^node_modules\/@autoposter\/db\//);
    expect(existsSync(join(root, script.replace(/^node_modules\/@autoposter\/db/, 'packages/db'))), script).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, compose.services.migrate!.build!.args!.SERVICE!, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toHaveProperty('@autoposter/db');
  });

  it('only points depends_on at services it defines', () => {
    for (const [name, service] of composeServices) {
      const targets = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const target of targets) expect(compose.services, `${name} depends on ${target}`).toHaveProperty(target);
    }
  });

  it('takes secrets from .env interpolation, never from literals', () => {
    for (const [name, service] of composeServices) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (secretName.test(key)) expect(value, `${name}.${key}`).toMatch(interpolated);
        const password = /\/\/[^/:@]+:([^@]+)@/.exec(value)?.[1];
        if (password) expect(password, `${name}.${key} password`).toMatch(interpolated);
      }
    }
  });

  describe.each(runningServices)('%s', (name, service) => {
    const serviceDir = service.build!.args!.SERVICE!;

    it('sets every variable without a default, and only variables the service reads', async () => {
      const sections = await configSectionsOf(serviceDir);
      const environment = Object.keys(service.environment ?? {});
      expect(requiredVariables(sections).length).toBeGreaterThan(0);
      expect(environment).toEqual(expect.arrayContaining(requiredVariables(sections)));
      expect(variableNames(sections)).toEqual(expect.arrayContaining(environment));
    });

    it('publishes and health-checks /healthz on the port it listens on', async () => {
      const port = effectiveValue(service, await configSectionsOf(serviceDir), 'PORT');
      for (const mapping of service.ports ?? []) expect(containerPort(mapping), `${name} ports`).toBe(port);
      expect(service.healthcheck?.test.join(' '), `${name} healthcheck`).toContain(`:${port}/healthz`);
    });

    it('waits longer than SHUTDOWN_GRACE_MS before killing it', async () => {
      const graceMs = Number(effectiveValue(service, await configSectionsOf(serviceDir), 'SHUTDOWN_GRACE_MS'));
      expect(durationMs(service.stop_grace_period ?? '10s')).toBeGreaterThan(graceMs);
    });

    it('points every provider URL it reads at the fakes unless .env names the real ones', async () => {
      const read = variableNames(await configSectionsOf(serviceDir));
      const expected: Record<string, string> = {
        GRAPH_API_BASE_URL: `http://${fakes.graph}:${listenPort(fakes.graph)}`,
        INSTAGRAM_GRAPH_BASE_URL: `http://${fakes.graph}:${listenPort(fakes.graph)}/instagram`,
        FACEBOOK_BASE_URL: `http://${fakes.facebook}:${listenPort(fakes.facebook)}`,
      };
      const providerVariables = Object.keys(expected).filter((variable) => read.includes(variable));
      expect(providerVariables, 'every service reads the provider URLs to log whether it is a sandbox').toEqual(Object.keys(expected));
      for (const variable of providerVariables) {
        expect(service.environment?.[variable], `${name}.${variable}`).toMatch(new RegExp(`^\\$\\{${variable}:-`));
        expect(withEmptyEnv(service.environment![variable]!), `${name}.${variable}`).toBe(expected[variable]);
      }
    });

    it('gives providers a media URL they can reach inside the network (the gateway by name)', async () => {
      if (!variableNames(await configSectionsOf(serviceDir)).includes('PUBLIC_BASE_URL')) return;
      expect(withEmptyEnv(service.environment!.PUBLIC_BASE_URL!)).toBe(`http://api:${listenPort('api')}`);
    });
  });

  it("lets the dashboard's pages, served by the gateway, read the notifier's SSE stream (WEB_ORIGIN)", () => {
    const publishedPort = withEmptyEnv(String(compose.services.api!.ports![0])).split(':')[0];
    const origins = withEmptyEnv(compose.services.notifier!.environment!.WEB_ORIGIN!).split(',');
    // As the README opens the dashboard, and by its address.
    expect(origins).toEqual(expect.arrayContaining([`http://localhost:${publishedPort}`, `http://127.0.0.1:${publishedPort}`]));
  });

  describe('profile sandbox', () => {
    it.each(Object.values(fakes))('runs %s only in it, built from its package, health-checked on its port', (name) => {
      const fake = compose.services[name]!;
      expect(fake.profiles).toEqual(['sandbox']);
      expect(fake.build!.args!.SERVICE).toBe(`packages/${name}`);
      const port = listenPort(name);
      expect(fake.environment!.HOST).toBe('0.0.0.0');
      for (const mapping of fake.ports ?? []) expect(containerPort(mapping), `${name} ports`).toBe(port);
      expect(fake.healthcheck?.test.join(' ')).toContain(`:${port}/healthz`);
    });

    it('keeps everything else out of it', () => {
      const profiled = composeServices.filter(([, service]) => service.profiles).map(([name]) => name);
      expect(profiled.sort()).toEqual(Object.values(fakes).sort());
    });

    it('starts the gateway and the workers after the fake they call, when the profile runs it', () => {
      const calls: Record<string, string> = { api: fakes.graph, 'meta-worker': fakes.graph, 'marketplace-worker': fakes.facebook };
      for (const [name, fake] of Object.entries(calls)) {
        expect(dependsOn(compose.services[name]!)[fake], `${name} -> ${fake}`).toEqual({ condition: 'service_healthy', required: false });
      }
    });
  });
});

describe('docker/node-service.Dockerfile', () => {
  /** The stage a target builds on (`FROM <parent> AS <target>`), up to the base image. */
  const chain = (target: string): string[] => {
    const stages = [];
    for (let stage: string | undefined = target; stage && dockerfile.stages[stage]; stage = dockerfile.stages[stage]!.from) stages.push(stage);
    return stages;
  };
  const lines = (target: string, instruction: string) =>
    chain(target).flatMap((stage) => dockerfile.stages[stage]!.lines.filter((line) => line.startsWith(`${instruction} `)));
  const built = composeServices.filter(([, service]) => service.build);

  it.each(built)('%s runs as an unprivileged user', (_name, service) => {
    const user = lines(service.build!.target!, 'USER').at(0);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    // The last instruction of the stage, so nothing after it runs as root by mistake.
    expect(dockerfile.stages[service.build!.target!]!.lines.at(-1)).toMatch(/^USER /);
  });

  it.each(built)('%s runs under tini and health-checks /healthz on its PORT', (name, service) => {
    const target = service.build!.target!;
    expect(lines(target, 'ENTRYPOINT')).toEqual(['ENTRYPOINT ["/usr/bin/tini", "--"]']);
    expect(lines(target, 'RUN').some((line) => /apt-get install .*\btini\b/.test(line))).toBe(true);
    expect(lines(target, 'HEALTHCHECK').at(0)).toContain("'http://127.0.0.1:' + process.env.PORT + '/healthz'");
    if (service.command) return;
    // The image's PORT, the build arg that sets it, or compose's: the same one.
    const imagePort = lines(target, 'ENV').map((line) => /\bPORT=(\S+)/.exec(line)?.[1]).find(Boolean);
    const port = imagePort === '${PORT}' ? service.build!.args!.PORT : imagePort;
    expect(port, `${name}: the image's PORT`).toBe(listenPort(name));
  });

  it.each(built)('%s has tsx at run time, which runs its TypeScript', (_name, service) => {
    const pkg = JSON.parse(readFileSync(join(root, service.build!.args!.SERVICE!, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toHaveProperty('tsx');
    expect(lines(service.build!.target!, 'CMD')).toEqual(['CMD ["node", "--import", "tsx", "src/main.ts"]']);
  });

  it('gives the gateway its built dashboard, and the marketplace worker a Chromium without its sandbox', () => {
    expect(lines('api', 'ENV').join(' ')).toMatch(/WEB_DIST_DIR=\/app\/web\b/);
    expect(lines('api', 'COPY').join(' ')).toContain('--from=dashboard /repo/services/web/dist /app/web');
    expect(lines('marketplace-worker', 'ENV').join(' ')).toMatch(/CHROMIUM_PATH=\/usr\/bin\/chromium .*BROWSER_SANDBOX=false/);
    expect(lines('marketplace-worker', 'RUN').join(' ')).toContain('chromium');
  });
});

describe('.env.example', () => {
  const lines = readFileSync(join(root, '.env.example'), 'utf8').split('\n');
  const listed = new Map(lines.map((line) => /^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));

  it.each(codeServices)('lists every variable %s reads', async (serviceDir) => {
    const missing = variableNames(await configSectionsOf(`services/${serviceDir}`)).filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });

  it('leaves every secret empty', () => {
    const filled = [...listed].filter(([name, value]) => secretName.test(name) && value !== '');
    expect(filled).toEqual([]);
  });
});
