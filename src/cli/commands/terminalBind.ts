// `tessera terminal bind` (register a SIM binding and confirm its code) and
// `tessera terminal secure-echo` (a sensitive call carrying the SIM/SE facts), run as the
// terminal with its credential. Facts come from a JSON file (simulated SIM) or from the
// modem through ModemManager's mmcli.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { promisify } from 'node:util';
import { Command } from 'commander';
import type { SubscriberFacts } from '../../protocol/binding/simIdentifiers.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { BindingClient } from '../../terminal/binding/bindingClient.ts';
import { createMmcliSubscriberInfo } from '../../terminal/binding/mmcliSubscriberInfo.ts';
import { SimulatedSubscriberInfo, type SubscriberInfo } from '../../terminal/binding/subscriberInfo.ts';
import { print } from '../output.ts';
import { terminalClientFrom } from './terminalBoot.ts';

/** The SIM facts options (see simOptions). */
export interface SimOptions {
  sim?: string;
  mmcli?: boolean;
  modem?: string;
  seSerial?: string;
  msisdn?: string;
}

interface FactsOptions extends SimOptions {
  credential: string;
  url?: string;
}

function readSimFile(path: string): SubscriberFacts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TesseraError('input.invalid', `cannot read the SIM file ${path} (${(err as NodeJS.ErrnoException).code ?? 'not JSON'})`);
  }
  const shape = `${path} must hold {"iccid", "imsi", "seSerial", optional "msisdn"} as strings`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TesseraError('input.invalid', shape);
  const { iccid, imsi, seSerial, msisdn } = parsed as Record<string, unknown>;
  if (typeof iccid !== 'string' || typeof imsi !== 'string' || typeof seSerial !== 'string' || (msisdn !== undefined && typeof msisdn !== 'string')) {
    throw new TesseraError('input.invalid', shape);
  }
  return { iccid, imsi, seSerial, ...(msisdn === undefined ? {} : { msisdn }) };
}

/** The SubscriberInfo the options name: `--sim file.json` or `--mmcli`. */
export function subscriberFrom(opts: SimOptions): SubscriberInfo {
  if (Boolean(opts.sim) === Boolean(opts.mmcli)) throw new TesseraError('input.invalid', 'give exactly one of --sim <file> or --mmcli');
  if (opts.sim) return new SimulatedSubscriberInfo(readSimFile(opts.sim));
  const run = async (args: readonly string[]) => (await promisify(execFile)('mmcli', [...args], { encoding: 'utf8', timeout: 10_000 })).stdout;
  const se = opts.seSerial;
  return createMmcliSubscriberInfo({ run, ...(opts.modem ? { modem: opts.modem } : {}), ...(se ? { seSerial: async () => se } : {}) });
}

/**
 * Adds the SIM facts options --sim, --mmcli, --modem, --se-serial and --msisdn. `simHelp`
 * describes --sim; `bind` requires --msisdn, the number it registers.
 */
export function simOptions(cmd: Command, how: { simHelp?: string; requireMsisdn?: boolean } = {}): Command {
  const withSim = cmd
    .option('--sim <file>', how.simHelp ?? 'simulated SIM: JSON {"iccid", "imsi", "seSerial", "msisdn"?}')
    .option('--mmcli', 'or read the SIM from the modem with ModemManager\'s mmcli')
    .option('--modem <id>', 'with --mmcli: modem index or D-Bus path (default: the first)')
    .option('--se-serial <serial>', 'with --mmcli: secure-element serial (default: the eUICC EID)');
  return how.requireMsisdn
    ? withSim.requiredOption('--msisdn <number>', 'the phone number, in international form (+447400123456)')
    : withSim.option('--msisdn <number>', 'the bound number, when the SIM does not report it');
}

function factsOptions(cmd: Command, requireMsisdn = false): Command {
  const withCredential = cmd.requiredOption('--credential <file>', 'credential file written by `terminal add`').option('--url <url>', 'server URL (default: the credential\'s)');
  return simOptions(withCredential, { requireMsisdn });
}

async function bindingClient(opts: FactsOptions): Promise<BindingClient> {
  const client = await terminalClientFrom(opts);
  return new BindingClient({ client, subscriber: subscriberFrom(opts), ...(opts.msisdn ? { msisdn: opts.msisdn } : {}) });
}

async function promptCode(length: number): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
  try {
    const answer = rl.question(`verification code (${length} digits): `);
    const closed = new Promise<never>((_, reject) => rl.once('close', () => reject(new TesseraError('input.invalid', 'no code given: pass --code or type it'))));
    return (await Promise.race([answer, closed])).trim();
  } finally {
    rl.close();
  }
}

/** `code` trimmed, when it is the 6 to 8 digits the server accepts; else `input.invalid` naming `what`. */
function checkSmsCode(code: string, what: string): string {
  const trimmed = code.trim();
  if (!/^[0-9]{6,8}$/.test(trimmed)) throw new TesseraError('input.invalid', `${what} must be the 6 to 8 digits of the SMS`);
  return trimmed;
}

/** `terminal bind`. */
export function bindCommand(): Command {
  return factsOptions(new Command('bind'), true)
    .description('Bind this terminal to its SIM and secure element: the server texts a code to the number, then confirm it')
    .option('--app <id>', 'application id (default: the server\'s first)')
    .option('--code <digits>', 'the code from the SMS (default: prompt for it)')
    .option('--json', 'print the binding as JSON')
    .addHelpText('after', '\nExample:\n  tessera terminal bind --credential T-0001.json --sim sim.json --msisdn +447400123456')
    .action(async (opts: FactsOptions & { msisdn: string; app?: string; code?: string; json?: boolean }) => {
      // Checked before registering: registering texts a code, and a typo here would waste it.
      if (opts.code !== undefined) checkSmsCode(opts.code, '--code');
      const binding = await bindingClient(opts);
      const pending = await binding.register({ msisdn: opts.msisdn, ...(opts.app ? { appId: opts.app } : {}) });
      process.stderr.write(`tessera: code sent to …${pending.binding.msisdnLast4} (binding ${pending.binding.id}, expires ${pending.codeExpiresAt})\n`);
      const code = opts.code ?? checkSmsCode(await promptCode(pending.codeLength), 'the code');
      const b = await binding.confirm(code, pending.binding.id);
      const cooldown = b.cooldownUntil ? `; sensitive calls held until ${b.cooldownUntil} (SIM change)` : '';
      print(opts.json ? JSON.stringify(b) : `bound: ${b.id} ${b.status} (…${b.msisdnLast4}, app ${b.appId})${cooldown}`);
    });
}

/** `terminal secure-echo`. */
export function secureEchoCommand(): Command {
  return factsOptions(new Command('secure-echo'))
    .description('Make the example sensitive call POST /v1/secure/echo with the SIM/SE facts signed in')
    .option('--body <json>', 'JSON object to echo', '{}')
    .action(async (opts: FactsOptions & { body: string }) => {
      let body: unknown;
      try {
        body = JSON.parse(opts.body);
      } catch {
        throw new TesseraError('input.invalid', '--body is not JSON');
      }
      print(JSON.stringify((await (await bindingClient(opts)).sensitive('POST', '/v1/secure/echo', { body })).body));
    });
}
