// Builds the frozen settings object from TESSERA_* variables and an optional JSON file
// (TESSERA_CONFIG_FILE); every bad value is reported at once, naming its variable.
import { readFileSync } from 'node:fs';
import { TesseraError } from '../../protocol/errors.ts';
import { SETTINGS, type Settings } from './configSchema.ts';

type Env = Record<string, string | undefined>;

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TesseraError('config.invalid', `TESSERA_CONFIG_FILE ${path} is not a readable JSON file (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TesseraError('config.invalid', `TESSERA_CONFIG_FILE ${path} must hold a JSON object`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(k in SETTINGS));
  if (unknown.length > 0) {
    throw new TesseraError('config.invalid', `TESSERA_CONFIG_FILE ${path} has unknown settings: ${unknown.join(', ')}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads, validates and freezes the settings. Environment variables override the file.
 * @example loadSettings({ TESSERA_PORT: '0' }).port // 0
 */
export function loadSettings(env: Env = process.env): Readonly<Settings> {
  const file = env['TESSERA_CONFIG_FILE'] ? readConfigFile(env['TESSERA_CONFIG_FILE']) : {};
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, def] of Object.entries(SETTINGS)) {
    const fromFile = file[name];
    const raw = env[def.env] ?? (fromFile === undefined ? undefined : Array.isArray(fromFile) ? fromFile.join(',') : String(fromFile));
    if (raw === undefined) {
      out[name] = def.default;
      continue;
    }
    try {
      out[name] = def.parse(raw);
    } catch (err) {
      problems.push(err instanceof TesseraError ? err.message : `${def.env} is invalid`);
    }
  }
  if (problems.length > 0) throw new TesseraError('config.invalid', problems.join('; '));
  // Lists are copied and frozen too, so no caller can change a setting (or a shared default).
  for (const [name, value] of Object.entries(out)) if (Array.isArray(value)) out[name] = Object.freeze([...value]);
  return Object.freeze(out) as Readonly<Settings>;
}
