// `tessera terminal add|list|show|revoke` (admin, against a running server) and
// `tessera terminal login` (runs the terminal SDK with a credential file).
import type { Static } from 'typebox';
import { Command } from 'commander';
import type { TerminalCredential } from '../../protocol/credential.ts';
import { type AdminOptions, adminClient, adminOptions, warnMorePages } from '../adminClient.ts';
import { print, writeShownOnce } from '../output.ts';
import type { TerminalReply } from '../../server/routes/schemas.ts';
import { activateCommand } from './terminalActivate.ts';
import { ocraKeyCommand } from './terminalOcraKey.ts';
import { bindCommand, secureEchoCommand } from './terminalBind.ts';
import { bootCommand, fingerprintCommand, hardwareOptions, type TerminalSourceOptions, terminalClientFrom, writeOtpCommand } from './terminalBoot.ts';

type TerminalJson = Static<typeof TerminalReply>;

const row = (t: TerminalJson) => `${t.id}\t${t.status}\tkid=${t.kid}\t${t.suites.join(',')}\t${t.createdAt}${t.label ? `\t${t.label}` : ''}`;

/** The terminal command group. */
export function terminalCommand(): Command {
  const terminal = new Command('terminal').description('Register, inspect and revoke terminals; log a terminal in');

  adminOptions(terminal.command('add'))
    .description('Register a terminal and write its credential file (mode 0600)')
    .requiredOption('--id <id>', 'terminal id')
    .requiredOption('--out <file>', 'credential file to create (refuses to overwrite)')
    .option('--label <text>', 'free-text label')
    .option('--suites <list>', 'comma-separated handshake suites the terminal may use')
    .option('--json', 'print the terminal record as JSON')
    .addHelpText('after', '\nExample:\n  tessera terminal add --id T-0001 --out T-0001.json')
    .action(async (opts: AdminOptions & { id: string; out: string; label?: string; suites?: string; json?: boolean }) => {
      const body: Record<string, unknown> = { id: opts.id };
      if (opts.label !== undefined) body['label'] = opts.label;
      if (opts.suites !== undefined) body['suites'] = opts.suites.split(',').map((s) => s.trim());
      const out = await writeShownOnce(
        opts.out,
        { shown: 'the credential is shown only once', nothing: 'nothing was registered', lost: () => `terminal ${opts.id} was registered but ${opts.out} could not be written; its credential is lost: revoke ${opts.id} and register the terminal under a new id` },
        () => adminClient(opts).call<{ terminal: TerminalJson; credential: TerminalCredential }>('POST', '/v1/admin/terminals', body),
        ({ credential }) => `${JSON.stringify(credential, null, 2)}\n`,
      );
      print(opts.json ? JSON.stringify(out.terminal) : `registered ${out.terminal.id} (kid ${out.terminal.kid}); credential written to ${opts.out}`);
    });

  adminOptions(terminal.command('list'))
    .description('List terminals')
    .option('--status <status>', 'provisioned, active, restricted or revoked')
    .option('--limit <n>', 'page size (1–1000)', '100')
    .option('--after <id>', 'start after this id')
    .option('--json', 'print JSON')
    .action(async (opts: AdminOptions & { status?: string; limit: string; after?: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: opts.limit });
      if (opts.status) q.set('status', opts.status);
      if (opts.after) q.set('after', opts.after);
      const out = await adminClient(opts).call<{ terminals: TerminalJson[]; next: string | null }>('GET', `/v1/admin/terminals?${q}`);
      if (opts.json) print(JSON.stringify(out));
      else {
        for (const t of out.terminals) print(row(t));
        warnMorePages(out.next, 'terminals', '--after');
      }
    });

  adminOptions(terminal.command('show'))
    .description('Show one terminal')
    .argument('<id>', 'terminal id')
    .action(async (id: string, opts: AdminOptions) => {
      print(JSON.stringify(await adminClient(opts).call<TerminalJson>('GET', `/v1/admin/terminals/${encodeURIComponent(id)}`), null, 2));
    });

  for (const [name, verb, summary] of [
    ['restrict', 'restrict', 'Restrict a terminal to updates only; its sessions lose every other capability at once'],
    ['restore', 'restore', 'Lift a restriction: the terminal is active again, or provisioned if it never spent an activation code'],
  ] as const) {
    adminOptions(terminal.command(name))
      .description(summary)
      .argument('<id>', 'terminal id')
      .action(async (id: string, opts: AdminOptions) => {
        const t = await adminClient(opts).call<TerminalJson>('POST', `/v1/admin/terminals/${encodeURIComponent(id)}/${verb}`);
        print(`${t.id} ${t.status}`);
      });
  }

  adminOptions(terminal.command('revoke'))
    .description('Revoke a terminal: it can no longer log in and its sessions stop working')
    .argument('<id>', 'terminal id')
    .action(async (id: string, opts: AdminOptions) => {
      const t = await adminClient(opts).call<TerminalJson>('POST', `/v1/admin/terminals/${encodeURIComponent(id)}/revoke`);
      print(`${t.id} ${t.status} at ${t.revokedAt}`);
    });

  hardwareOptions(terminal.command('login'))
    .description('Run the mutual handshake as the terminal: the server proves itself first, then the terminal')
    .option('--credential <file>', 'credential file written by `terminal add`')
    .option('--otp <file>', 'or, for a factory-made terminal, its OTP image (with --hardware-file or --linux): boots, then logs in with hardware evidence')
    .option('--url <url>', 'server URL (default: the credential\'s)')
    .option('--json', 'print the session as JSON')
    .action(async (opts: TerminalSourceOptions & { json?: boolean }) => {
      const s = await (await terminalClientFrom(opts)).login();
      const view = { sessionId: s.sessionId, expiresAt: s.expiresAt.toISOString(), capabilities: s.capabilities, suite: s.suite };
      print(opts.json ? JSON.stringify(view) : `server proved itself; session ${view.sessionId} (${view.suite}) until ${view.expiresAt}; capabilities: ${view.capabilities.join(', ')}`);
    });

  terminal.addCommand(bootCommand());
  terminal.addCommand(fingerprintCommand());
  terminal.addCommand(writeOtpCommand());
  terminal.addCommand(bindCommand());
  terminal.addCommand(secureEchoCommand());
  terminal.addCommand(activateCommand());
  terminal.addCommand(ocraKeyCommand());

  return terminal;
}
