/**
 * The terminal commands that read traces from a running Honeyray over its HTTP API. `runCommand` is
 * what `honeyray <command>` calls (src/app/cli-main.ts); it resolves to the exit code: 0 ok, 1 not found
 * or server/network error, 2 usage error. Nothing here loads the server or the database.
 */
import { type CommandDef, HelpRequested, type Output } from './command.js';
import { terminalWidth, useColor } from './format.js';
import { CliError } from './http.js';
import { bubbleupCommand } from './bubbleup.js';
import { clusterCommand } from './cluster.js';
import { demoCommand } from './demo.js';
import { queryCommand } from './query.js';
import { migrateCommand } from './migrate.js';
import { servicesCommand } from './services.js';
import { traceCommand } from './trace.js';
import { tracesCommand } from './traces.js';
import { xraySummariesCommand } from './xray-summaries.js';

export const COMMANDS: CommandDef[] = [demoCommand, servicesCommand, tracesCommand, traceCommand, xraySummariesCommand, queryCommand, bubbleupCommand, migrateCommand, clusterCommand];

export function findCommand(name: string): CommandDef | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Lines for `honeyray --help`. */
export function commandsHelp(): string {
  return COMMANDS.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`).join('\n');
}

export async function runCommand(cmd: CommandDef, argv: string[]): Promise<number> {
  // `honeyray traces | head`: a closed pipe ends the output, not in an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const out: Output = {
    line: (s = '') => void process.stdout.write(s + '\n'),
    color: useColor(process.stdout),
    width: terminalWidth(process.stdout),
  };
  try {
    await cmd.run(argv, out);
    return 0;
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(cmd.help + '\n');
      return 0;
    }
    if (err instanceof CliError) {
      const hint = err.exitCode === 2 ? `\n(honeyray ${cmd.name} --help for usage)` : '';
      process.stderr.write(`honeyray ${cmd.name}: ${err.message}${hint}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
