import { LRUCache } from 'lru-cache';
import type { Principal } from '@app/security/principal';

/** How long a verified token is trusted without verifying it again (bounded by its own exp). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
export const VERIFIED_TOKEN_CAPACITY = 10_000;

/**
 * Tokens that passed verification, keyed by the whole token (signature included), so a repeat
 * request skips the signature check and claim parsing. An entry lives until the token's `exp`
 * or VERIFIED_TOKEN_TTL_MS, whichever is first, so a key removed from the JWKS stops being
 * trusted within a minute. The least recently used entry goes when the cache is full.
 */
export class VerifiedTokens {
  private readonly entries: LRUCache<string, Principal>;

  constructor(
    private readonly now: () => number = Date.now,
    capacity = VERIFIED_TOKEN_CAPACITY,
  ) {
    this.entries = new LRUCache({ max: capacity, ttl: VERIFIED_TOKEN_TTL_MS - 1, ttlResolution: 0, perf: { now } });
  }

  get(token: string): Principal | null {
    return this.entries.get(token) ?? null;
  }

  /** `token` has just been verified; its payload is read again only for `exp`. */
  remember(token: string, principal: Principal): void {
    const exp = expiryOf(token);
    const life = exp === null ? VERIFIED_TOKEN_TTL_MS : Math.min(exp - this.now(), VERIFIED_TOKEN_TTL_MS);
    // lru-cache serves an entry while its age is <= ttl; the token is void from `exp` on (and a ttl of 0 would mean forever)
    if (life > 1) this.entries.set(token, principal, { ttl: life - 1 });
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
