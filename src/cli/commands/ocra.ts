// `tessera ocra`: computes or verifies an RFC 6287 OCRA response from the command line.
// Prints the response (or valid/invalid) on stdout; errors go to stderr as one line.
import { Command, CommanderError } from 'commander';
import { fromHex } from '../../protocol/bytes.ts';
import { TesseraError, isTesseraError } from '../../protocol/errors.ts';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { type OcraInputs, computeOcra, ocraTimestamp, parseOcraSuite, verifyOcra } from '../../protocol/ocra/index.ts';
import { print } from '../output.ts';

/** Exit codes of the command. */
const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

interface OcraOptions {
  suite?: string;
  key?: string;
  counter?: string;
  question?: string;
  pin?: string;
  pinHash?: string;
  session?: string;
  timestamp?: string;
  time?: string;
  verify?: string;
  window?: string;
}

const HELP_AFTER = `
The response is printed alone on stdout. With --verify, "valid" or "invalid" is printed and the
exit code is 0 or 1. Usage and input errors print "tessera: <code>: <message>" and exit with 2.

For a suite with T, give the time-step count itself with --timestamp (hex, as in RFC 6287
Appendix C), or a time with --time (ISO 8601 or Unix seconds) from which T = floor(time / step);
with neither, the current time is used. For mutual challenge-response (RFC 6287 §7.3) pass the
concatenated challenge as --question: QC+QS for the server's response, QS+QC for the client's.

Examples:
  $ tessera ocra --suite OCRA-1:HOTP-SHA1-6:QN08 \\
      --key 3132333435363738393031323334353637383930 --question 00000000
  237653
  $ tessera ocra --suite OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1 \\
      --key 3132333435363738393031323334353637383930313233343536373839303132 \\
      --counter 1 --question 12345678 --pin 1234
  86775851
  $ tessera ocra --suite OCRA-1:HOTP-SHA512-8:QN08-T1M --key <64-byte hex> \\
      --question 00000000 --time 2008-03-25T12:06:30Z --verify 95209754 --window 2
  valid
  $ tessera ocra --suite OCRA-1:HOTP-SHA256-8:QA08 --key <32-byte hex> --question CLI22220SRV11110
  28247970
`;

function usage(message: string): never {
  throw new TesseraError('input.invalid', message);
}

function decimal(value: string, flag: string): bigint {
  if (!/^\d{1,20}$/.test(value)) usage(`${flag} must be a decimal integer`);
  return BigInt(value);
}

/** Unix seconds from "1206446790" or an ISO 8601 date-time such as "2008-03-25T12:06:30Z". */
function parseTime(value: string): bigint {
  if (/^\d{1,15}$/.test(value)) return BigInt(value);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) usage('--time must be Unix seconds or an ISO 8601 date-time');
  return BigInt(Math.floor(ms / 1000));
}

/** Maps the options onto OCRA inputs; throws TesseraError on anything malformed. */
function toInputs(o: OcraOptions, suiteText: string): { suite: ReturnType<typeof parseOcraSuite>; key: Uint8Array; inputs: OcraInputs } {
  const suite = parseOcraSuite(suiteText);
  if (o.key === undefined) usage('--key is required');
  if (o.question === undefined) usage('--question is required');
  if (o.pin !== undefined && o.pinHash !== undefined) usage('give either --pin or --pin-hash, not both');
  if (o.timestamp !== undefined && o.time !== undefined) usage('give either --timestamp or --time, not both');
  const inputs: OcraInputs = { question: o.question };
  if (o.counter !== undefined) inputs.counter = decimal(o.counter, '--counter');
  if (o.pin !== undefined) inputs.pin = o.pin;
  if (o.pinHash !== undefined) inputs.pinHash = fromHex(o.pinHash, '--pin-hash');
  if (o.session !== undefined) inputs.session = fromHex(o.session, '--session');
  if (o.timestamp !== undefined) {
    if (!/^[0-9a-fA-F]{1,16}$/.test(o.timestamp)) usage('--timestamp must be 1 to 16 hex digits (the time-step count T)');
    inputs.timestamp = BigInt(`0x${o.timestamp}`);
  } else if (o.time !== undefined) {
    inputs.timestamp = ocraTimestamp(suite, parseTime(o.time));
  } else if (suite.timeStep !== undefined) {
    inputs.timestamp = ocraTimestamp(suite, BigInt(Math.floor(Date.now() / 1000)));
  }
  return { suite, key: fromHex(o.key, '--key'), inputs };
}

function run(o: OcraOptions, extra: readonly string[]): number {
  if (extra.length > 0) usage(`unexpected argument "${extra[0]}"`);
  if (o.suite === undefined) usage('--suite is required');
  if (o.window !== undefined && o.verify === undefined) usage('--window needs --verify');
  const { suite, key, inputs } = toInputs(o, o.suite);
  if (o.verify === undefined) {
    print(computeOcra(nodePrimitives, suite, key, inputs));
    return EXIT.ok;
  }
  const n = o.window === undefined ? 0 : Number(decimal(o.window, '--window'));
  if (n > 0 && !suite.counter && suite.timeStep === undefined) usage('--window needs a suite with C or T');
  const result = verifyOcra(nodePrimitives, suite, key, o.verify, inputs, {
    timeWindow: suite.timeStep === undefined ? 0 : n,
    counterLookAhead: suite.counter ? n : 0,
  });
  print(result.valid ? 'valid' : 'invalid');
  return result.valid ? EXIT.ok : EXIT.invalid;
}

/** Commander's "error: unknown option '--x'" as the one-line form used by every tessera error. */
function oneLine(text: string): string {
  return text.replace(/^error:\s*/i, '').replace(/\s+/g, ' ').trim();
}

/**
 * The `tessera ocra` command. It never calls process.exit: the action sets `process.exitCode`
 * (0 response printed or valid, 1 invalid, 2 usage or input error), and commander's own parse
 * errors are rethrown as a `CommanderError` whose `exitCode` is 2 (0 for `--help`).
 * @example program.addCommand(ocraCommand())
 */
export function ocraCommand(): Command {
  const cmd = new Command('ocra')
    .description('compute or verify an OCRA (RFC 6287) response')
    .option('--suite <suite>', 'OCRASuite, e.g. OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1')
    .option('--key <hex>', 'shared secret K in hex')
    .option('--counter <n>', 'counter C (decimal), for suites with C')
    .option('--question <q>', 'challenge question Q in the suite format (A, N or H)')
    .option('--pin <pin>', 'PIN, hashed with the suite P hash')
    .option('--pin-hash <hex>', 'hash of the PIN in hex, instead of --pin')
    .option('--session <hex>', 'session information S in hex, exactly Snnn bytes')
    .option('--timestamp <hex>', 'time-step count T in hex, as in RFC 6287 Appendix C')
    .option('--time <time>', 'time (ISO 8601 or Unix seconds) from which T is computed')
    .option('--verify <response>', 'check this response instead of printing one')
    .option('--window <n>', 'with --verify: accept T±n steps or counters C..C+n')
    .allowExcessArguments(true)
    .addHelpText('after', HELP_AFTER)
    .configureOutput({ outputError: (text, write) => write(`tessera: input.invalid: ${oneLine(text)}\n`) })
    .exitOverride((err) => {
      const code = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      process.exitCode = code;
      throw new CommanderError(code, err.code, err.message);
    })
    .action(function (this: Command) {
      try {
        process.exitCode = run(this.opts<OcraOptions>(), this.args);
      } catch (err) {
        if (!isTesseraError(err)) throw err;
        process.stderr.write(`tessera: ${err.code}: ${oneLine(err.message)}\n`);
        process.exitCode = EXIT.usage;
      }
    });
  return cmd;
}
