import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';

/** An error a handler may see as is (name and message reach the handler; never a secret). */
export class HandlerServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Without expires_in, a token is reused for this long. */
const DEFAULT_LIFETIME_SECONDS = 60;
/** A token is renewed this long before it expires (at most), so a handler never gets one about to lapse. */
const RENEW_BEFORE_MS = 60_000;

/**
 * `authClientProvider.getAccessToken()` of handlers: OAuth2 client credentials against
 * AUTH_CLIENT_TOKEN_URL, one token cached for every handler until shortly before it expires;
 * concurrent callers share one request.
 */
@Injectable()
export class AuthClientTokens {
  private cached: { token: string; renewAt: number } | null = null;
  private inflight: Promise<string> | null = null;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  async getAccessToken(): Promise<string> {
    if (this.cached && Date.now() < this.cached.renewAt) return this.cached.token;
    this.inflight ??= this.request().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async request(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scope, audience } = this.config.authClient;
    if (!tokenUrl || !clientId) {
      throw new HandlerServiceError(
        'AuthClientNotConfigured',
        'set AUTH_CLIENT_TOKEN_URL and AUTH_CLIENT_ID (and AUTH_CLIENT_SECRET) to use authClientProvider',
      );
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId });
    if (clientSecret) form.set('client_secret', clientSecret);
    if (scope) form.set('scope', scope);
    if (audience) form.set('audience', audience);
    const host = new URL(tokenUrl).host;
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new HandlerServiceError('AuthClientError', `the token endpoint at ${host} cannot be reached: ${(error as Error).name}`);
    }
    const body = (await response.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | null;
    if (!response.ok || typeof body?.access_token !== 'string') {
      const reason = typeof body?.error === 'string' ? ` (${body.error.slice(0, 100)})` : '';
      throw new HandlerServiceError('AuthClientError', `the token endpoint at ${host} answered ${response.status} without an access token${reason}`);
    }
    const seconds = Number(body.expires_in);
    const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LIFETIME_SECONDS) * 1000;
    this.cached = { token: body.access_token, renewAt: Date.now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs * 0.1) };
    return body.access_token;
  }
}
