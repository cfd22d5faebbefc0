import { parseRuleset } from '@app/messages/handlers/toolbox/rulesets.service';

function reason(raw: unknown): string {
  try {
    parseRuleset(raw);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the ruleset to be refused');
}

const rule = (condition: object) => ({ rules: [{ conditions: { all: [condition] }, event: { type: 'x' } }] });

describe('parseRuleset', () => {
  it('evaluates facts with built-in operators, decorators, named conditions and simple paths', async () => {
    const { engine } = parseRuleset({
      conditions: { vip: { any: [{ fact: 'customer', path: '$.tier', operator: 'equal', value: 'gold' }] } },
      rules: [
        {
          conditions: { all: [{ condition: 'vip' }, { fact: 'items', path: '$[0].qty', operator: 'greaterThanInclusive', value: 2 }] },
          event: { type: 'bulk-vip' },
        },
        { conditions: { any: [{ fact: 'tags', operator: 'someFact:equal', value: 'urgent' }] }, event: { type: 'urgent' } },
        { conditions: { not: { fact: 'missing', operator: 'equal', value: 1 } }, event: { type: 'no-missing' } },
      ],
    });
    const { events } = await engine.run({ customer: { tier: 'gold' }, items: [{ qty: 3 }], tags: ['urgent'] });
    expect(events.map((e) => e.type).sort()).toEqual(['bulk-vip', 'no-missing', 'urgent']);
    const proto = await engine.run({ customer: JSON.parse('{"__proto__": {"tier": "gold"}}'), items: [], tags: [] });
    expect(proto.events.map((e) => e.type)).toEqual(['no-missing']);
  });

  it('refuses unknown operators, JSONPath expressions, undefined conditions, deep nesting and unknown fields', () => {
    expect(reason(rule({ fact: 'a', operator: 'matches', value: '^(a+)+$' }))).toContain('operator');
    expect(reason(rule({ fact: 'a', operator: 'bogus:equal', value: 1 }))).toContain('operator');
    expect(reason(rule({ fact: 'a', operator: 'equal', value: 1, path: '$..[?(@.x)]' }))).toContain('path');
    expect(reason(rule({ condition: 'nowhere' }))).toContain('nowhere');
    expect(reason(rule({ fact: 'a', operator: 'equal' }))).toContain('value');
    let deep: object = { fact: 'a', operator: 'equal', value: 1 };
    for (let i = 0; i < 40; i++) deep = { all: [deep] };
    expect(reason({ rules: [{ conditions: deep, event: { type: 'x' } }] })).toContain('deeper');
    expect(reason({ rules: [] })).toContain('rules');
    expect(reason({ rules: [{ conditions: { all: [] }, event: {} }] })).toContain('event.type');
    expect(reason({ rules: [{ conditions: { all: [] }, event: { type: 'x' } }], script: 'x' })).toContain('unknown field');
  });
});
