/** What the operations commands print: results on stdout, diagnostics on stderr. */

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function note(command: string, line: string): void {
  process.stderr.write(`${command}: ${line}\n`);
}

/** An error's message, and its cause's when the message alone hides it ("database unavailable"). */
export function explain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? ` (${error.cause.message})` : "";
  return `${error.message}${cause}`;
}

/**
 * Runs an operations command as a CLI: exit code 2 (with the usage) when its arguments do not
 * parse, 1 when it throws, otherwise the code it returns.
 */
export async function runCli<Options>(command: string, usage: string, readArguments: () => Options, run: (options: Options) => Promise<number>): Promise<void> {
  let options: Options;
  try {
    options = readArguments();
  } catch (error) {
    note(command, `${explain(error)}\n${usage}`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await run(options).catch((error: unknown) => {
    note(command, explain(error));
    return 1;
  });
}
