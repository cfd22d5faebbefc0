import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import { RE2JS } from 're2js';

/** A schema pattern the linear-time engine cannot run (backreferences, lookaround) or that is not a valid ECMA-262 regex. */
export class UnsupportedPatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern.length > 200 ? `${pattern.slice(0, 200)}…` : pattern)} is not supported: ${reason}`);
    this.name = 'UnsupportedPatternError';
  }
}

/**
 * `\1`…`\9` and `\k<name>` in a pattern that is valid in unicode mode: there they can only be
 * backreferences (re2js would otherwise read `\k<x>` as the literal text `k<x>`).
 */
function hasBackreference(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    const next = pattern[i + 1];
    if (next === 'k' || (next >= '1' && next <= '9')) return true;
    i++;
  }
  return false;
}

/**
 * Compiles a JSON Schema `pattern` (ECMA-262 syntax, unicode mode) for RE2, whose matching time
 * is linear in the input: no pattern can make a validation backtrack for seconds.
 */
export function compileLinearPattern(pattern: string): RE2JS {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    throw new UnsupportedPatternError(pattern, `not a valid regular expression (${(error as Error).message})`);
  }
  if (hasBackreference(pattern)) throw new UnsupportedPatternError(pattern, 'backreferences cannot be matched in linear time');
  try {
    return RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    throw new UnsupportedPatternError(pattern, `${reason} (lookahead, lookbehind and backreferences cannot be matched in linear time)`);
  }
}

class LinearPattern implements RegExpLike {
  private readonly compiled: RE2JS;

  constructor(
    private readonly source: string,
    private readonly flags: string,
  ) {
    this.compiled = compileLinearPattern(source);
  }

  test(text: string): boolean {
    return this.compiled.test(text);
  }

  /** ajv keys the patterns of a schema by this */
  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}

/** More patterns in one schema than allowed (each costs a compile, and every patternProperties key is tried on every property). */
export class TooManyPatternsError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} patterns`);
    this.name = 'TooManyPatternsError';
  }
}

export interface CountingRegExpEngine extends RegExpEngine {
  /** Patterns compiled so far (e.g. those of ajv's meta-schema) do not count against the limit. */
  startCounting(): void;
}

/**
 * ajv's `code.regExp` for one schema: every `pattern` and `patternProperties` key runs on RE2,
 * and more than `maxPatterns` distinct patterns throw TooManyPatternsError (ajv may ask for the
 * same pattern more than once: it is compiled once).
 */
export function linearRegExp(maxPatterns: number): CountingRegExpEngine {
  const compiled = new Map<string, LinearPattern>();
  let exempt = Infinity;
  const engine = (pattern: string, flags: string): RegExpLike => {
    const key = `${flags}/${pattern}`;
    let found = compiled.get(key);
    if (!found) {
      if (compiled.size - exempt >= maxPatterns) throw new TooManyPatternsError(maxPatterns);
      found = new LinearPattern(pattern, flags);
      compiled.set(key, found);
    }
    return found;
  };
  return Object.assign(engine, { code: 're2js', startCounting: () => void (exempt = compiled.size) });
}
