// A child process for factoryErrors.test.ts: writeShownOnce with a request that never answers
// (as a server issuing 100,000 codes), so the test can interrupt it with a signal.
import { writeShownOnce } from '../../src/cli/output.ts';

const path = process.argv[2]!;
await writeShownOnce(
  path,
  { shown: 'codes are shown only once', nothing: 'nothing was issued', lost: () => 'batch B was issued but the file could not be written; revoke it with `tessera codes revoke --batch B`' },
  () => {
    process.stdout.write('requesting\n');
    return new Promise<string>(() => {
      setInterval(() => {}, 1000);
    });
  },
  (v) => v,
);
