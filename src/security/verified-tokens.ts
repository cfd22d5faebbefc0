import type { Principal } from '@app/security/principal';

/** How long a verified token is trusted without verifying it again (bounded by its own exp). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
export const VERIFIED_TOKEN_CAPACITY = 10_000;

/**
 * Tokens that passed verification, keyed by the whole token (signature included), so a repeat
 * request skips the signature check and claim parsing. An entry lives until the token's `exp`
 * or VERIFIED_TOKEN_TTL_MS, whichever is first, so a key removed from the JWKS stops being
 * trusted within a minute. The oldest entry goes when the cache is full.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacity = VERIFIED_TOKEN_CAPACITY,
  ) {}

  get(token: string): Principal | null {
    const entry = this.entries.get(token);
    if (!entry) return null;
    if (entry.until <= this.now()) {
      this.entries.delete(token);
      return null;
    }
    return entry.principal;
  }

  /** `token` has just been verified; its payload is read again only for `exp`. */
  remember(token: string, principal: Principal): void {
    const exp = expiryOf(token);
    const until = Math.min(exp ?? Number.POSITIVE_INFINITY, this.now() + VERIFIED_TOKEN_TTL_MS);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { principal, until });
  }

  get size(): number {
    return this.entries.size;
  }
}

function expiryOf(token: string): number | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}
