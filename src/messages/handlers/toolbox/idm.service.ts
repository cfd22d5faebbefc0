import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
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

/**
 * `idmService` of handlers: who sent the message, a subject's grants, and user info from
 * IDM_USERINFO_URL (called with the authClientProvider token), cached per subject.
 */
@Injectable()
export class IdmService {
  /** also shares one request between concurrent lookups of a subject; a failed lookup is not kept */
  private readonly userinfo: LRUCache<string, Record<string, unknown>>;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly grants: GrantStore,
    private readonly tokens: AuthClientTokens,
  ) {
    this.userinfo = new LRUCache({
      max: config.toolbox.idmCacheMaxEntries,
      ttl: config.toolbox.idmCacheTtlSeconds * 1000,
      ttlResolution: 0,
      perf: Date,
      fetchMethod: (who) => this.fetch(who),
    });
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
    if (!this.config.toolbox.idmUserinfoUrl) throw new HandlerServiceError('IdmNotConfigured', 'set IDM_USERINFO_URL to use idmService.getUserInfo');
    const info = (await this.userinfo.fetch(who)) as Record<string, unknown>;
    // IDM_CACHE_TTL_SECONDS=0 keeps nothing (lru-cache's ttl 0 would keep it for ever)
    if (this.userinfo.ttl === 0) this.userinfo.delete(who);
    return info;
  }

  private subject(value: unknown): string {
    if (typeof value !== 'string' || value === '' || value.length > SUBJECT_MAX)
      throw new HandlerServiceError('TypeError', `a subject is a non-empty string of at most ${SUBJECT_MAX} characters`);
    return value;
  }

  private async fetch(subject: string): Promise<Record<string, unknown>> {
    const url = this.config.toolbox.idmUserinfoUrl!.replaceAll('{subject}', encodeURIComponent(subject));
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
    return body as Record<string, unknown>;
  }
}
