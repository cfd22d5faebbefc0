#!/usr/bin/env node
import * as fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT, MailroomClient, mapLimited, usage } from '@app/cli/client';
import { age, compact, table } from '@app/cli/output';
import { ConfigError, loadConfig } from '@app/config/app.config';
import { withDevelopmentSecret } from '@app/security/dev-secret';
import { mintDevToken } from '@app/security/dev-token';

interface Globals {
  url: string;
  token?: string;
  json?: boolean;
  quiet?: boolean;
}
interface Counts {
  PENDING: number;
  INPROGRESS: number;
  COMPLETE: number;
  ERROR: number;
}
interface Message {
  id: string;
  status: keyof Counts;
  request: unknown;
  result: unknown;
  error: unknown;
  attempts: number;
  sentBy: string;
  createdAt: string;
  updatedAt: string;
  receipt?: string;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Grant {
  resource: { type: string; name: string };
  subject: string;
  action: string;
  grantedBy: string;
  grantedAt: string;
}

const enc = encodeURIComponent;
const program = new Command('mailroom');

function globals(): Globals {
  return program.opts<Globals>();
}

function client(timeoutMs?: number): MailroomClient {
  const { url, token } = globals();
  return new MailroomClient({ url, token, timeoutMs });
}

function out(json: unknown, human: () => string): void {
  process.stdout.write(globals().json ? `${JSON.stringify(json, null, 2)}\n` : human());
}

function progress(line: string): void {
  if (!globals().quiet) process.stderr.write(`${line}\n`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usage(`${what} is not JSON: ${(error as Error).message}`);
  }
}

function int(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw usage(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

async function all<T>(path: string, maxItems = 100_000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await client().request('GET', `${path}${separator}limit=1000${cursor ? `&cursor=${enc(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < maxItems);
  return items;
}

program
  .description("Mailroom's command-line tool: every command goes through the REST API and its access rules")
  .addOption(new Option('--url <url>', 'Mailroom base URL').env('MAILROOM_URL').default('http://127.0.0.1:3000'))
  .addOption(new Option('--token <jwt>', 'bearer token (prefer the environment variable: flags show in ps)').env('MAILROOM_TOKEN'))
  .option('--json', 'machine-readable JSON on stdout')
  .option('-q, --quiet', 'no progress lines on stderr')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Exit codes: 0 ok · 1 usage · 2 not found · 3 not authenticated or not allowed · 4 rejected
(validation, conflict) · 5 server error or unavailable.`,
  );

program
  .command('queues')
  .description('list queues with depth by status and the age of the oldest pending message')
  .action(async () => {
    const queues = await all<{ name: string; storageEngine: string; hasHandler: boolean; source: string }>('/queues');
    const rows = await mapLimited(queues, 8, async (q) => ({
      ...q,
      stats: await client()
        .request<{ counts: Counts; oldestPendingAgeSeconds: number | null }>('GET', `/queues/${enc(q.name)}/stats`)
        .catch(() => null),
    }));
    out(
      rows.map((r) => ({
        name: r.name,
        storageEngine: r.storageEngine,
        hasHandler: r.hasHandler,
        source: r.source,
        counts: r.stats?.counts ?? null,
        oldestPendingAgeSeconds: r.stats?.oldestPendingAgeSeconds ?? null,
      })),
      () =>
        table(
          ['QUEUE', 'ENGINE', 'HANDLER', 'PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR', 'OLDEST'],
          rows.map((r) => [
            r.name,
            r.storageEngine,
            r.hasHandler ? 'yes' : 'no',
            r.stats?.counts.PENDING,
            r.stats?.counts.INPROGRESS,
            r.stats?.counts.COMPLETE,
            r.stats?.counts.ERROR,
            age(r.stats?.oldestPendingAgeSeconds),
          ]),
        ),
    );
  });

program
  .command('push')
  .description('push one message (JSON from the argument, --file, or stdin with -)')
  .argument('<queue>')
  .argument('[message]', 'the message as JSON, or - for stdin')
  .option('-f, --file <path>', 'read the message from a file')
  .option('--delay <seconds>', 'deliver later', int('--delay', 0, 43200))
  .option('--idempotency-key <key>', 'a retried push with the same key stores nothing new')
  .action(async (queue: string, message: string | undefined, options: { file?: string; delay?: number; idempotencyKey?: string }) => {
    const text = options.file ? fs.readFileSync(options.file, 'utf8') : message === '-' ? fs.readFileSync(0, 'utf8') : message;
    if (text === undefined) throw usage('push needs a message: an argument, --file, or - for stdin');
    const headers: Record<string, string> = options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {};
    const query = options.delay !== undefined ? `?delaySeconds=${options.delay}` : '';
    const pushed = await client().request<Message>('POST', `/queues/${enc(queue)}/messages${query}`, parseJson(text, 'the message'), headers);
    out(pushed, () => `${pushed.id}\n`);
  });

program
  .command('tail')
  .description('follow a queue: print new messages and every status change (results, errors) until interrupted')
  .argument('<queue>')
  .option('--interval <ms>', 'poll interval', int('--interval', 100, 60_000), 1000)
  .option('--from-start', 'print the messages already in the queue too')
  .option('--count <n>', 'stop after n events', int('--count', 1, 1_000_000))
  .option('--max-scan <n>', 'messages looked at per poll', int('--max-scan', 1, 1_000_000), 10_000)
  .action(async (queue: string, options: { interval: number; fromStart?: boolean; count?: number; maxScan: number }) => {
    const seen = new Map<string, string>();
    let events = 0;
    let first = true;
    for (;;) {
      const messages = await all<Message>(`/queues/${enc(queue)}/messages`, options.maxScan);
      for (const m of messages) {
        const state = `${m.status}:${m.attempts}:${m.updatedAt}`;
        const before = seen.get(m.id);
        seen.set(m.id, state);
        if (before === state || (first && !options.fromStart)) continue;
        const event = before === undefined ? 'new' : 'changed';
        if (globals().json) process.stdout.write(`${JSON.stringify({ event, message: m })}\n`);
        else {
          const detail =
            m.status === 'COMPLETE' ? `result=${compact(m.result)}` : m.status === 'ERROR' ? `error=${compact(m.error)}` : `request=${compact(m.request)}`;
          process.stdout.write(`${new Date().toISOString()}  ${event.padEnd(7)}  ${m.id}  ${m.status.padEnd(10)}  attempts=${m.attempts}  ${detail}\n`);
        }
        if (options.count && ++events >= options.count) return;
      }
      if (first) progress(`following ${queue} (${messages.length} messages already there${options.fromStart ? ', shown' : ''}); Ctrl-C stops`);
      first = false;
      await new Promise((resolve) => setTimeout(resolve, options.interval));
    }
  });

program
  .command('receive')
  .description('lease messages for processing (ack them with `mailroom ack`)')
  .argument('<queue>')
  .option('-n, --max <n>', 'at most this many', int('--max', 1, 50), 1)
  .option('--visibility <seconds>', 'lease length', int('--visibility', 1, 43200))
  .option('--wait <seconds>', 'long-poll up to this long', int('--wait', 0, 20), 0)
  .action(async (queue: string, options: { max: number; visibility?: number; wait: number }) => {
    const body: Record<string, number> = { maxMessages: options.max, waitSeconds: options.wait };
    if (options.visibility) body.visibilityTimeoutSeconds = options.visibility;
    const result = await client((options.wait + 30) * 1000).request<{ messages: Message[] }>('POST', `/queues/${enc(queue)}/messages/receive`, body);
    out(result.messages, () =>
      result.messages.length
        ? table(
            ['ID', 'RECEIPT', 'ATTEMPTS', 'REQUEST'],
            result.messages.map((m) => [m.id, m.receipt, m.attempts, compact(m.request)]),
          )
        : 'no messages\n',
    );
  });

program
  .command('ack')
  .description('settle a received message')
  .argument('<queue>')
  .argument('<id>')
  .requiredOption('--receipt <receipt>', 'the receipt from receive')
  .addOption(
    new Option('--outcome <outcome>').choices(['complete', 'error', 'return_to_queue', 'return_to_end_of_queue', 'send_to_another_queue']).default('complete'),
  )
  .option('--result <json>', 'the result (outcome complete)')
  .option('--error <text>', 'the error (outcome error): a message, or JSON {"message": …}')
  .option('--to <queue>', 'target queue (send_to_another_queue)')
  .option('--delay <seconds>', 'return later', int('--delay', 0, 43200))
  .action(async (queue: string, id: string, options: { receipt: string; outcome: string; result?: string; error?: string; to?: string; delay?: number }) => {
    const body: Record<string, unknown> = { receipt: options.receipt, outcome: options.outcome };
    if (options.result !== undefined) body.result = parseJson(options.result, '--result');
    if (options.error !== undefined) body.error = options.error.trimStart().startsWith('{') ? parseJson(options.error, '--error') : options.error;
    if (options.to) body.queue = options.to;
    if (options.delay !== undefined) body.delaySeconds = options.delay;
    const acked = await client().request<Message>('POST', `/queues/${enc(queue)}/messages/${enc(id)}/ack`, body);
    out(acked, () => `${acked.id} ${acked.status}\n`);
  });

program
  .command('purge')
  .description('delete the messages of a queue (all, or one status), in bounded requests until done')
  .argument('<queue>')
  .addOption(new Option('--status <status>').choices(['PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR']))
  .option('--yes', 'really delete (required)')
  .action(async (queue: string, options: { status?: string; yes?: boolean }) => {
    if (!options.yes) throw usage(`purge deletes messages of ${queue}: add --yes`);
    let deleted = 0;
    let requests = 0;
    for (;;) {
      const result = await client(120_000).request<{ deleted: number; done: boolean }>(
        'POST',
        `/queues/${enc(queue)}/messages/purge`,
        options.status ? { status: options.status } : {},
      );
      deleted += result.deleted;
      requests++;
      progress(`purge ${queue}: ${deleted} deleted${result.done ? ', done' : ' …'}`);
      if (result.done) break;
    }
    out({ queue, status: options.status ?? null, deleted, requests, done: true }, () => `${deleted} messages deleted from ${queue}\n`);
  });

program
  .command('redrive')
  .description('send the dead letters of a dead-letter queue back to their queues, in bounded requests until done')
  .argument('<deadLetterQueue>')
  .option('--source <queue>', 'only dead letters of this queue')
  .addOption(new Option('--status <status>').choices(['PENDING', 'ERROR']))
  .option('--older-than <seconds>', 'only dead letters at least this old', int('--older-than', 0, 100 * 365 * 86400))
  .action(async (dlq: string, options: { source?: string; status?: string; olderThan?: number }) => {
    const filters: Record<string, unknown> = {};
    if (options.source) filters.sourceQueue = options.source;
    if (options.status) filters.status = options.status;
    if (options.olderThan !== undefined) filters.olderThanSeconds = options.olderThan;
    const totals = { redriven: 0, requeued: 0, resent: 0, discarded: 0, skipped: [] as unknown[] };
    let cursor: string | null = null;
    for (;;) {
      const result: {
        redriven: number;
        items: { outcome: 'requeued' | 'resent' | 'discarded' }[];
        skipped: unknown[];
        nextCursor: string | null;
        done: boolean;
      } = await client(120_000).request('POST', `/queues/${enc(dlq)}/messages/redrive`, cursor ? { ...filters, cursor } : filters);
      totals.redriven += result.redriven;
      for (const item of result.items) totals[item.outcome]++;
      totals.skipped.push(...result.skipped);
      progress(`redrive ${dlq}: ${totals.redriven} redriven, ${totals.skipped.length} skipped${result.done ? ', done' : ' …'}`);
      if (result.done || !result.nextCursor) break;
      cursor = result.nextCursor;
    }
    out(
      { queue: dlq, ...totals, done: true },
      () =>
        `${totals.redriven} redriven from ${dlq} (requeued ${totals.requeued}, resent ${totals.resent}, discarded ${totals.discarded}), ${totals.skipped.length} skipped\n`,
    );
  });

const grants = program.command('grants').description('list, grant and revoke permissions');

function resourcePath(options: { queue?: string; topic?: string }): string {
  if (!!options.queue === !!options.topic) throw usage('name exactly one of --queue or --topic');
  return options.queue ? `/queues/${enc(options.queue)}/permissions` : `/topics/${enc(options.topic!)}/permissions`;
}

function printGrants(list: Grant[]): void {
  out(list, () =>
    list.length
      ? table(
          ['RESOURCE', 'SUBJECT', 'ACTION', 'BY', 'AT'],
          list.map((g) => [`${g.resource.type}:${g.resource.name}`, g.subject, g.action, g.grantedBy, g.grantedAt]),
        )
      : 'no grants\n',
  );
}

grants
  .command('list', { isDefault: true })
  .description('grants on a queue or topic, or of a subject')
  .option('--queue <queue>')
  .option('--topic <topic>')
  .option('--subject <subject>')
  .action(async (options: { queue?: string; topic?: string; subject?: string }) => {
    if (options.subject) {
      if (options.queue || options.topic) throw usage('--subject lists every grant of a subject: leave out --queue and --topic');
      printGrants(await all<Grant>(`/permissions?subject=${enc(options.subject)}`));
      return;
    }
    printGrants(await all<Grant>(resourcePath(options)));
  });

for (const [name, method, verb] of [
  ['grant', 'PUT', 'granted'],
  ['revoke', 'DELETE', 'revoked'],
] as const) {
  grants
    .command(name)
    .description(`${name} an action (send_to_queue, receive, administer_queue; send_to_topic) to a subject`)
    .argument('<subject>')
    .argument('<action>')
    .option('--queue <queue>')
    .option('--topic <topic>')
    .action(async (subject: string, action: string, options: { queue?: string; topic?: string }) => {
      await client().request(method, `${resourcePath(options)}/${enc(subject)}/${enc(action)}`);
      const target = options.queue ? `queue ${options.queue}` : `topic ${options.topic}`;
      out(
        { subject, action, resource: options.queue ? { type: 'queue', name: options.queue } : { type: 'topic', name: options.topic }, [verb]: true },
        () => `${verb} ${action} on ${target} to ${subject}\n`,
      );
    });
}

program
  .command('me')
  .description('who the token belongs to and what it may do (on a queue with --queue)')
  .option('--queue <queue>')
  .action(async (options: { queue?: string }) => {
    const me = await client().request<{ subject: string; roles: string[]; rights: Record<string, boolean>; queue: Record<string, unknown> | null }>(
      'GET',
      `/me${options.queue ? `?queue=${enc(options.queue)}` : ''}`,
    );
    out(
      me,
      () =>
        `${me.subject} (${me.roles.join(', ') || 'no roles'})\n${Object.entries({ ...me.rights, ...(me.queue ?? {}) })
          .map(([k, v]) => `  ${k}: ${String(v)}`)
          .join('\n')}\n`,
    );
  });

program
  .command('token')
  .description("development: mint a token with this machine's secret (AUTH_JWT_SECRET, or the development secret in DATA_DIR), like npm run token")
  .option('--sub <subject>', 'the subject', 'developer')
  .option('--roles <roles>', 'comma-separated roles', '')
  .option('--client <client:roles>', 'client roles, e.g. shop:order_clerk+auditor')
  .option('--ttl <seconds>', 'lifetime', int('--ttl', 1, 30 * 86400), 3600)
  .action(async (options: { sub: string; roles: string; client?: string; ttl: number }) => {
    let token: string;
    try {
      token = await mintDevToken(withDevelopmentSecret(loadConfig()), {
        subject: options.sub,
        roles: options.roles
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
        client: options.client,
        ttlSeconds: options.ttl,
      });
    } catch (error) {
      throw usage(error instanceof ConfigError ? error.message : (error as Error).message);
    }
    out({ token }, () => `${token}\n`);
  });

function fail(error: CliError): never {
  const { envelope } = error;
  if (globals().json) process.stderr.write(`${JSON.stringify(envelope)}\n`);
  else process.stderr.write(`mailroom: ${envelope.code}: ${envelope.message}\n`);
  process.exit(error.exitCode);
}

async function main(): Promise<void> {
  // `mailroom tail q | head -3`: the reader went away, which ends the command, not an error
  process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? EXIT.OK : EXIT.UNAVAILABLE));
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CliError) fail(error);
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
    process.stderr.write(`mailroom: ${(error as Error).message}\n`);
    process.exit(EXIT.UNAVAILABLE);
  }
}

void main();
