// The dependency rule of DESIGN.md: protocol imports nothing of the others (and no node:
// module but nodePrimitives.ts); server and terminal import protocol, never each other;
// the terminal SDK uses no node: module, so a browser build stays possible. The one
// deliberate exception is src/terminal/node/: opt-in Node adapters (a write-once OTP file,
// the Linux hardware fingerprint) published as `tessera/terminal/node`. The SDK core stays
// runtime-neutral and never imports them; they only implement its adapter interfaces.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

/** The top folder of src/ an import lands in, or the package/builtin name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('node:') ? 'node:' : `pkg:${spec}`;
  const rel = relative('src', resolve(dirname(file), spec));
  return rel.startsWith('..') ? 'outside' : rel.split(/[\\/]/)[0]!;
}

/** Files of the terminal's Node adapter folder. */
const isNodeAdapter = (file: string) => /^src[\\/]terminal[\\/]node[\\/]/.test(file);

const RULES: Record<string, (t: string, file: string) => boolean> = {
  protocol: (t, file) => t === 'protocol' || (t === 'node:' && file.endsWith('nodePrimitives.ts')),
  server: (t) => t !== 'terminal' && t !== 'cli' && t !== 'dashboard' && t !== 'outside',
  terminal: (t, file) => t === 'protocol' || t === 'terminal' || (t === 'node:' && isNodeAdapter(file)),
  cli: (t) => t !== 'outside',
};

for (const [layer, allowed] of Object.entries(RULES)) {
  test(`src/${layer} follows the dependency rule`, () => {
    const offences: string[] = [];
    for (const file of files(join('src', layer))) {
      for (const spec of imports(file)) {
        const t = target(file, spec);
        if (!allowed(t, file)) offences.push(`${file} imports ${spec}`);
      }
    }
    assert.deepEqual(offences, []);
  });
}

test('the terminal core does not import its Node adapters', () => {
  const offences: string[] = [];
  for (const file of files(join('src', 'terminal')).filter((f) => !isNodeAdapter(f))) {
    for (const spec of imports(file)) {
      if (spec.startsWith('.') && isNodeAdapter(relative('.', resolve(dirname(file), spec)))) offences.push(`${file} imports ${spec}`);
    }
  }
  assert.deepEqual(offences, []);
});

test('the rule check itself catches a crossing import', () => {
  assert.equal(RULES['terminal']!(target('src/terminal/x.ts', '../server/app.ts'), 'src/terminal/x.ts'), false);
  assert.equal(RULES['protocol']!(target('src/protocol/x.ts', 'node:fs'), 'src/protocol/x.ts'), false);
  assert.equal(RULES['server']!(target('src/server/x.ts', '../terminal/terminalClient.ts'), 'src/server/x.ts'), false);
  // node: is refused in the terminal core, allowed only in its Node adapter folder
  assert.equal(RULES['terminal']!(target('src/terminal/x.ts', 'node:fs'), 'src/terminal/x.ts'), false);
  assert.equal(RULES['terminal']!(target('src/terminal/binding/x.ts', 'node:fs'), 'src/terminal/binding/x.ts'), false);
  assert.equal(RULES['terminal']!(target('src/terminal/nodeish.ts', 'node:fs'), 'src/terminal/nodeish.ts'), false);
  assert.equal(RULES['terminal']!(target('src/terminal/node/x.ts', 'node:fs'), 'src/terminal/node/x.ts'), true);
  assert.equal(RULES['terminal']!(target('src/terminal/node/x.ts', '../../server/app.ts'), 'src/terminal/node/x.ts'), false);
  assert.equal(isNodeAdapter(relative('.', resolve('src/terminal', './node/fileOtpStore.ts'))), true);
});
