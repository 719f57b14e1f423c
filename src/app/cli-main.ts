import { ConfigError, helpText, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startHoneyray } from './server.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = loadConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`honeyray: ${err.message}\n\n${helpText()}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config, positionals, help } = parsed;
  if (help) {
    process.stdout.write(helpText() + '\n');
    return;
  }
  const command = positionals[0] ?? 'serve';
  if (command !== 'serve') {
    process.stderr.write(`honeyray: unknown command ${JSON.stringify(command)}\n\n${helpText()}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
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
