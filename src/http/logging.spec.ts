import { scrubbingDestination } from '@app/http/logging';

describe('scrubbingDestination', () => {
  it('scrubs whole lines on their way to the destination', () => {
    const lines: string[] = [];
    scrubbingDestination({ write: (line: string) => lines.push(line) }).write('{"msg":"postgres://a:b@c/d"}\n');
    expect(lines).toEqual(['{"msg":"postgres://a:***@c/d"}\n']);
  });
});
