import { secretScrubber } from './logger.factory';

describe(secretScrubber.name, () => {
  it('should replace every secret, also URL-encoded and JSON-escaped, and leave other text alone', () => {
    const sut = secretScrubber(['key-0123456789abcdef', 'p@ss"word/1']);
    const line = JSON.stringify({
      msg: 'calling with key-0123456789abcdef twice: key-0123456789abcdef',
      url: 'postgres://u:p%40ss%22word%2F1@db/x',
      err: 'password p@ss"word/1 rejected',
    });
    const scrubbed = sut(line);
    expect(scrubbed).not.toMatch(/key-0123456789abcdef|p%40ss|p@ss/);
    expect(JSON.parse(scrubbed)).toEqual({
      msg: 'calling with [REDACTED] twice: [REDACTED]',
      url: 'postgres://u:[REDACTED]@db/x',
      err: 'password [REDACTED] rejected',
    });
  });

  it('should return lines unchanged when there is no secret', () => {
    expect(secretScrubber([])('{"msg":"hello"}')).toBe('{"msg":"hello"}');
  });
});
