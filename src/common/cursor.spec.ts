import { decodeCursor, pageByName } from '@app/common/cursor';

describe('pageByName', () => {
  const names = ['beta', 'Alpha', 'alpha', 'Zulu', 'a-1', 'B'];

  it('walks every item exactly once in one order, whatever the case of the names', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: string[]; nextCursor: string | null } = pageByName(names, (n) => n, 2, cursor);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Alpha', 'B', 'Zulu', 'a-1', 'alpha', 'beta']);
  });

  it('has no next cursor on the last page', () => {
    expect(pageByName(names, (n) => n, 6, null).nextCursor).toBeNull();
    expect(decodeCursor(pageByName(names, (n) => n, 5, null).nextCursor!)).toBe('alpha');
  });
});
