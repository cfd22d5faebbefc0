/**
 * Mints a development token signed with the secret Mailroom uses (AUTH_JWT_SECRET or the
 * generated development secret in DATA_DIR):
 *   npm run token -- --sub alice --roles system_admin,queue_admin [--client shop:order_clerk] [--ttl 3600]
 */
import { loadConfig } from '@app/config/app.config';
import { withDevelopmentSecret } from '@app/security/dev-secret';

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
  if (!config.auth.jwtSecret) throw new Error('npm run token needs AUTH_JWT_SECRET (or no auth setting, for the development secret)');
  const claims: Record<string, unknown> = {
    roles: (args.roles ?? '').split(',').map((r) => r.trim()).filter(Boolean),
  };
  if (args.client) {
    const [client, roles = ''] = args.client.split(':');
    claims.resource_access = { [client]: { roles: roles.split('+').filter(Boolean) } };
  }
  const { SignJWT } = await import('jose');
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(args.sub ?? 'developer')
    .setIssuedAt()
    .setExpirationTime(`${Number(args.ttl ?? 3600)}s`);
  if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(config.auth.jwtSecret))}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
