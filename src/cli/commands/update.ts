// `tessera update publish|list|check`: publish a signed update (admin), list what is
// published, and check for an update as a terminal would, restricted ones included — with
// the update key from an OTP image or given by hand. Exit codes: 0 ok or no update,
// 1 refused (bad signature, downgrade, wrong lot, size or hash mismatch), 2 usage.
import { lstatSync, type Stats, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Command } from 'commander';
import { fromBase64Url, toHex } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { parseOtpImage } from '../../protocol/otp/otpImage.ts';
import type { UpdateManifest } from '../../protocol/updates/updateManifest.ts';
import { isUpdateManifestSigned } from '../../protocol/updates/verifyUpdateManifest.ts';
import { UpdateChecker } from '../../terminal/updates/updateChecker.ts';
import { type AdminOptions, adminClient, adminOptions, serverUrl, warnMorePages } from '../adminClient.ts';
import { writeFileAtomic } from '../../server/config/atomicFile.ts';
import { print, readInput, warn } from '../output.ts';

interface SignedJson {
  manifest: UpdateManifest;
  signature: string;
}


/** One line per update: version, size, sha256, min version, lots, published. */
function updateRow(m: UpdateManifest): string {
  return `${m.version}\t${m.size} B\tsha256:${m.sha256}\tmin ${m.minVersion ?? '-'}\tlots ${m.lots.length === 0 ? '(all)' : m.lots.join(',')}\t${m.createdAt}\t${m.fileName}`;
}

type PublishOptions = AdminOptions & { version: string; file: string; minVersion?: string; lots?: string; fileName?: string; json?: boolean };

async function publish(opts: PublishOptions): Promise<void> {
  const bytes = readInput(opts.file, 'update file');
  const q = new URLSearchParams({ version: opts.version, fileName: opts.fileName ?? basename(opts.file) });
  if (opts.minVersion) q.set('minVersion', opts.minVersion);
  if (opts.lots) q.set('lots', opts.lots);
  const out = await adminClient(opts).upload<SignedJson & { unknownLots: string[]; publicKey: string }>(`/v1/admin/updates?${q}`, bytes, 'application/octet-stream');
  // What the server signed must be this file, and its signature must verify under the key it names.
  if (out.manifest.size !== bytes.length || out.manifest.sha256 !== toHex(nodePrimitives.digest('sha256', bytes))) {
    throw new TesseraError('client.bad_response', 'the server signed a size or SHA-256 that is not this file\'s');
  }
  if (!isUpdateManifestSigned(nodePrimitives, fromBase64Url(out.publicKey, 'publicKey'), out.manifest, out.signature)) {
    throw new TesseraError('client.bad_response', 'the signature the server returned does not verify under its update key');
  }
  for (const lot of out.unknownLots) warn(`lot ${lot} is not known to the server (published anyway; check the spelling)`);
  if (opts.json) print(JSON.stringify(out));
  else print(`published ${updateRow(out.manifest)}\nupdate key ${out.publicKey}`);
}

type CheckOptions = { otp?: string; publicKey?: string; url?: string; lot?: string; current: string; download?: string; json?: boolean };

/** Where to ask and which key to trust: from the OTP image (public fields only) or the options. */
function checkerSource(opts: CheckOptions): { url: string; updatePublicKey: Uint8Array; lotId: string | undefined } {
  if (Boolean(opts.otp) === Boolean(opts.publicKey)) throw new TesseraError('input.invalid', 'give exactly one of --otp <file> or --public-key <base64url>');
  if (opts.otp) {
    const image = parseOtpImage(nodePrimitives, readInput(opts.otp, 'OTP image'));
    return { url: serverUrl(opts, {}, [image.url, 'the OTP image\'s URL']), updatePublicKey: image.updatePublicKey, lotId: opts.lot ?? image.lotId };
  }
  const key = fromBase64Url(opts.publicKey!, '--public-key');
  if (key.length !== 32) throw new TesseraError('input.invalid', '--public-key must be a 32-byte Ed25519 key in base64url');
  return { url: serverUrl(opts, process.env), updatePublicKey: key, lotId: opts.lot };
}

/**
 * Refuses, before anything is downloaded, a --download path that cannot take the file: empty,
 * in a directory that is missing or not one, a directory itself, or an existing file (an
 * update is never written over a file, as no output file of the CLI is).
 */
function checkDownloadPath(out: string): void {
  const refuse = (why: string) => new TesseraError('input.invalid', `--download: ${why}`);
  if (out.trim() === '') throw new TesseraError('input.invalid', '--download is empty; give the file to write the update to');
  const parent = dirname(out);
  let parentStat: Stats | undefined;
  try {
    parentStat = statSync(parent);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? `cannot write ${out}: its directory ${parent} does not exist` : code === 'ENOTDIR' ? `cannot write ${out}: ${parent} is not a directory` : `cannot write ${out} (${code ?? 'error'})`);
  }
  if (!parentStat.isDirectory()) throw refuse(`cannot write ${out}: ${parent} is not a directory`);
  let existing: Stats | undefined;
  try {
    existing = lstatSync(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(`cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (existing?.isDirectory()) throw refuse(`${out} is a directory; give a file name for the update`);
  if (existing) throw refuse(`${out} exists; choose a new file`);
}

async function check(opts: CheckOptions): Promise<void> {
  if (opts.download !== undefined) checkDownloadPath(opts.download);
  const source = checkerSource(opts);
  const checker = new UpdateChecker({ ...source, primitives: nodePrimitives });
  const found = await checker.check(opts.current);
  const report = (verdict: Record<string, unknown>): void => {
    print(opts.json ? JSON.stringify(verdict) : Object.values(verdict).filter((v) => typeof v === 'string').join(': '));
  };
  if (found.status === 'up_to_date') return report({ verdict: 'up-to-date', detail: `no update for ${opts.current}${source.lotId ? ` in lot ${source.lotId}` : ''}` });
  if (found.status === 'refused') {
    process.exitCode = 1;
    return report({ verdict: 'refused', reason: found.reason, detail: found.detail });
  }
  if (!opts.download) return report({ verdict: 'available', detail: updateRow(found.manifest), manifest: found.manifest });
  const file = await checker.download(found.manifest);
  if (!file.ok) {
    process.exitCode = 1;
    return report({ verdict: 'refused', reason: file.reason, detail: file.detail });
  }
  // Written under a temporary name and renamed, so OUT only ever holds a verified file.
  try {
    writeFileAtomic(opts.download, file.bytes, 0o644);
  } catch (err) {
    throw new TesseraError('input.invalid', `--download: the update was verified but ${opts.download} could not be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  report({ verdict: 'downloaded', detail: `${updateRow(found.manifest)} → ${opts.download}`, manifest: found.manifest });
}

/** The update command group. */
export function updateCommand(): Command {
  const update = new Command('update').description('Publish, list and check signed software updates (docs/protocol.md, "Signed updates")');

  adminOptions(update.command('publish'))
    .description('Upload a file; the server signs its manifest (Ed25519) with the update key')
    .requiredOption('--version <semver>', 'MAJOR.MINOR.PATCH of the update')
    .requiredOption('--file <path>', 'the update file')
    .option('--min-version <semver>', 'terminals below this version must not install it')
    .option('--lots <list>', 'comma-separated lots to roll out to (default: every lot)')
    .option('--file-name <name>', 'file name in the manifest (default: the file\'s base name)')
    .option('--json', 'print the signed manifest as JSON')
    .addHelpText('after', '\nExample:\n  tessera update publish --version 1.2.3 --file fw.bin --min-version 1.0.0 --lots L-2026-11')
    .action(publish);

  adminOptions(update.command('list'))
    .description('List published updates, newest version first')
    .option('--limit <n>', 'page size (1–1000)', '100')
    .option('--before <version>', 'start below this version (the `next` of the previous page)')
    .option('--json', 'print JSON')
    .action(async (opts: AdminOptions & { limit: string; before?: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: opts.limit });
      if (opts.before) q.set('before', opts.before);
      const out = await adminClient(opts).call<{ updates: SignedJson[]; next: string | null; publicKey: string }>('GET', `/v1/admin/updates?${q}`);
      if (opts.json) print(JSON.stringify(out));
      else {
        for (const u of out.updates) print(updateRow(u.manifest));
        warnMorePages(out.next, 'updates', '--before');
      }
    });

  update
    .command('check')
    .description('Check for an update as a terminal does (no session: works for restricted terminals); verify it, optionally download it')
    .option('--otp <file>', 'OTP image: gives the server URL, the lot and the update key')
    .option('--public-key <base64url>', 'or the 32-byte update public key')
    .option('--url <url>', 'server URL (default: the image\'s, else TESSERA_URL or http://127.0.0.1:8080)')
    .option('--lot <id>', 'lot of the terminal (default: the image\'s)')
    .requiredOption('--current <semver>', 'version the terminal runs')
    .option('--download <out>', 'download the file, check size and SHA-256, and write it here')
    .option('--json', 'print the verdict as JSON')
    .addHelpText('after', '\nExit codes: 0 update available or up to date, 1 refused, 2 usage.\nExample:\n  tessera update check --otp ./lot/T-000001.otp --current 1.2.0 --download fw.bin')
    .action(check);

  return update;
}
