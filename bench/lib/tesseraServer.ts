// Starts the real Tessera server as a child (`node --import tsx src/cli/main.ts serve`) on
// 127.0.0.1 port 0 with a fresh temp data dir, its own master key and admin token, and
// registers the benchmark's terminals through the admin API. Measures nothing itself. The
// server's logs (pino JSON on stdout) go to a file in the data dir, as a deployment's go to
// its journal: writing them is the server's cost, reading them is no process's.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { LineTail, onCleanup, spawnTracked } from './children.ts';

/** A running server child. */
export interface TesseraChild {
  child: ChildProcess;
  pid: number;
  url: string;
  serverId: string;
  adminToken: string;
  /** What the child wrote to stderr (its "listening" line, start-up warnings). */
  stderr: LineTail;
  /** The log lines the child wrote to stdout so far, and the last one at warn or above. */
  logs(): { lines: number; lastWarning: string | undefined };
}

/** Environment of the child: ours plus TESSERA_* settings; inherited TESSERA_* are dropped. */
function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TESSERA_')) env[k] = v;
  return { ...env, ...settings };
}

/** Starts the server and waits for its "listening on" line (30 s at most). */
export async function startTesseraServer(root: string, backendEnv: Record<string, string>, nodeFlags: string[] = []): Promise<TesseraChild> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  onCleanup(`remove ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  const adminToken = randomBytes(32).toString('base64url');
  const env = childEnv({
    TESSERA_PORT: '0',
    TESSERA_HOST: '127.0.0.1',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_MASTER_KEY: `1:${randomBytes(32).toString('base64url')}`,
    TESSERA_ADMIN_TOKEN: adminToken,
    ...backendEnv,
  });
  const logFile = join(dataDir, 'server.log');
  const logFd = openSync(logFile, 'a', 0o600);
  const child = spawnTracked(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: root, env, stdio: ['ignore', logFd, 'pipe'] });
  closeSync(logFd);
  const stderr = new LineTail(child.stderr);
  const match = await stderr.waitFor(/^tessera: server (\S+) listening on (http:\/\/\S+)/, child, 30_000, 'the Tessera server');
  const logs = () => {
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    // pino levels: 40 warn, 50 error, 60 fatal.
    const lastWarning = lines.findLast((line) => Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) >= 40);
    return { lines: lines.length, lastWarning };
  };
  return { child, pid: child.pid!, serverId: match[1]!, url: match[2]!, adminToken, stderr, logs };
}

/** Registers `count` terminals (bench-0, bench-1, …) and returns their credentials. */
export async function registerTerminals(server: TesseraChild, count: number): Promise<TerminalCredential[]> {
  const credentials: TerminalCredential[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${server.url}/v1/admin/terminals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: `bench-${i}` }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`registering terminal bench-${i} answered HTTP ${res.status}: ${text.slice(0, 300)}`);
    credentials.push((JSON.parse(text) as { credential: TerminalCredential }).credential);
  }
  return credentials;
}
