import { truncateText } from '@app/common/truncate';

describe('truncateText', () => {
  it('keeps text that fits', () => {
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('é'.repeat(5), 10)).toBe('é'.repeat(5));
  });

  it('cuts long text to the limit in UTF-8 bytes, with a marker naming the full size', () => {
    const cut = truncateText('x'.repeat(5_000_000), 8192);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(8192);
    expect(cut).toMatch(/^x+… \[truncated: 5000000 bytes in all\]$/);
  });

  it('never leaves half a character', () => {
    const cut = truncateText('€'.repeat(10_000), 8192);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(8192);
    expect(cut).not.toContain('\uFFFD');
    expect(cut.startsWith('€'.repeat(100))).toBe(true);
  });
});
