// `tessera codes issue|list|revoke`: purchase activation codes against a running server
// (admin token). `issue` writes the codes, shown only this once, to a new 0600 CSV file.
import type { Static } from 'typebox';
import { Command } from 'commander';
import { TesseraError } from '../../protocol/errors.ts';
import { type AdminOptions, adminClient, adminOptions } from '../adminClient.ts';
import { print, writeShownOnce } from '../output.ts';
import type { BatchReply } from '../../server/routes/activationSchemas.ts';

type BatchJson = Static<typeof BatchReply>;

/** One line per batch: name, product, counts by status, expiry (and revocation). */
function batchRow(b: BatchJson): string {
  const c = b.counts;
  const revoked = b.revokedAt ? `\trevoked ${b.revokedAt}` : '';
  return `${b.id}\t${b.product}\tissued=${c.issued}\tused=${c.used}\trevoked=${c.revoked}\texpired=${c.expired}\ttotal=${b.count}\texpires ${b.expiresAt}${revoked}`;
}

const batchPath = (id: string, action = '') => `/v1/admin/code-batches/${encodeURIComponent(id)}${action}`;

/** The codes command group. */
export function codesCommand(): Command {
  const codes = new Command('codes').description('Issue, list and revoke purchase activation codes (docs/protocol.md §12)');

  adminOptions(codes.command('issue'))
    .description('Issue a batch of activation codes and write them to a new CSV file (mode 0600); the server keeps only keyed hashes')
    .requiredOption('--batch <name>', 'batch name (letters, digits, . _ : + -)')
    .requiredOption('--count <n>', 'how many codes (1–100000)')
    .requiredOption('--product <name>', 'what the codes activate, e.g. basic-12m')
    .requiredOption('--out <file>', 'CSV file to create (refuses to overwrite)')
    .option('--expires <date>', 'expiry, ISO-8601 (default: the server\'s TESSERA_ACTIVATION_CODE_TTL_DAYS from now)')
    .option('--json', 'print the batch as JSON')
    .addHelpText('after', '\nExample:\n  tessera codes issue --batch B-2026-11 --count 10000 --product basic-12m --out codes.csv')
    .action(async (opts: AdminOptions & { batch: string; count: string; product: string; out: string; expires?: string; json?: boolean }) => {
      if (!/^\d{1,6}$/.test(opts.count)) throw new TesseraError('input.invalid', '--count must be a whole number from 1 to 100000');
      const client = adminClient(opts);
      const out = await writeShownOnce(
        opts.out,
        { shown: 'codes are shown only once', nothing: 'nothing was issued', lost: () => `batch ${opts.batch} was issued but ${opts.out} could not be written; revoke it with \`tessera codes revoke --batch ${opts.batch}\` and issue a new batch` },
        () => client.call<{ batch: BatchJson; codes: string[] }>('POST', '/v1/admin/code-batches', { batch: opts.batch, count: Number(opts.count), product: opts.product, ...(opts.expires ? { expiresAt: opts.expires } : {}) }),
        ({ batch: b, codes: list }) => `code,batch,product,expires_at\n${list.map((c) => `${c},${b.id},${b.product},${b.expiresAt}`).join('\n')}\n`,
      );
      print(opts.json ? JSON.stringify(out.batch) : `issued ${out.codes.length} codes in batch ${out.batch.id} (product ${out.batch.product}, expire ${out.batch.expiresAt}); written to ${opts.out}`);
    });

  adminOptions(codes.command('list'))
    .description('List code batches with their codes counted by status (never the codes)')
    .option('--batch <name>', 'only this batch')
    .option('--json', 'print JSON')
    .action(async (opts: AdminOptions & { batch?: string; json?: boolean }) => {
      if (opts.batch?.trim() === '') throw new TesseraError('input.invalid', '--batch is empty; give a batch name, or leave --batch out to list every batch');
      const client = adminClient(opts);
      let batches: BatchJson[];
      if (opts.batch) {
        batches = [await client.call<BatchJson>('GET', batchPath(opts.batch))];
      } else {
        batches = [];
        for (let after: string | null = null; ; ) {
          const q = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
          const page: { batches: BatchJson[]; next: string | null } = await client.call('GET', `/v1/admin/code-batches?${q}`);
          batches.push(...page.batches);
          after = page.next;
          if (after === null) break;
        }
      }
      if (opts.json) print(JSON.stringify(opts.batch ? batches[0] : batches));
      else for (const b of batches) print(batchRow(b));
    });

  adminOptions(codes.command('used'))
    .description('List the terminals that spent a code of a batch, and when (never the codes)')
    .requiredOption('--batch <name>', 'batch name')
    .option('--json', 'print JSON lines')
    .action(async (opts: AdminOptions & { batch: string; json?: boolean }) => {
      const client = adminClient(opts);
      for (let after: string | null = null; ; ) {
        const q = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
        const page: { redemptions: { terminalId: string; usedAt: string }[]; next: string | null } = await client.call('GET', batchPath(opts.batch, `/redemptions?${q}`));
        for (const x of page.redemptions) print(opts.json ? JSON.stringify(x) : `${x.terminalId}\t${x.usedAt}`);
        after = page.next;
        if (after === null) break;
      }
    });

  adminOptions(codes.command('revoke'))
    .description('Revoke every unused code of a batch (used codes stay used)')
    .requiredOption('--batch <name>', 'batch name')
    .action(async (opts: AdminOptions & { batch: string }) => {
      const out = await adminClient(opts).call<{ batch: BatchJson; revoked: number }>('POST', batchPath(opts.batch, '/revoke'));
      print(`revoked ${out.revoked} unused codes of batch ${out.batch.id}`);
      print(batchRow(out.batch));
    });

  return codes;
}
