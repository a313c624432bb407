// `tessera binding list|show|suspend|release`: SIM binding administration against a running
// server (admin token), the counterpart of /v1/admin/bindings.
import { Command } from 'commander';
import { type AdminOptions, adminClient, adminOptions, warnMorePages } from '../adminClient.ts';
import type { BindingView } from '../../server/services/binding/bindingViews.ts';
import { print } from '../output.ts';

/** One line per binding: id, status(reason), terminal, app, …last4, created, cool-down. */
function bindingRow(b: BindingView): string {
  const status = b.reason ? `${b.status}(${b.reason})` : b.status;
  const cooldown = b.cooldownUntil ? `\tcool-down until ${b.cooldownUntil}` : '';
  return `${b.id}\t${status}\t${b.terminalId}\t${b.appId}\t…${b.msisdnLast4}\t${b.createdAt}${cooldown}`;
}

const path = (id: string, action = '') => `/v1/admin/bindings/${encodeURIComponent(id)}${action}`;

/** The binding command group. */
export function bindingCommand(): Command {
  const binding = new Command('binding').description('List, show, suspend and release SIM/secure-element bindings (docs/binding.md)');

  adminOptions(binding.command('list'))
    .description('List bindings, newest first')
    .option('--terminal <id>', 'only this terminal\'s bindings')
    .option('--app <id>', 'only this application\'s bindings')
    .option('--status <status>', 'pending, active, suspended or ended')
    .option('--msisdn <number>', 'only bindings of this phone number (E.164; matched by keyed hash)')
    .option('--limit <n>', 'page size (1–1000)', '100')
    .option('--before <id>', 'start below this binding id (the `next` of the previous page)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  tessera binding list --status suspended\n  tessera binding list --msisdn +447400123456')
    .action(async (opts: AdminOptions & { terminal?: string; app?: string; status?: string; msisdn?: string; limit: string; before?: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: opts.limit });
      if (opts.terminal) q.set('terminalId', opts.terminal);
      if (opts.app) q.set('appId', opts.app);
      if (opts.status) q.set('status', opts.status);
      if (opts.msisdn) q.set('msisdn', opts.msisdn);
      if (opts.before) q.set('before', opts.before);
      const out = await adminClient(opts).call<{ bindings: BindingView[]; next: string | null }>('GET', `/v1/admin/bindings?${q}`);
      if (opts.json) print(JSON.stringify(out));
      else {
        for (const b of out.bindings) print(bindingRow(b));
        warnMorePages(out.next, 'bindings', '--before');
      }
    });

  adminOptions(binding.command('show'))
    .description('Show one binding')
    .argument('<id>', 'binding id')
    .action(async (id: string, opts: AdminOptions) => {
      print(JSON.stringify(await adminClient(opts).call<BindingView>('GET', path(id)), null, 2));
    });

  adminOptions(binding.command('suspend'))
    .description('Suspend an active binding: sensitive calls are refused until the user binds again')
    .argument('<id>', 'binding id')
    .action(async (id: string, opts: AdminOptions) => {
      print(bindingRow(await adminClient(opts).call<BindingView>('POST', path(id, '/suspend'))));
    });

  adminOptions(binding.command('release'))
    .description('End a binding: the number may be bound again, here or on another terminal')
    .argument('<id>', 'binding id')
    .action(async (id: string, opts: AdminOptions) => {
      print(bindingRow(await adminClient(opts).call<BindingView>('POST', path(id, '/release'))));
    });

  return binding;
}
