/** Field names (any case) whose values never reach a log line, at any depth: bindings and serialized errors included. */
const secretKeys = [
  'authorization',
  'cookie',
  'set-cookie',
  'cookies',
  'password',
  'password_hash',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'storage_state',
  'storageState',
  'credentials',
  'secret',
];

const CENSOR = '[redacted]';

const censored = JSON.stringify(CENSOR);

/** `"key":` for a secret key. Inside a JSON string a quote is escaped, so this only matches real keys. */
const secretKeyPattern = new RegExp(`"(?:${secretKeys.join('|')})":`, 'gi');

/**
 * Replaces the value of every secret key in one stringified JSON line. A line without one (almost
 * all) costs one regex scan; pino's own path-based redaction walked every field of every line.
 */
export function redactLine(line: string): string {
  secretKeyPattern.lastIndex = 0;
  if (!secretKeyPattern.test(line)) return line;
  secretKeyPattern.lastIndex = 0;
  let out = '';
  let copied = 0;
  for (let match = secretKeyPattern.exec(line); match; match = secretKeyPattern.exec(line)) {
    const valueStart = match.index + match[0].length;
    const valueEnd = endOfValue(line, valueStart);
    out += line.slice(copied, valueStart) + censored;
    copied = valueEnd;
    secretKeyPattern.lastIndex = valueEnd;
  }
  return out + line.slice(copied);
}

/** Index just past the JSON value starting at `start`: a string, an object or array (nesting and strings skipped), or a literal. */
function endOfValue(json: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < json.length; i++) {
    const char = json[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (char === ',' && depth === 0) return i;
  }
  return json.length;
}
