import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { GrantStore } from '@app/storage/ports/grant.store';
import { readBounded } from '@app/messages/handlers/toolbox/bounded-body';
import { AuthClientTokens, HandlerServiceError } from '@app/messages/handlers/auth-client-tokens';

export interface Sender {
  /** `sentBy` of the message: the token's subject, `handler:<queue>` or an SQS access key's subject; null when unknown */
  subject: string | null;
  /** the sender's roles recorded at push time (sorted, at most 50); [] for a handler; null when not recorded (see docs/handlers-services.md) */
  roles: string[] | null;
}

const SUBJECT_MAX = 500;
const USERINFO_MAX_BYTES = 256 * 1024;
const USERINFO_TIMEOUT_MS = 10_000;

/** A least-recently-used map whose entries also expire. */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/**
 * `idmService` of handlers: who sent the message, a subject's grants, and user info from
 * IDM_USERINFO_URL (called with the authClientProvider token), cached per subject.
 */
@Injectable()
export class IdmService {
  private readonly userinfo: TtlCache<Record<string, unknown>>;
  private readonly inflight = new Map<string, Promise<Record<string, unknown>>>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly grants: GrantStore,
    private readonly tokens: AuthClientTokens,
  ) {
    this.userinfo = new TtlCache(config.toolbox.idmCacheMaxEntries, config.toolbox.idmCacheTtlSeconds * 1000);
  }

  sender(sentBy: string | null, roles: string[] | null): Sender {
    return { subject: sentBy, roles: roles === null ? null : [...roles] };
  }

  async getGrants(subject: unknown): Promise<{ resource: { type: string; name: string }; action: string }[]> {
    const grants = await this.grants.list({ subject: this.subject(subject) });
    return grants.map((grant) => ({ resource: grant.resource, action: grant.action }));
  }

  async getUserInfo(subject: unknown): Promise<Record<string, unknown>> {
    const who = this.subject(subject);
    const template = this.config.toolbox.idmUserinfoUrl;
    if (!template) throw new HandlerServiceError('IdmNotConfigured', 'set IDM_USERINFO_URL to use idmService.getUserInfo');
    const cached = this.userinfo.get(who);
    if (cached) return cached;
    let pending = this.inflight.get(who);
    if (!pending) {
      pending = this.fetch(template, who).finally(() => this.inflight.delete(who));
      this.inflight.set(who, pending);
    }
    return pending;
  }

  private subject(value: unknown): string {
    if (typeof value !== 'string' || value === '' || value.length > SUBJECT_MAX)
      throw new HandlerServiceError('TypeError', `a subject is a non-empty string of at most ${SUBJECT_MAX} characters`);
    return value;
  }

  private async fetch(template: string, subject: string): Promise<Record<string, unknown>> {
    const url = template.replaceAll('{subject}', encodeURIComponent(subject));
    const host = new URL(url).host;
    const token = await this.tokens.getAccessToken();
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(USERINFO_TIMEOUT_MS),
        redirect: 'manual',
      });
      const body = await readBounded(response, USERINFO_MAX_BYTES);
      if (body === null) throw new HandlerServiceError('IdmError', `the user info endpoint at ${host} answered more than ${USERINFO_MAX_BYTES} bytes`);
      text = body;
    } catch (error) {
      if (error instanceof HandlerServiceError) throw error;
      throw new HandlerServiceError('IdmError', `the user info endpoint at ${host} cannot be reached: ${(error as Error).name}`);
    }
    if (response.status === 404) throw new HandlerServiceError('IdmUserNotFound', `the user info endpoint at ${host} does not know this subject`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    if (!response.ok || typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HandlerServiceError('IdmError', `the user info endpoint at ${host} answered ${response.status} without a JSON object`);
    }
    const info = body as Record<string, unknown>;
    this.userinfo.set(subject, info);
    return info;
  }
}
