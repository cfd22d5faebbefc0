import { DomainError } from '@app/common/domain-error';

/**
 * Whether a parsed JSON value nests deeper than `max` levels (a scalar is 0 levels, `{}` and
 * `[1]` are 1). Iterative, with an explicit stack, so a value nested thousands of levels deep
 * cannot overflow the call stack; stops at the first container past the limit.
 */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<{ node: object; depth: number }> = [{ node: value, depth: 1 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (depth > max) return true;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

/** Throws JSON_TOO_DEEP (400) naming `what` when `value` nests deeper than `max` levels. */
export function assertJsonDepth(value: unknown, max: number, what: string): void {
  if (jsonDepthExceeds(value, max)) {
    throw new DomainError('JSON_TOO_DEEP', `${what} is nested more than ${max} levels deep`, { maxDepth: max });
  }
}
