/**
 * Mints a development token signed with the secret Mailroom uses (AUTH_JWT_SECRET or the
 * generated development secret in DATA_DIR); `mailroom token` (the CLI) does the same:
 *   npm run token -- --sub alice --roles system_admin,queue_admin [--client shop:order_clerk] [--ttl 3600]
 */
import { loadConfig } from '@app/config/app.config';
import { withDevelopmentSecret } from '@app/security/dev-secret';
import { mintDevToken } from '@app/security/dev-token';

function parseArgs(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`unexpected argument ${argv[i]}`);
    args[match[1]] = match[2] ?? argv[++i] ?? '';
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = withDevelopmentSecret(loadConfig());
  const token = await mintDevToken(config, {
    subject: args.sub ?? 'developer',
    roles: (args.roles ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    client: args.client,
    ttlSeconds: Number(args.ttl ?? 3600),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
