import { ConnectionException, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { DatabaseStalledError } from '../../database/connection-bounds';
import { isDatabaseUnavailable } from './database-unavailable';

describe(isDatabaseUnavailable.name, () => {
  const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

  it('should recognise refused and reset connections, and server-gone SQLSTATEs', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '53300']) {
      expect(isDatabaseUnavailable(withCode(code))).toBe(true);
    }
  });

  it('should recognise a lost connection by its message, a wrapped cause, and an aggregate of connect errors', () => {
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('query failed', { cause: withCode('ECONNREFUSED') }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([withCode('ECONNREFUSED')], 'connect failed'))).toBe(true);
    expect(isDatabaseUnavailable(new ConnectionException(new Error('no route')))).toBe(true);
  });

  it('should recognise a stalled database: statement timeout, pool acquire timeout, an unanswered statement, a broken client', () => {
    expect(isDatabaseUnavailable(withCode('57014', 'canceling statement due to statement timeout'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated due to connection timeout'))).toBe(true);
    expect(isDatabaseUnavailable(new DatabaseStalledError(3000))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: new DatabaseStalledError(3000) }))).toBe(true);
    // As the ORM's exception converter passes it on: its own class, the driver error's properties.
    expect(isDatabaseUnavailable(new DriverException(new DatabaseStalledError(3000)))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client was closed and is not queryable'))).toBe(true);
  });

  it('should not take bugs or constraint violations for an outage', () => {
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('42P01', 'relation does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(new UniqueConstraintViolationException(withCode('23505')))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
