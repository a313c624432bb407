// Output helpers shared by the CLI commands.

/** Writes one line to stdout. */
export const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
