// `tessera terminal ocra-key`: the key an OATH hardware token needs to run the mutual
// handshake in an OCRA suite for a terminal, K_ocra = HKDF-SHA256(K_t, "tessera/1/ocra-key")
// (docs/protocol.md §5.2), from the terminal's credential file. It is a secret: written to a
// new 0600 file, or printed as hex only when no file is given.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { fromBase64Url, toHex } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { deriveOcraKey } from '../../protocol/handshake/ocraHandshakeSuite.ts';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { parseOcraSuite } from '../../protocol/ocra/parseOcraSuite.ts';
import { print } from '../output.ts';
import { readCredentialFile } from './terminalBoot.ts';

/** `terminal ocra-key`. */
export function ocraKeyCommand(): Command {
  return new Command('ocra-key')
    .description("Derive the OCRA key (hex) to load into a terminal's OATH hardware token")
    .requiredOption('--credential <file>', 'credential file written by `terminal add`')
    .requiredOption('--suite <suite>', 'the OCRA suite the token runs, e.g. OCRA-1:HOTP-SHA256-8:QH64 (its hash sets the key length)')
    .option('--out <file>', 'write the hex key to this new file (mode 0600) instead of stdout')
    .addHelpText('after', '\nExample:\n  tessera terminal ocra-key --credential T-0001.json --suite OCRA-1:HOTP-SHA256-8:QH64 --out T-0001.ocra-key')
    .action((opts: { credential: string; suite: string; out?: string }) => {
      const credential = readCredentialFile(opts.credential);
      const key = toHex(deriveOcraKey(nodePrimitives, fromBase64Url(credential.key, 'key'), parseOcraSuite(opts.suite)));
      if (opts.out === undefined) {
        print(key);
        return;
      }
      try {
        writeFileSync(opts.out, `${key}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        throw new TesseraError('input.invalid', `cannot create ${opts.out} (${(err as NodeJS.ErrnoException).code})`);
      }
      print(`OCRA key of ${credential.terminalId} for ${opts.suite} written to ${opts.out}`);
    });
}
