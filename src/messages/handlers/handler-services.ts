import { Injectable, Logger } from '@nestjs/common';
import type { MessagePort } from 'node:worker_threads';
import { DomainError } from '@app/common/domain-error';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { StorageService } from '@app/storage/storage.service';
import { MessagesService } from '@app/messages/messages.service';
import { toMessageView } from '@app/messages/message.view';
import { TopicPublisher } from '@app/topics/topic-publisher';
import { AuthClientTokens, HandlerServiceError } from '@app/messages/handlers/auth-client-tokens';
import { maskValues } from '@app/common/secrets';
import { IntegrationsService } from '@app/messages/handlers/toolbox/integrations.service';
import { RulesetsService } from '@app/messages/handlers/toolbox/rulesets.service';
import { IdmService } from '@app/messages/handlers/toolbox/idm.service';

interface ServiceCall {
  id: number;
  /** the run (one attempt of one message) the call is made for */
  run: number;
  messageId: string;
  queue: string;
  method: string;
  args: unknown[];
}

interface LogLine {
  log: 'info' | 'warn' | 'error' | 'debug';
  queue: string;
  messageId: string;
  attempt: number;
  message: string;
  fields?: unknown;
}

const KEY_MAX_LENGTH = 512;

/** What a service call knows about the handler run it is made for. */
export interface RunContext {
  /** `sentBy` of the message being handled */
  sentBy: string | null;
  /** the roles recorded with the message being handled (null: none recorded) */
  senderRoles?: string[] | null;
  /** aborted when the handler finishes or times out: outbound calls stop with it */
  signal: AbortSignal;
}

interface Running {
  messageId: string;
  queue: string;
  sentBy: string | null;
  senderRoles: string[] | null;
  abort: AbortController;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new HandlerServiceError('TypeError', `${what} must be a non-empty string`);
  return value;
}

/**
 * The main-thread side of the services handlers see on `this`. Each worker hands over one
 * MessagePort; calls name the message they are made for, and are refused once that message's
 * handler has finished (a timed-out handler cannot keep acting).
 */
@Injectable()
export class HandlerServices {
  private readonly logger = new Logger('Handler');
  /** run id → message and queue, for the handlers running now */
  private readonly running = new Map<number, Running>();
  private lastRun = 0;
  private readonly ports = new Set<MessagePort>();
  /** longest first, so a secret that contains another is masked whole; very short values would mask noise */
  private readonly secretValues: string[];

  constructor(
    private readonly registry: QueueRegistry,
    private readonly messages: MessagesService,
    private readonly storage: StorageService,
    private readonly tokens: AuthClientTokens,
    private readonly topics: TopicPublisher,
    @InjectConfig() private readonly config: AppConfig,
    private readonly integrations: IntegrationsService,
    private readonly rulesets: RulesetsService,
    private readonly idm: IdmService,
  ) {
    this.secretValues = Object.values(config.handlerSecrets ?? {})
      .filter((value) => value.length >= 4)
      .sort((a, b) => b.length - a.length);
  }

  /** A handler run starts: its service calls are accepted until `end(run)`. */
  begin(messageId: string, queue: string, sentBy: string | null = null, senderRoles: string[] | null = null): number {
    const run = ++this.lastRun;
    this.running.set(run, { messageId, queue, sentBy, senderRoles, abort: new AbortController() });
    return run;
  }

  end(run: number): void {
    this.running.get(run)?.abort.abort();
    this.running.delete(run);
  }

  attach(port: MessagePort): void {
    this.ports.add(port);
    port.on('message', (message: ServiceCall | LogLine) => {
      if ('log' in message) this.log(message);
      else if ('method' in message) void this.answer(port, message);
    });
    port.on('close', () => this.ports.delete(port));
    port.unref();
  }

  detachAll(): void {
    for (const port of this.ports) port.close();
    this.ports.clear();
  }

  /** Exposed for tests and for the dispatcher's own calls. */
  async invoke(queue: string, method: string, args: unknown[], run: RunContext = { sentBy: null, signal: new AbortController().signal }): Promise<unknown> {
    const sentBy = `handler:${queue}`;
    switch (method) {
      case 'messaging.queueMessage': {
        const [target, body, options] = args as [
          unknown,
          unknown,
          { delaySeconds?: number; idempotencyKey?: string; groupId?: string; deduplicationId?: string } | undefined,
        ];
        const { message } = await this.messages.push(text(target, 'queue'), body, {
          sentBy,
          senderRoles: [],
          delaySeconds: options?.delaySeconds,
          idempotencyKey: options?.idempotencyKey ?? null,
          fromHandlerOf: queue,
          groupId: options?.groupId ?? null,
          deduplicationId: options?.deduplicationId ?? null,
        });
        return toMessageView(message);
      }
      case 'messaging.getMessage':
        return toMessageView(await this.messages.get(text(args[0], 'queue'), text(args[1], 'id')));
      case 'messaging.deleteMessage':
        await this.messages.delete(text(args[0], 'queue'), text(args[1], 'id'));
        return true;
      case 'messaging.publish':
        return this.topics.publish(text(args[0], 'topic'), args[1], { sentBy, senderRoles: [] });
      case 'storage.get':
        return (await this.kv(queue).kvGet(queue, this.key(args[0]))) ?? null;
      case 'storage.set':
        await this.kv(queue).kvSet(queue, this.key(args[0]), this.value(args[1]));
        return true;
      case 'storage.delete':
        return this.kv(queue).kvDelete(queue, this.key(args[0]));
      case 'storage.list': {
        const prefix = args[0] === undefined || args[0] === null ? undefined : text(args[0], 'prefix');
        return this.kv(queue).kvList(queue, prefix);
      }
      case 'auth.getAccessToken':
        return this.tokens.getAccessToken();
      case 'integration.call':
      case 'services.request':
        return this.integrations.call(args[0], args[1], run.signal);
      case 'integration.list':
      case 'services.list':
        return this.integrations.names();
      case 'ruleset.evaluate':
        return this.rulesets.evaluate(args[0], args[1]);
      case 'idm.getSender':
        return this.idm.sender(run.sentBy, run.senderRoles ?? null);
      case 'idm.getGrants':
        return this.idm.getGrants(args[0] ?? run.sentBy);
      case 'idm.getUserInfo':
        return this.idm.getUserInfo(args[0] ?? run.sentBy);
      default:
        throw new HandlerServiceError('TypeError', `unknown service call ${method}`);
    }
  }

  private async answer(port: MessagePort, call: ServiceCall): Promise<void> {
    let reply: { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };
    try {
      const running = this.running.get(call.run);
      if (!running || running.messageId !== call.messageId || running.queue !== call.queue) {
        throw new HandlerServiceError('HandlerFinished', `${call.method} was called after the handler of message ${call.messageId} had finished`);
      }
      reply = {
        id: call.id,
        ok: true,
        value: await this.invoke(call.queue, call.method, Array.isArray(call.args) ? call.args : [], {
          sentBy: running.sentBy,
          senderRoles: running.senderRoles,
          signal: running.abort.signal,
        }),
      };
    } catch (error) {
      reply = { id: call.id, ok: false, error: this.describe(call, error) };
    }
    try {
      port.postMessage(reply);
    } catch {
      // the worker is gone (terminated after a timeout): nobody is waiting for the answer
    }
  }

  private describe(call: ServiceCall, error: unknown): Record<string, unknown> {
    if (error instanceof DomainError) {
      const info: Record<string, unknown> = { name: 'MailroomError', code: error.code, message: error.message };
      if (error.details !== undefined) info.details = error.details;
      if (error.extra?.errors !== undefined) info.errors = error.extra.errors;
      return info;
    }
    if (error instanceof HandlerServiceError) return { name: error.name, message: error.message };
    this.logger.error({ msg: `service call ${call.method} failed`, queue: call.queue, messageId: call.messageId, error: (error as Error)?.message });
    return { name: 'Error', message: `${call.method} failed unexpectedly` };
  }

  /** Secret values a handler put into a log line or an error message are masked. */
  redact(text: string): string {
    return maskValues(text, this.secretValues, '[REDACTED]');
  }

  private log(line: LogLine): void {
    const entry: Record<string, unknown> = { msg: this.redact(line.message), queue: line.queue, messageId: line.messageId, attempt: line.attempt };
    if (line.fields !== undefined) {
      const json = JSON.stringify(line.fields);
      entry.fields = this.secretValues.some((secret) => json.includes(secret)) ? JSON.parse(this.redact(json)) : line.fields;
    }
    switch (line.log) {
      case 'error':
        return this.logger.error(entry);
      case 'warn':
        return this.logger.warn(entry);
      case 'debug':
        return this.logger.debug(entry);
      default:
        return this.logger.log(entry);
    }
  }

  private kv(queue: string) {
    return this.storage.forQueue(this.registry.require(queue).definition);
  }

  private key(value: unknown): string {
    const key = text(value, 'key');
    if (key.length > KEY_MAX_LENGTH) throw new HandlerServiceError('RangeError', `a key is at most ${KEY_MAX_LENGTH} characters`);
    return key;
  }

  private value(value: unknown): unknown {
    const json = value === undefined ? undefined : JSON.stringify(value);
    if (json === undefined) throw new HandlerServiceError('TypeError', 'a stored value must be JSON (use delete to remove a key)');
    if (Buffer.byteLength(json) > this.config.messageMaxBytes) {
      throw new HandlerServiceError('RangeError', `a stored value is at most ${this.config.messageMaxBytes} bytes`);
    }
    return value;
  }
}
