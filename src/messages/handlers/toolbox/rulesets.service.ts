import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import * as path from 'node:path';
import { Engine, type RuleProperties } from 'json-rules-engine';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { HandlerServiceError } from '@app/messages/handlers/auth-client-tokens';
import { ConfigFolder } from '@app/messages/handlers/toolbox/config-folder';

export interface Decision {
  type: string;
  params: Record<string, unknown>;
  /** the rule's name, when it has one */
  rule: string | null;
}

const OPERATORS = ['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'];
const DECORATORS = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'];
const MAX_RULES = 1000;
const MAX_CONDITIONS = 10_000;
const MAX_DEPTH = 32;
/** `$.a.b[0].c`: member and index steps only (no JSONPath filters or scripts) */
const PATH = /^\$(\.[A-Za-z_$][A-Za-z0-9_$-]*|\[\d{1,6}\])*$/;
const STEP = /\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]/g;
const FACT_NAME = /^[A-Za-z0-9_.$-]{1,200}$/;

interface Ruleset {
  engine: Engine;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** Follows a `$.a[0].b` path through own properties only. */
function resolvePath(value: unknown, pathText: string): unknown {
  let current = value;
  for (const match of pathText.slice(1).matchAll(STEP)) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = match[1] ?? Number(match[2]);
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function checkCondition(value: unknown, where: string, depth: number, counter: { conditions: number }, named: Set<string>): void {
  if (depth > MAX_DEPTH) throw new Error(`${where}: conditions nest deeper than ${MAX_DEPTH}`);
  if (++counter.conditions > MAX_CONDITIONS) throw new Error(`more than ${MAX_CONDITIONS} conditions`);
  const condition = object(value, where);
  const groups = ['all', 'any'].filter((key) => key in condition);
  if (groups.length) {
    if (groups.length > 1 || 'not' in condition || 'fact' in condition) throw new Error(`${where}: a condition is one of all, any, not, condition or fact`);
    const list = condition[groups[0]];
    if (!Array.isArray(list)) throw new Error(`${where}.${groups[0]} must be a list`);
    list.forEach((item, i) => checkCondition(item, `${where}.${groups[0]}[${i}]`, depth + 1, counter, named));
    return;
  }
  if ('not' in condition) return checkCondition(condition.not, `${where}.not`, depth + 1, counter, named);
  if ('condition' in condition) {
    if (typeof condition.condition !== 'string' || !named.has(condition.condition))
      throw new Error(`${where}: condition "${String(condition.condition).slice(0, 100)}" is not defined in "conditions"`);
    return;
  }
  if (typeof condition.fact !== 'string' || !FACT_NAME.test(condition.fact)) throw new Error(`${where}.fact must be a fact name`);
  const operator = condition.operator;
  const parts = typeof operator === 'string' ? operator.split(':') : [];
  if (!parts.length || !OPERATORS.includes(parts[parts.length - 1]) || parts.slice(0, -1).some((d) => !DECORATORS.includes(d))) {
    throw new Error(`${where}.operator must be one of ${OPERATORS.join(', ')} (optionally decorated: ${DECORATORS.join(', ')})`);
  }
  if (!('value' in condition)) throw new Error(`${where} needs a "value"`);
  if (condition.path !== undefined && (typeof condition.path !== 'string' || !PATH.test(condition.path))) {
    throw new Error(`${where}.path must be a simple path such as $.customer.tier or $.items[0].sku`);
  }
  if (condition.params !== undefined) object(condition.params, `${where}.params`);
}

/** Validates `config/rulesets/<name>.json` ({rules, conditions?}) and builds its engine. */
export function parseRuleset(value: unknown): Ruleset {
  const raw = object(value, 'the file');
  const unknown = Object.keys(raw).filter((key) => !['rules', 'conditions', 'description'].includes(key));
  if (unknown.length) throw new Error(`unknown field(s) ${unknown.join(', ')}`);
  const rules = raw.rules;
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > MAX_RULES) throw new Error(`"rules" must be a list of 1 to ${MAX_RULES} rules`);
  const conditions = raw.conditions === undefined ? {} : object(raw.conditions, '"conditions"');
  const named = new Set(Object.keys(conditions));
  const counter = { conditions: 0 };
  for (const [name, condition] of Object.entries(conditions)) checkCondition(condition, `conditions.${name}`, 0, counter, named);
  rules.forEach((item, i) => {
    const rule = object(item, `rules[${i}]`);
    const extra = Object.keys(rule).filter((key) => !['name', 'conditions', 'event', 'priority'].includes(key));
    if (extra.length) throw new Error(`rules[${i}] has unknown field(s) ${extra.join(', ')}`);
    checkCondition(rule.conditions, `rules[${i}].conditions`, 0, counter, named);
    const top = object(rule.conditions, `rules[${i}].conditions`);
    if (!['all', 'any', 'not', 'condition'].some((key) => key in top)) throw new Error(`rules[${i}].conditions must start with all, any, not or condition`);
    const event = object(rule.event, `rules[${i}].event`);
    if (typeof event.type !== 'string' || event.type === '') throw new Error(`rules[${i}].event.type must be a non-empty string`);
    if (event.params !== undefined) object(event.params, `rules[${i}].event.params`);
    if (rule.priority !== undefined && (typeof rule.priority !== 'number' || !Number.isInteger(rule.priority) || rule.priority < 1)) {
      throw new Error(`rules[${i}].priority must be a whole number of at least 1`);
    }
    if (rule.name !== undefined && typeof rule.name !== 'string') throw new Error(`rules[${i}].name must be a string`);
  });
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: resolvePath });
  for (const [name, condition] of Object.entries(conditions)) engine.setCondition(name, condition as never);
  for (const rule of rules) engine.addRule(rule as RuleProperties);
  return { engine };
}

/**
 * `rulesetService` of handlers: json-rules-engine rulesets from CONFIG_DIR/rulesets/<name>.json,
 * validated when loaded (built-in operators only, simple paths, bounded size), evaluated against
 * the facts a handler passes.
 */
@Injectable()
export class RulesetsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Rulesets');
  private readonly folder: ConfigFolder<Ruleset>;

  constructor(@InjectConfig() private readonly config: AppConfig) {
    this.folder = new ConfigFolder(path.join(config.configDir, 'rulesets'), (raw) => parseRuleset(raw), this.logger);
  }

  onModuleInit(): void {
    this.folder.start();
  }

  onModuleDestroy(): void {
    this.folder.stop();
  }

  names(): string[] {
    return this.folder.names();
  }

  reload(): void {
    this.folder.reload();
  }

  /** The events of the rules whose conditions hold, highest priority first. */
  async evaluate(name: unknown, facts: unknown): Promise<Decision[]> {
    if (typeof name !== 'string' || name === '') throw new HandlerServiceError('TypeError', 'the ruleset name must be a non-empty string');
    const ruleset = this.folder.get(name);
    if (!ruleset) throw new HandlerServiceError('RulesetNotFound', `there is no valid ruleset named "${name.slice(0, 100)}" (config/rulesets/<name>.json)`);
    if (typeof facts !== 'object' || facts === null || Array.isArray(facts))
      throw new HandlerServiceError('TypeError', 'the facts must be an object of fact names to values');
    let json: string;
    try {
      json = JSON.stringify(facts);
    } catch {
      throw new HandlerServiceError('TypeError', 'the facts must be JSON');
    }
    if (Buffer.byteLength(json) > this.config.messageMaxBytes) {
      throw new HandlerServiceError('RangeError', `the facts are larger than ${this.config.messageMaxBytes} bytes`);
    }
    const { results } = await ruleset.engine.run({ ...facts });
    return results.map((result) => ({
      type: result.event?.type ?? '',
      params: (result.event?.params as Record<string, unknown> | undefined) ?? {},
      rule: typeof result.name === 'string' ? result.name : null,
    }));
  }
}
