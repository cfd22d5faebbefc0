import { domainToASCII } from 'node:url';

/** user:password@ in any URL-like connection string (stops at quotes, so JSON log lines stay intact) */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s"'/:@]*):[^\s"'@/]*@/gi;

/** Replaces the password of every connection string in a text with ***. */
export function scrubUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1:***@');
}

/** the value of a token-like query parameter (`?access_token=…`, `&token=…`, …) */
const QUERY_TOKEN = /([?&](?:access_token|token|id_token|refresh_token|jwt)=)[^&#\s"'\\]*/gi;
/** a JWT anywhere: base64url header and payload, both JSON objects (`eyJ` is `{"`), and a signature */
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/**
 * Replaces token-like query values and anything shaped like a JWT with ***. Mailroom never takes
 * a token from the query string, but clients do send them there, and URLs end up in log lines.
 */
export function scrubTokens(text: string): string {
  return text.replace(QUERY_TOKEN, '$1***').replace(JWT, '***');
}

/** Every credential scrub for a log line: connection-string passwords and tokens. */
export function scrubSecrets(text: string): string {
  return scrubTokens(scrubUrlCredentials(text));
}

/**
 * A connection string as it may be shown (API responses, logs): the password, in the user info or as a
 * `password=`/`pwd=` option, is `***`; user, host, database and `${NAME}` placeholders are kept.
 */
export function maskConnectionString(raw: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/s.exec(raw.trim());
  if (!match) return raw.replace(/(password|pwd)=[^&;]*/gi, '$1=***');
  const [, scheme, authority, rest] = match;
  const at = authority.lastIndexOf('@');
  let userinfo = '';
  if (at >= 0) {
    const user = authority.slice(0, at);
    const colon = user.indexOf(':');
    userinfo = (colon >= 0 ? `${user.slice(0, colon)}:***` : user) + '@';
  }
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  return `${scheme.toLowerCase()}//${userinfo}${host}${rest.replace(/([?&;](?:password|pwd)=)[^&;#]*/gi, '$1***')}`;
}

/** Replaces every occurrence of the given secret values in a text with `mask`. */
export function maskValues(text: string, secrets: Iterable<string | null | undefined>, mask = '***'): string {
  let out = text;
  for (const secret of secrets) if (secret && out.includes(secret)) out = out.split(secret).join(mask);
  return out;
}

/** Like `maskValues`, but whatever the letter case (drivers lower-case host names), longest value first. */
export function maskValuesAnyCase(text: string, secrets: Iterable<string | null | undefined>, mask = '***'): string {
  const values = [...new Set([...secrets].filter((s): s is string => !!s))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return text;
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
  return text.replace(pattern, () => mask);
}

/** A value as a URL parser or a driver may echo it: as is, URL-encoded, lower-cased, as an ASCII host name. */
export function valueForms(value: string): string[] {
  const forms = [value, encodeURIComponent(value), encodeURI(value)];
  const host = domainToASCII(value);
  if (host) forms.push(host);
  return forms;
}
