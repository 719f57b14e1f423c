import { ConfigError, helpText, loadConfig } from './config.js';
import { createLogger } from './log.js';

/** `honeyray --help`: the commands, then `serve`'s flags. */
async function fullHelp(): Promise<string> {
  const { commandsHelp } = await import('../cli/index.js');
  return [
    'Usage: honeyray [command] [flags]',
    '',
    'Commands:',
    `  ${'serve'.padEnd(16)} run Honeyray (the default when no command is given)`,
    commandsHelp(),
    `  ${'help [command]'.padEnd(16)} this text, or a command's flags`,
    '',
    'The commands other than serve read from a running Honeyray (--url, env HONEYRAY_URL, default',
    'http://127.0.0.1:16686). `honeyray <command> --help` shows a command\'s flags and examples.',
    '',
    helpText(),
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // Terminal commands (src/cli) are plain HTTP clients: they never load the server or the database.
  if (argv[0] !== undefined && !argv[0].startsWith('-') && argv[0] !== 'serve') {
    const { findCommand, runCommand } = await import('../cli/index.js');
    let name = argv[0];
    let rest = argv.slice(1);
    if (name === 'help') {
      if (rest[0] === undefined || rest[0] === 'serve') {
        process.stdout.write((await fullHelp()) + '\n');
        return;
      }
      name = rest[0];
      rest = ['--help'];
    }
    const cmd = findCommand(name);
    if (!cmd) {
      process.stderr.write(`honeyray: unknown command ${JSON.stringify(name)}\n\n${await fullHelp()}\n`);
      process.exit(2);
    }
    process.exitCode = await runCommand(cmd, rest);
    return;
  }
  let parsed;
  try {
    parsed = loadConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      const { findCommand } = await import('../cli/index.js');
      const misplaced = argv.find((a) => findCommand(a));
      const hint = misplaced ? `\n(the command comes first: honeyray ${misplaced} [flags])` : `\n\n${await fullHelp()}`;
      process.stderr.write(`honeyray: ${err.message}${hint}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config, positionals, help } = parsed;
  if (help) {
    process.stdout.write((positionals[0] === 'serve' ? helpText() : await fullHelp()) + '\n');
    return;
  }
  const command = positionals[0] ?? 'serve';
  if (command !== 'serve') {
    process.stderr.write(`honeyray: unknown command ${JSON.stringify(command)}\n\n${await fullHelp()}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  const { startHoneyray } = await import('./server.js');
  // A bug in one request must not take the server (and the spans it accepted) down.
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${(err as Error)?.stack ?? err}`));
  const app = await startHoneyray(config, log);
  let signals = 0;
  const onSignal = (sig: string) => {
    if (++signals > 1) process.exit(1);
    log.info(`${sig}: stopping (flushing accepted spans)`);
    app.stop().then(() => process.exit(0), (err) => {
      log.error(`stop failed: ${(err as Error).message}`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`honeyray: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
