// `tessera terminal activate`: a provisioned terminal spends a purchased activation code, as
// the terminal (credential file, or OTP image + hardware), then logs in again. When the server
// requires a SIM binding for activation (the default) pass the SIM facts (--sim or --mmcli).
import { Command } from 'commander';
import { TesseraError } from '../../protocol/errors.ts';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { BindingClient } from '../../terminal/binding/bindingClient.ts';
import { TerminalClient } from '../../terminal/terminalClient.ts';
import { readCredentialFile } from './terminal.ts';
import { subscriberFrom } from './terminalBind.ts';
import { bootedClient, type HardwareOptions, hardwareOptions } from './terminalBoot.ts';

interface ActivateOptions extends HardwareOptions {
  code: string;
  credential?: string;
  otp?: string;
  url?: string;
  sim?: string;
  mmcli?: boolean;
  modem?: string;
  seSerial?: string;
  msisdn?: string;
  json?: boolean;
}

const print = (text: string) => process.stdout.write(`${text}\n`);

/** `terminal activate`. */
export function activateCommand(): Command {
  return hardwareOptions(new Command('activate'))
    .description('Activate a provisioned terminal with a purchased code (XXXX-XXXX-XXXX-XXXX-C); it becomes active')
    .requiredOption('--code <code>', 'the activation code; case, spaces and hyphens do not matter')
    .option('--credential <file>', 'credential file written by `terminal add`')
    .option('--otp <file>', 'or, for a factory-made terminal, its OTP image (with --hardware-file or --linux)')
    .option('--url <url>', 'server URL (default: the credential\'s)')
    .option('--sim <file>', 'SIM facts for a server that requires a binding: JSON {"iccid", "imsi", "seSerial", "msisdn"?}')
    .option('--mmcli', 'or read the SIM from the modem with ModemManager\'s mmcli')
    .option('--modem <id>', 'with --mmcli: modem index or D-Bus path (default: the first)')
    .option('--se-serial <serial>', 'with --mmcli: secure-element serial (default: the eUICC EID)')
    .option('--msisdn <number>', 'the bound number, when the SIM does not report it')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  tessera terminal activate --credential T-0001.json --code 7Q2M-K9XD-0PAV-3RTE-~\n  tessera terminal activate --credential T-0001.json --sim sim.json --code "7q2m k9xd 0pav 3rte ~"')
    .action(async (opts: ActivateOptions) => {
      if (Boolean(opts.credential) === Boolean(opts.otp)) throw new TesseraError('input.invalid', 'give exactly one of --credential <file> or --otp <file>');
      const client = opts.otp
        ? await bootedClient({ ...opts, otp: opts.otp })
        : new TerminalClient({ credential: readCredentialFile(opts.credential!), primitives: nodePrimitives, ...(opts.url ? { url: opts.url } : {}) });
      const facts = opts.sim || opts.mmcli ? new BindingClient({ client, subscriber: subscriberFrom({ ...opts, credential: opts.credential ?? '' }), ...(opts.msisdn ? { msisdn: opts.msisdn } : {}) }) : undefined;
      const out = await client.activate(opts.code, facts ? { facts } : {});
      const view = { terminalId: out.terminalId, status: out.status, product: out.product, activatedAt: out.activatedAt, capabilities: out.session.capabilities };
      print(opts.json ? JSON.stringify(view) : `activated ${view.terminalId} (${view.product}) at ${view.activatedAt}; capabilities now: ${view.capabilities.join(', ')}`);
    });
}
