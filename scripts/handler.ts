/**
 * Runs one handler file against one message, in this process, with the services stubbed
 * (recorded and printed) or, with --real, integrations, the access token and user info for real:
 *   npm run handler -- --file config/queues/x.queue.js --message '{"a":1}' [--real] [--queue x] [--sender alice] [--roles a,b] [--timeout 30]
 * Prints {ok, result | error, calls} as JSON; exits 1 when the handler fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config/app.config';
import { AuthClientTokens } from '@app/messages/handlers/auth-client-tokens';
import { IntegrationsService } from '@app/messages/handlers/toolbox/integrations.service';
import { RulesetsService } from '@app/messages/handlers/toolbox/rulesets.service';
import { IdmService } from '@app/messages/handlers/toolbox/idm.service';
import type { GrantStore } from '@app/storage/ports/grant.store';
import { principalFromClaims, senderRoles } from '@app/security/principal';

interface Args {
  file: string;
  message: unknown;
  real: boolean;
  queue: string;
  sender: string;
  /** the sender's roles, recorded as a push would (sorted, bounded); null without --roles */
  roles: string[] | null;
  timeoutSeconds: number;
}

function parseArgs(argv: string[]): Args {
  const raw: Record<string, string> = {};
  let real = false;
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`unexpected argument ${argv[i]}`);
    if (match[1] === 'real') real = true;
    else raw[match[1]] = match[2] ?? argv[++i] ?? '';
  }
  if (!raw.file)
    throw new Error(
      'usage: npm run handler -- --file <x.queue.js> --message <json> [--real] [--queue name] [--sender subject] [--roles a,b] [--timeout seconds]',
    );
  let message: unknown = {};
  if (raw.message !== undefined) {
    try {
      message = JSON.parse(raw.message);
    } catch {
      throw new Error('--message must be JSON');
    }
  }
  const file = path.resolve(raw.file);
  return {
    file,
    message,
    real,
    queue: raw.queue ?? path.basename(file).replace(/\.queue\.js$|\.js$/, ''),
    sender: raw.sender ?? 'developer',
    roles:
      raw.roles === undefined
        ? null
        : senderRoles(
            principalFromClaims({
              roles: raw.roles
                .split(',')
                .map((r) => r.trim())
                .filter(Boolean),
            }),
            null,
          ),
    timeoutSeconds: Number(raw.timeout ?? 30),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.file)) throw new Error(`${args.file} does not exist`);
  const config = loadConfig();
  const calls: { service: string; args: unknown[] }[] = [];
  const record = (service: string, args: unknown[]) => void calls.push({ service, args: JSON.parse(JSON.stringify(args ?? [])) });
  const tokens = new AuthClientTokens(config);
  const integrations = new IntegrationsService(config, tokens);
  const rulesets = new RulesetsService(config);
  const noGrants = { list: async () => [] } as unknown as GrantStore;
  const idm = new IdmService(config, noGrants, tokens);
  integrations.reload();
  rulesets.reload();
  const controller = new AbortController();
  const stubResponse = { status: 200, headers: {}, body: null };
  const integrationCall = async (service: string, name: string, request: unknown) => {
    record(service, [name, request]);
    return args.real ? integrations.call(name, request, controller.signal) : stubResponse;
  };
  const queued = new Map<string, { id: string; queue: string; request: unknown; status: string; sentBy: string }>();
  const kv = new Map<string, unknown>();
  const log = (level: string) => (message: unknown, fields?: unknown) =>
    process.stderr.write(
      `[${level}] ${typeof message === 'string' ? message : JSON.stringify(message)}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}\n`,
    );
  const services = {
    messagingService: {
      queueMessage: async (queue: string, body: unknown, options?: unknown) => {
        record('messagingService.queueMessage', [queue, body, options]);
        const view = { id: `stub-${queued.size + 1}`, queue, request: body, status: 'PENDING', sentBy: `handler:${args.queue}` };
        queued.set(`${queue}/${view.id}`, view);
        return view;
      },
      getMessage: async (queue: string, id: string) => {
        record('messagingService.getMessage', [queue, id]);
        const found = queued.get(`${queue}/${id}`);
        if (!found) throw Object.assign(new Error(`Message ${id} does not exist in queue ${queue}`), { name: 'MailroomError', code: 'MESSAGE_NOT_FOUND' });
        return found;
      },
      deleteMessage: async (queue: string, id: string) => {
        record('messagingService.deleteMessage', [queue, id]);
        queued.delete(`${queue}/${id}`);
        return true;
      },
      publish: async (topic: string, body: unknown) => {
        record('messagingService.publish', [topic, body]);
        return { topic, messages: [] };
      },
    },
    environmentService: {
      getEnvironmentVariable: (name: string) => config.handlerEnv[name],
      listEnvironmentVariables: () => ({ ...config.handlerEnv }),
      getSecret: (name: string) => config.handlerSecrets[name],
      listSecrets: () => Object.keys(config.handlerSecrets),
    },
    storageService: {
      get: async (key: string) => kv.get(key) ?? null,
      set: async (key: string, value: unknown) => (kv.set(key, JSON.parse(JSON.stringify(value))), true),
      delete: async (key: string) => kv.delete(key),
      list: async (prefix?: string) => [...kv.keys()].filter((key) => !prefix || key.startsWith(prefix)),
    },
    authClientProvider: {
      getAccessToken: async () => {
        record('authClientProvider.getAccessToken', []);
        return args.real ? tokens.getAccessToken() : 'stub-access-token';
      },
    },
    integrationService: {
      call: (name: string, request: unknown) => integrationCall('integrationService.call', name, request),
      list: async () => integrations.names(),
    },
    serviceProvider: {
      get: (name: string) => ({ name, request: (request: unknown) => integrationCall('serviceProvider.request', name, request) }),
      list: async () => integrations.names(),
    },
    rulesetService: {
      evaluate: async (name: string, facts: unknown) => {
        record('rulesetService.evaluate', [name, facts]);
        return rulesets.evaluate(name, facts);
      },
    },
    idmService: {
      getSender: async () => ({ subject: args.sender, roles: args.roles }),
      getGrants: async (subject?: string) => {
        record('idmService.getGrants', [subject ?? args.sender]);
        return [];
      },
      getUserInfo: async (subject?: string) => {
        record('idmService.getUserInfo', [subject ?? args.sender]);
        return args.real ? idm.getUserInfo(subject ?? args.sender) : { sub: subject ?? args.sender };
      },
    },
    logger: { info: log('info'), log: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') },
  };
  // the handler file named on the command line is loaded as the worker thread loads it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(args.file) as unknown;
  const handler = (
    typeof loaded === 'function' ? loaded : ((loaded as { default?: unknown; handler?: unknown })?.default ?? (loaded as { handler?: unknown })?.handler)
  ) as ((this: unknown, request: unknown, context: unknown) => unknown) | undefined;
  if (typeof handler !== 'function') throw new Error(`${args.file} does not export a function`);
  const context = { id: '00000000-0000-4000-8000-000000000000', queue: args.queue, attempt: 1, signal: controller.signal };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = Object.assign(new Error(`the handler did not finish within ${args.timeoutSeconds} seconds`), { name: 'HandlerTimeout' });
      controller.abort(error);
      reject(error);
    }, args.timeoutSeconds * 1000);
  });
  let output: Record<string, unknown>;
  try {
    const result = await Promise.race([Promise.resolve().then(() => handler.call(services, args.message, context)), timeout]);
    output = { ok: true, result: result === undefined ? null : result, calls };
  } catch (error) {
    output = { ok: false, error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) }, calls };
    process.exitCode = 1;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

/** Mailroom's own messages (a skipped file, a refused host) go to stderr: stdout is the JSON report. */
const toStderr =
  (level: string) =>
  (message: unknown, ...rest: unknown[]) =>
    void process.stderr.write(
      `[mailroom ${level}] ${[rest.at(-1)]
        .filter((c) => typeof c === 'string')
        .map((c) => `[${c}] `)
        .join('')}${typeof message === 'string' ? message : JSON.stringify(message)}\n`,
    );
Logger.overrideLogger({ log: () => undefined, error: toStderr('error'), warn: toStderr('warn') });
main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
});
