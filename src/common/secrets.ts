/** user:password@ in any URL-like connection string (stops at quotes, so JSON log lines stay intact) */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s"'/:@]*):[^\s"'@/]*@/gi;

/** Replaces the password of every connection string in a text with ***. */
export function scrubUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1:***@');
}

/** Replaces every occurrence of the given secret values in a text with `mask`. */
export function maskValues(text: string, secrets: Iterable<string | null | undefined>, mask = '***'): string {
  let out = text;
  for (const secret of secrets) if (secret && out.includes(secret)) out = out.split(secret).join(mask);
  return out;
}
