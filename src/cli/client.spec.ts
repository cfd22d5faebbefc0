import { EXIT, exitCodeFor, mapLimited, MailroomClient } from '@app/cli/client';

describe('CLI client', () => {
  it.each([
    [404, EXIT.NOT_FOUND],
    [401, EXIT.AUTH],
    [403, EXIT.AUTH],
    [400, EXIT.REJECTED],
    [409, EXIT.REJECTED],
    [413, EXIT.REJECTED],
    [422, EXIT.REJECTED],
    [429, EXIT.UNAVAILABLE],
    [500, EXIT.UNAVAILABLE],
    [503, EXIT.UNAVAILABLE],
  ])('maps HTTP %i to exit code %i', (status, code) => {
    expect(exitCodeFor(status)).toBe(code);
  });

  it('refuses a URL that is not http(s) as a usage error, without echoing it', () => {
    for (const url of ['not a url', 'ftp://user:secret@host/']) {
      let caught: unknown;
      try {
        new MailroomClient({ url });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ exitCode: EXIT.USAGE });
      expect((caught as Error).message).not.toContain('secret');
    }
  });

  it('mapLimited keeps order and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimited([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await Promise.resolve();
      await Promise.resolve();
      inFlight--;
      return n * 2;
    });
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(peak).toBe(3);
    expect(await mapLimited([], 3, async () => 1)).toEqual([]);
  });
});
