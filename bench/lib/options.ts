// Command-line flags of `npm run bench:auth` (what to measure, how hard, for how long).
import { parseArgs } from 'node:util';

/** Validated benchmark options. */
export interface BenchOptions {
  durationS: number;
  warmupS: number;
  concurrency: number;
  terminals: number;
  pg: boolean;
  redis: boolean;
  vsMtls: boolean;
  nodeFloor: boolean;
  /** µs of CPU work per request for an extra floor run (0: none). */
  floorWorkUs: number;
  cpuProf: boolean;
  /** TESSERA_LOG_LEVEL of the server child. */
  logLevel: string;
}

export const USAGE = `usage: npm run bench:auth -- [options]

Measures Tessera mutual handshakes (hello + finish) per second against a server child,
then a bare Fastify POST endpoint (the floor), from a separate load-driver process.

  --duration S      measured seconds per run (default 10). Each handshake leaves a session
                    for 15 min: on the in-memory store, runs much past a minute fill its
                    TESSERA_MEMORY_MAX_ENTRIES, and hellos then answer 503 (counted as errors;
                    100 s at 3,279 handshakes/s gave 47,170)
  --warmup S        warm-up seconds before each measured run (default 2)
  --concurrency N   requests/handshakes in flight (default 64)
  --terminals N     terminals registered and used round-robin (default 8)
  --pg              durable state on PostgreSQL (TESSERA_DATABASE_URL or
                    postgres://postgres@127.0.0.1:5432/test; private schema, dropped after)
  --redis           ephemeral state on Redis (TESSERA_REDIS_URL or redis://127.0.0.1:6379;
                    private key prefix, deleted after)
  --vs-mtls         also mutual-TLS handshakes (node:tls, ECDSA P-256 client certificates,
                    needs the openssl command) per second of server CPU
  --node-floor      also the floor's route served by node:http alone (no framework): the
                    share of a request that Node's HTTP server costs by itself
  --floor-work US   also the floor with US µs of busy CPU work in its route before it
                    answers (the server as slow per request as a handshake makes it): what
                    the same HTTP stack then costs per request, beside the plain floor's cost
  --cpu-prof        run the Tessera server with --cpu-prof and print where its time went
                    (perturbs the figures)
  --log-level L     the server's TESSERA_LOG_LEVEL (default info, the server's own default,
                    which writes one access line per request; the server writes them to a file)
  -h, --help        this text
`;

/** Thrown for a bad flag; the caller prints the message and the usage, exit code 2. */
export class UsageError extends Error {}

function number(name: string, raw: string | undefined, fallback: number, min: number, max: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(raw: string | undefined): string {
  if (raw === undefined) return 'info';
  if (!LOG_LEVELS.includes(raw)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
  return raw;
}

/** Parses argv (without node and script); returns undefined when help was asked for. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return undefined;
  return {
    durationS: number('duration', v.duration, 10, 0.5, 600, false),
    warmupS: number('warmup', v.warmup, 2, 0, 60, false),
    concurrency: number('concurrency', v.concurrency, 64, 1, 4096, true),
    terminals: number('terminals', v.terminals, 8, 1, 1000, true),
    pg: Boolean(v.pg),
    redis: Boolean(v.redis),
    vsMtls: Boolean(v['vs-mtls']),
    nodeFloor: Boolean(v['node-floor']),
    floorWorkUs: number('floor-work', v['floor-work'], 0, 1, 100_000, false),
    cpuProf: Boolean(v['cpu-prof']),
    logLevel: logLevel(v['log-level']),
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      terminals: { type: 'string' },
      pg: { type: 'boolean' },
      redis: { type: 'boolean' },
      'vs-mtls': { type: 'boolean' },
      'node-floor': { type: 'boolean' },
      'floor-work': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
