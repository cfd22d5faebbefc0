/**
 * `text` cut to at most `maxBytes` of UTF-8, a marker saying how long it was included, or
 * unchanged when it fits.
 */
export function truncateText(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const marker = `… [truncated: ${bytes} bytes in all]`;
  const keep = Math.max(0, maxBytes - Buffer.byteLength(marker));
  // a character cut in half decodes as U+FFFD: dropped
  const head = Buffer.from(text.slice(0, keep))
    .subarray(0, keep)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return `${head}${marker}`;
}
