import Type, { type Static, type TObject, type TProperties } from 'typebox';
import Value from 'typebox/value';

/** A group of environment variables and how they become typed settings. */
export interface ConfigSection<P extends TProperties, R> {
  readonly variables: P;
  readonly build: (env: Static<TObject<P>>) => R;
}

export function section<P extends TProperties, R>(
  variables: P,
  build: (env: Static<TObject<P>>) => R,
): ConfigSection<P, R> {
  return { variables, build };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySection = ConfigSection<any, unknown>;
export type ConfigOf<S extends Record<string, AnySection>> = {
  [K in keyof S]: ReturnType<S[K]['build']>;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Names of every variable a set of sections reads (used to check compose.yaml against the code). */
export function variableNames(sections: Record<string, AnySection>): string[] {
  return [...new Set(Object.values(sections).flatMap((s) => Object.keys(s.variables)))].sort();
}

/** Parses the environment once; throws a ConfigError whose message names the first bad variable. */
export function parseConfig<S extends Record<string, AnySection>>(
  sections: S,
  env: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const result: Record<string, unknown> = {};
  for (const [name, sec] of Object.entries(sections)) {
    const schema = Type.Object(sec.variables);
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(sec.variables)) {
      const value = env[key];
      if (value !== undefined && value !== '') raw[key] = value;
    }
    const parsed = Value.Convert(schema, Value.Default(schema, raw));
    const firstError = [...Value.Errors(schema, parsed)][0];
    if (firstError) throw new ConfigError(describe(firstError, sec.variables));
    try {
      result[name] = sec.build(parsed as never);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  return result as ConfigOf<S>;
}

/** parseConfig for a service entry point: prints one line and exits 1 on a bad environment. */
export function loadConfig<S extends Record<string, AnySection>>(
  sections: S,
  env: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  try {
    return parseConfig(sections, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`configuration error: ${err.message}\n`);
    process.exit(1);
  }
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function describe(error: SchemaError, variables: TProperties): string {
  if (error.keyword === 'required') {
    const missing = (error.params.requiredProperties as string[] | undefined)?.[0] ?? '?';
    return `${missing} is required${hint(variables[missing])}`;
  }
  const name = error.instancePath.replace(/^\//, '').split('/')[0] ?? '?';
  return `${name} is invalid: ${error.message}${hint(variables[name])}`;
}

function hint(schema: unknown): string {
  const description = (schema as { description?: string } | undefined)?.description;
  return description ? ` (${description})` : '';
}
