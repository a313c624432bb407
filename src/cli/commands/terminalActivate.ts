// `tessera terminal activate`: a provisioned terminal spends a purchased activation code, as
// the terminal (credential file, or OTP image + hardware), then logs in again. When the server
// requires a SIM binding for activation (the default) pass the SIM facts (--sim or --mmcli).
import { Command } from 'commander';
import { isTesseraError, TesseraError } from '../../protocol/errors.ts';
import { BindingClient } from '../../terminal/binding/bindingClient.ts';
import { print } from '../output.ts';
import { type SimOptions, simOptions, subscriberFrom } from './terminalBind.ts';
import { hardwareOptions, type TerminalSourceOptions, terminalClientFrom } from './terminalBoot.ts';

interface ActivateOptions extends TerminalSourceOptions, SimOptions {
  code: string;
  json?: boolean;
}

/** `terminal activate`. */
export function activateCommand(): Command {
  const cmd = hardwareOptions(new Command('activate'))
    .description('Activate a provisioned terminal with a purchased code (XXXX-XXXX-XXXX-XXXX-C); it becomes active')
    .requiredOption('--code <code>', 'the activation code; case, spaces and hyphens do not matter')
    .option('--credential <file>', 'credential file written by `terminal add`')
    .option('--otp <file>', 'or, for a factory-made terminal, its OTP image (with --hardware-file or --linux)')
    .option('--url <url>', 'server URL (default: the credential\'s)');
  return simOptions(cmd, { simHelp: 'SIM facts for a server that requires a binding: JSON {"iccid", "imsi", "seSerial", "msisdn"?}' })
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  tessera terminal activate --credential T-0001.json --code 7Q2M-K9XD-0PAV-3RTE-X\n  tessera terminal activate --credential T-0001.json --sim sim.json --code "7q2m k9xd 0pav 3rte x"')
    .action(async (opts: ActivateOptions) => {
      const client = await terminalClientFrom(opts);
      const facts = opts.sim || opts.mmcli ? new BindingClient({ client, subscriber: subscriberFrom(opts), ...(opts.msisdn ? { msisdn: opts.msisdn } : {}) }) : undefined;
      const out = await client.activate(opts.code, facts ? { facts } : {}).catch((err: unknown) => {
        if (!facts && isTesseraError(err, 'binding.facts_missing')) {
          throw new TesseraError('binding.facts_missing', 'this server activates only a terminal with a SIM binding: bind it first (tessera terminal bind), then activate with --sim <file> or --mmcli');
        }
        throw err;
      });
      const view = { terminalId: out.terminalId, status: out.status, product: out.product, activatedAt: out.activatedAt, capabilities: out.session.capabilities };
      print(opts.json ? JSON.stringify(view) : `activated ${view.terminalId} (${view.product}) at ${view.activatedAt}; capabilities now: ${view.capabilities.join(', ')}`);
    });
}
