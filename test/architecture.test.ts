// The dependency rule of DESIGN.md: protocol imports nothing of the others (and no node:
// module but nodePrimitives.ts); server and terminal import protocol, never each other;
// the terminal SDK uses no node: module, so a browser build stays possible. The one
// deliberate exception is src/terminal/node/: opt-in Node adapters (a write-once OTP file,
// the Linux hardware fingerprint) published as `tessera/terminal/node`. The SDK core stays
// runtime-neutral and never imports them; they only implement its adapter interfaces.
// The scanner parses each file with TypeScript rather than matching text, so it sees every
// form a module is reached by (import/export ... from, a bare side-effect import, import()
// and require() of a literal, import('...') types) and never a comment or a string. The
// package's own `tessera/<entry>` is read as the src/ folder it names, so a self-import is
// no way around the rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a source text names. */
/** What importsOf reports for `import(expr)` or `require(expr)` whose specifier is not a literal. */
const COMPUTED = '<computed specifier>';

function importsOf(text: string): string[] {
  const specs: string[] = [];
  const literal = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) specs.push(node.text);
    // A specifier computed at run time cannot be checked, so it is an offence wherever it is.
    else if (node) specs.push(COMPUTED);
  };
  const isImportCall = (node: ts.CallExpression) =>
    node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require');
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isExternalModuleReference(node)) literal(node.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    else if (ts.isCallExpression(node) && isImportCall(node)) literal(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('scanned.ts', text, ts.ScriptTarget.Latest));
  return specs;
}

/** Where a relative or self (`tessera/<entry>`) import lands, from the repo root; undefined for other packages. */
function sourcePath(file: string, spec: string): string | undefined {
  if (spec.startsWith('.')) return relative('.', resolve(dirname(file), spec));
  if (spec === 'tessera' || spec.startsWith('tessera/')) return join('src', spec.slice('tessera'.length));
  return undefined;
}

/** The top folder of src/ an import lands in, or the package/builtin name. */
function target(file: string, spec: string): string {
  if (spec === COMPUTED) return 'computed';
  const path = sourcePath(file, spec);
  if (path === undefined) return spec.startsWith('node:') ? 'node:' : `pkg:${spec}`;
  const rel = relative('src', path);
  return rel === '' || rel.startsWith('..') ? 'outside' : rel.split(/[\\/]/)[0]!;
}

/** Files of the terminal's Node adapter folder (or the folder itself, as `tessera/terminal/node` names it). */
const isNodeAdapter = (path: string) => /^src[\\/]terminal[\\/]node(?:[\\/]|$)/.test(path);

const RULES: Record<string, (t: string, file: string) => boolean> = {
  protocol: (t, file) => t === 'protocol' || (t === 'node:' && file.endsWith('nodePrimitives.ts')),
  server: (t) => t !== 'terminal' && t !== 'cli' && t !== 'dashboard' && t !== 'outside',
  terminal: (t, file) => t === 'protocol' || t === 'terminal' || (t === 'node:' && isNodeAdapter(file)),
  cli: (t) => t !== 'outside',
};

const isTerminalCore = (file: string) => /^src[\\/]terminal[\\/]/.test(file) && !isNodeAdapter(file);

/** The imports of one file (path from the repo root, and its text) that cross a layer, or reach the Node adapters from the terminal core. */
function offences(file: string, text: string): string[] {
  const allowed = RULES[file.split(/[\\/]/)[1]!]!;
  const adapter = (spec: string) => isNodeAdapter(sourcePath(file, spec) ?? '');
  return importsOf(text)
    .filter((spec) => spec === COMPUTED || !allowed(target(file, spec), file) || (isTerminalCore(file) && adapter(spec)))
    .map((spec) => `${file} imports ${spec}`);
}

for (const layer of Object.keys(RULES)) {
  test(`src/${layer} follows the dependency rule`, () => {
    assert.deepEqual(files(join('src', layer)).flatMap((file) => offences(file, readFileSync(file, 'utf8'))), []);
  });
}

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

test('the scanner catches every form of a crossing import', () => {
  const crossings = [
    "import '../server/app.ts';",
    'import"../server/app.ts"',
    "export * from '../server/app.ts';",
    "export * as app from '../server/app.ts';",
    "export { buildApp } from '../server/app.ts';",
    "export type { AppDeps } from '../server/app.ts';",
    "import {\n  buildApp, // the server's (not ours)\n} from '../server/app.ts';",
    "const { buildApp } = await import('../server/app.ts');",
    'const app = await import ( `../server/app.ts` );',
    "const app = await import('../server/app.ts', { with: {} });",
    "const app = require('../server/app.ts');",
    "import app = require('../server/app.ts');",
    "type App = import('../server/app.ts').App;",
    "class A {\n  load() {\n    return import('../server/app.ts');\n  }\n}",
    "import { buildApp } from 'tessera/server';",
    "import 'tessera/server';",
    "export * from 'tessera/cli';",
    "const { buildApp } = await import('tessera/server');",
    "import { FileOtpStore } from 'tessera/terminal/node';",
    "import { FileOtpStore } from './node/fileOtpStore.ts';",
    "const { FileOtpStore } = await import('./node/index.ts');",
    "import { readFileSync } from 'node:fs';",
    "import { randomBytes } from 'crypto';",
    "const where = '../server/app.ts';\nconst app = await import(where);",
    "const app = await import(`../` + layer + `/app.ts`);",
    "const app = require(['..', 'server', 'app.ts'].join('/'));",
  ];
  for (const text of crossings) assert.equal(offences('src/terminal/x.ts', text).length, 1, text);
  assert.equal(offences('src/server/x.ts', "import { TerminalClient } from 'tessera/terminal';").length, 1);
  assert.equal(offences('src/server/x.ts', "import 'tessera/terminal/node';").length, 1);
  assert.equal(offences('src/server/x.ts', "import 'tessera';").length, 1);
  assert.equal(offences('src/protocol/x.ts', "export * from 'tessera/server';").length, 1);
  assert.equal(offences('src/protocol/x.ts', "import('node:fs')").length, 1);
  // computed specifiers are refused in every layer, even where any package is allowed
  assert.equal(offences('src/server/x.ts', 'await import(name);').length, 1);
  assert.equal(offences('src/cli/x.ts', 'require(name);').length, 1);
});

test('the scanner passes legitimate imports', () => {
  const legitimate: [string, string][] = [
    ['src/terminal/x.ts', "import { toHex } from '../protocol/bytes.ts';\nimport type { Primitives } from '../protocol/primitives.ts';"],
    ['src/terminal/binding/x.ts', "export { MemoryOtpStore } from '../otpStore.ts';\nexport * from '../../protocol/httpsig/index.ts';"],
    ['src/terminal/x.ts', "import 'tessera/protocol';\nconst m = await import('./binding/bindingClient.ts');"],
    ['src/terminal/node/x.ts', "import { readFileSync } from 'node:fs';\nimport type { OtpStore } from '../otpStore.ts';"],
    ['src/server/x.ts', "import fastify from 'fastify';\nimport { toHex } from 'tessera/protocol';\nimport { nodePrimitives } from 'tessera/protocol/node';"],
    ['src/cli/x.ts', "import { buildApp } from 'tessera/server';\nimport { TerminalClient } from '../terminal/index.ts';"],
    ['src/protocol/nodePrimitives.ts', "import * as nodeCrypto from 'node:crypto';"],
    // no import at all: an export without from, a name `from`, imports spelled in comments and strings
    ['src/terminal/x.ts', "export { a, b };\nexport const from = 'x';\n// import '../server/app.ts'\nconst s = \"import('../server/app.ts')\";"],
  ];
  for (const [file, text] of legitimate) assert.deepEqual(offences(file, text), [], text);
});
