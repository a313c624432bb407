// Renders the tables that docs/ shows from the code (settings, error codes) and rewrites
// them between their GENERATED markers. `tsx scripts/docTables.ts` rewrites; a test checks
// that the docs hold exactly what this renders.
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CATALOGUE } from '../src/protocol/errors.ts';
import { SETTINGS } from '../src/server/config/configSchema.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The settings table of docs/operations.md. */
export function settingsTable(): string {
  const rows = Object.values(SETTINGS).map((d) => `| \`${d.env}\` | ${cell(d.defaultText)} | ${cell(d.doc)} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The error-code table of docs/errors.md. */
export function errorsTable(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, e]) => `| \`${code}\` | ${e.status} | ${cell(e.title)} |`);
  return ['| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Docs files and the table each generated block holds. */
export const GENERATED_BLOCKS: ReadonlyArray<{ file: string; name: string; render: () => string }> = [
  { file: 'docs/operations.md', name: 'settings', render: settingsTable },
  { file: 'docs/errors.md', name: 'errors', render: errorsTable },
];

/** Replaces the block between `<!-- BEGIN GENERATED:name -->` and `<!-- END GENERATED:name -->`. */
export function replaceBlock(text: string, name: string, content: string): string {
  const re = new RegExp(`(<!-- BEGIN GENERATED:${name} -->)[\\s\\S]*?(<!-- END GENERATED:${name} -->)`);
  if (!re.test(text)) throw new Error(`no GENERATED:${name} block`);
  return text.replace(re, (_m, begin: string, end: string) => `${begin}\n${content}\n${end}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { file, name, render } of GENERATED_BLOCKS) {
    writeFileSync(file, replaceBlock(readFileSync(file, 'utf8'), name, render()));
    process.stdout.write(`updated ${file} (${name})\n`);
  }
}
