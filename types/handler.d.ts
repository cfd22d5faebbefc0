/**
 * Types of Mailroom handlers (`config/queues/<name>.queue.js`) and of the services on `this`.
 * In a handler file:
 *
 *   // @ts-check
 *   /** @type {import('mailroom').Handler} *\/
 *   module.exports = async function (request, context) { ... this. ... };
 *
 * (inside the Mailroom repository: `import('../../types/handler').Handler`).
 */

/** A stored message as handlers and the API see it. */
export interface MessageView {
  id: string;
  queue: string;
  status: 'PENDING' | 'INPROGRESS' | 'COMPLETE' | 'ERROR';
  request: unknown;
  result: unknown;
  error: { name: string; message: string; [key: string]: unknown } | null;
  attempts: number;
  sentBy: string | null;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
}

export interface QueueMessageOptions {
  delaySeconds?: number;
  idempotencyKey?: string;
  /** FIFO queues: the message group */
  groupId?: string;
  deduplicationId?: string;
}

/** Errors of Mailroom itself reach the handler with name "MailroomError" and the API's stable code. */
export interface MailroomError extends Error {
  name: 'MailroomError';
  code: string;
  details?: unknown;
  errors?: unknown;
}

export interface MessagingService {
  /** Pushes a message (validated against the target queue's schema); sentBy is `handler:<this queue>`. */
  queueMessage(queue: string, body: unknown, options?: QueueMessageOptions): Promise<MessageView>;
  getMessage(queue: string, id: string): Promise<MessageView>;
  deleteMessage(queue: string, id: string): Promise<true>;
  /** Publishes to a topic (its queues each get a copy). */
  publish(topic: string, body: unknown): Promise<{ topic: string; messages: { queue: string; id: string }[] }>;
}

export interface EnvironmentService {
  /** MAILROOM_ENV__<name> */
  getEnvironmentVariable(name: string): string | undefined;
  listEnvironmentVariables(): Record<string, string>;
  /** MAILROOM_SECRET__<name> (masked in logs and stored errors) */
  getSecret(name: string): string | undefined;
  listSecrets(): string[];
}

/** A key-value store per queue; values are JSON. */
export interface StorageService {
  get<T = unknown>(key: string): Promise<T | null>;
  set(key: string, value: unknown): Promise<true>;
  delete(key: string): Promise<boolean>;
  list(prefix?: string): Promise<string[]>;
}

export interface AuthClientProvider {
  /** An OAuth2 client-credentials access token from AUTH_CLIENT_TOKEN_URL (cached until shortly before it expires). */
  getAccessToken(): Promise<string>;
}

export interface IntegrationRequest {
  /** default GET; must be in the integration's allowedMethods */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** below the integration's baseUrl, starting with /; must be under one of its allowedPaths */
  path?: string;
  query?: Record<string, string | number | boolean | Array<string | number | boolean> | null | undefined>;
  headers?: Record<string, string>;
  /** a string is sent as is; anything else as JSON */
  body?: unknown;
}

export interface IntegrationResponse<T = unknown> {
  status: number;
  /** lower-case names; set-cookie is left out */
  headers: Record<string, string>;
  /** parsed JSON for JSON content types, else text; null for HEAD */
  body: T;
}

/**
 * Failures are errors with these names: IntegrationNotFound, IntegrationHostNotAllowed,
 * IntegrationMethodNotAllowed, IntegrationPathNotAllowed, IntegrationTimeout,
 * IntegrationUnreachable, IntegrationResponseTooLarge, IntegrationAborted, TypeError.
 * A non-2xx answer is not an error: check `status`.
 */
export interface IntegrationService {
  call<T = unknown>(name: string, request?: IntegrationRequest): Promise<IntegrationResponse<T>>;
  /** names of the integrations loaded now */
  list(): Promise<string[]>;
}

export interface ServiceClient {
  readonly name: string;
  request<T = unknown>(request?: IntegrationRequest): Promise<IntegrationResponse<T>>;
}

/** Named services (the same config/integrations files): a client bound to one service. */
export interface ServiceProvider {
  /** never fails; an unknown name fails at request() with IntegrationNotFound */
  get(name: string): ServiceClient;
  list(): Promise<string[]>;
}

export interface Decision {
  /** the event type of a rule whose conditions hold */
  type: string;
  params: Record<string, unknown>;
  rule: string | null;
}

export interface RulesetService {
  /** Decisions of config/rulesets/<name>.json for these facts; RulesetNotFound for a missing or invalid file. */
  evaluate(name: string, facts: Record<string, unknown>): Promise<Decision[]>;
}

export interface Grant {
  resource: { type: 'queue' | 'topic'; name: string };
  action: 'send_to_queue' | 'receive' | 'administer_queue' | 'send_to_topic';
}

export interface IdmService {
  /** Who sent the message being handled: its subject and the roles recorded at push time (sorted, at most 50; [] when a handler sent it; null when not recorded). */
  getSender(): Promise<{ subject: string | null; roles: string[] | null }>;
  /** Grants of a subject (default: the sender). */
  getGrants(subject?: string): Promise<Grant[]>;
  /** IDM_USERINFO_URL's answer for a subject (default: the sender), cached. */
  getUserInfo(subject?: string): Promise<Record<string, unknown>>;
}

export interface HandlerLogger {
  info(message: unknown, fields?: unknown): void;
  log(message: unknown, fields?: unknown): void;
  warn(message: unknown, fields?: unknown): void;
  error(message: unknown, fields?: unknown): void;
  debug(message: unknown, fields?: unknown): void;
}

/** `this` inside a handler. */
export interface HandlerServices {
  messagingService: MessagingService;
  environmentService: EnvironmentService;
  storageService: StorageService;
  authClientProvider: AuthClientProvider;
  integrationService: IntegrationService;
  serviceProvider: ServiceProvider;
  rulesetService: RulesetService;
  idmService: IdmService;
  logger: HandlerLogger;
}

export interface HandlerContext {
  /** the message id */
  id: string;
  queue: string;
  /** 1 for the first attempt */
  attempt: number;
  /** aborted when the handler's timeout passes */
  signal: AbortSignal;
}

/** The result (JSON) is stored with the message; a rejection is a failed attempt. */
export type Handler<Request = any, Result = unknown> = (this: HandlerServices, request: Request, context: HandlerContext) => Result | Promise<Result>;
