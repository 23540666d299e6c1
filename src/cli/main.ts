// `npm run sagr -- <command> [flags]`. Progress goes to stderr; with --json exactly one JSON object goes
// to stdout. Unknown commands or flags and bad values exit 2 with a one-line reason.
import { ConfigError } from '../core/config';
import { UsageError, parseCommandLine, type Command } from './command';
import { average } from './commands/average';
import { bench } from './commands/bench';
import { compare } from './commands/compare';
import { demos } from './commands/demos';
import { evalCommand } from './commands/eval';
import { merge } from './commands/merge';
import { train } from './commands/train';

const COMMANDS: Command[] = [average, bench, compare, demos, evalCommand, merge, train];

function usage(): string {
  return ['usage: npm run sagr -- <command> [flags]', '', ...COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    process.stderr.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`sagr: unknown command "${name.slice(0, 40)}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`);
    return 2;
  }
  try {
    const parsed = parseCommandLine(cmd, rest);
    const log = (msg: string) => process.stderr.write(msg + '\n');
    const result = await cmd.run({ config: parsed.config, configFlags: parsed.configFlags, flags: parsed.flags, switches: parsed.switches, log });
    if (parsed.switches.has('json')) process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`sagr ${name}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`sagr ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
