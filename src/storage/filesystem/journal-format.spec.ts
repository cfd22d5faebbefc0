import { frameRecord, HEADER_BYTES, scanRecords } from '@app/storage/filesystem/journal-format';

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ t: 'k', k: `key-${i}`, v: { i, text: 'ż'.repeat(i) } }));
const joined = (payloads: unknown[]) => Buffer.concat(payloads.map((p) => frameRecord(JSON.stringify(p))));

describe('journal record framing', () => {
  it('reads back every record it framed', () => {
    const payloads = records(5);
    const data = joined(payloads);
    const scan = scanRecords(data);
    expect(scan.payloads).toEqual(payloads);
    expect(scan.validLength).toBe(data.length);
    expect(scan.tailBytes).toBe(0);
    expect(scan.skipped).toEqual([]);
    expect(scan.sizes.reduce((a, b) => a + b, 0) + HEADER_BYTES * 5).toBe(data.length);
  });

  it('reads an empty file', () => {
    expect(scanRecords(Buffer.alloc(0))).toMatchObject({ payloads: [], validLength: 0, tailBytes: 0 });
  });

  it.each([
    ['inside the header', 5],
    ['inside the payload', HEADER_BYTES + 3],
    ['one byte short', -1],
  ])('treats a record cut %s as a torn tail', (_label, cut) => {
    const payloads = records(3);
    const whole = joined(payloads);
    const lastStart = joined(payloads.slice(0, 2)).length;
    const end = cut < 0 ? whole.length + cut : lastStart + cut;
    const scan = scanRecords(whole.subarray(0, end));
    expect(scan.payloads).toEqual(payloads.slice(0, 2));
    expect(scan.validLength).toBe(lastStart);
    expect(scan.tailBytes).toBe(end - lastStart);
  });

  it('detects a changed byte through the checksum (a damaged last record is a torn tail)', () => {
    const payloads = records(2);
    const data = joined(payloads);
    data[data.length - 2] ^= 0x01;
    const scan = scanRecords(data);
    expect(scan.payloads).toEqual(payloads.slice(0, 1));
    expect(scan.validLength).toBe(frameRecord(JSON.stringify(payloads[0])).length);
  });

  it('skips a damaged record in the middle and keeps the valid records after it', () => {
    const payloads = records(5);
    const data = joined(payloads);
    const start = joined(payloads.slice(0, 2)).length;
    const length = frameRecord(JSON.stringify(payloads[2])).length;
    data[start + HEADER_BYTES + 4] ^= 0xff;
    const scan = scanRecords(data);
    expect(scan.payloads).toEqual([payloads[0], payloads[1], payloads[3], payloads[4]]);
    expect(scan.skipped).toEqual([{ offset: start, length }]);
    expect(scan.validLength).toBe(data.length);
  });

  it('resynchronises after a damaged length field', () => {
    const payloads = records(4);
    const data = joined(payloads);
    const start = frameRecord(JSON.stringify(payloads[0])).length;
    data.writeUInt32BE(0x7fffffff, start + 4);
    const scan = scanRecords(data);
    expect(scan.payloads).toEqual([payloads[0], payloads[2], payloads[3]]);
    expect(scan.skipped).toHaveLength(1);
  });

  it('rejects a record whose checksum matches but whose payload is not JSON', () => {
    const data = Buffer.concat([frameRecord('{"t":"p"}'), frameRecord('not json')]);
    const scan = scanRecords(data);
    expect(scan.payloads).toEqual([{ t: 'p' }]);
    expect(scan.tailBytes).toBe(frameRecord('not json').length);
  });
});
