import { Logger } from '@nestjs/common';
import { FailureStreak } from './failure-streak';

describe(FailureStreak.name, () => {
  it('should warn once per streak of failures, at debug level after that, and say when it ends', () => {
    const logger = new Logger('test');
    const lines = { warn: [] as string[], debug: [] as string[], log: [] as string[] };
    jest.spyOn(logger, 'warn').mockImplementation((m: string) => void lines.warn.push(m));
    jest.spyOn(logger, 'debug').mockImplementation((m: string) => void lines.debug.push(m));
    jest.spyOn(logger, 'log').mockImplementation((m: string) => void lines.log.push(m));
    const sut = new FailureStreak(logger, 'Poller tick');

    for (let i = 0; i < 5; i++) sut.failed(new Error('connect ECONNREFUSED'));
    sut.succeeded();
    sut.succeeded();
    expect(sut.failed(new Error('again'))).toBe(1);

    expect(lines.warn).toEqual([expect.stringContaining('Poller tick failed'), expect.stringContaining('again')]);
    expect(lines.debug).toHaveLength(4);
    expect(lines.log).toEqual(['Poller tick works again after 5 failure(s)']);
  });
});
