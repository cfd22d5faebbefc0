import { DomainError } from '@app/common/domain-error';
import { isConnectionError, isMissingSchemaError, safeReason } from '@app/storage/sql/sql-errors';

const driverError = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['57P01', 'postgres: terminated by an administrator'],
    ['3D000', 'postgres: the database was dropped'],
    ['28P01', 'postgres: the login is refused'],
    ['ER_BAD_DB_ERROR', 'mysql: unknown database'],
    ['ER_ACCESS_DENIED_ERROR', 'mysql: the login is refused'],
  ])('counts %s (%s) as the database being unavailable', (code) => {
    expect(isConnectionError(driverError(code))).toBe(true);
    expect(isConnectionError({ message: 'wrapped', driverError: driverError(code) })).toBe(true);
  });

  it.each(['23505', '42P01', 'ER_DUP_ENTRY', '40P01'])('does not count statement error %s', (code) => {
    expect(isConnectionError(driverError(code))).toBe(false);
  });

  it('never counts a domain error', () => {
    expect(isConnectionError(new DomainError('RECEIPT_STALE', 'stale'))).toBe(false);
  });
});

describe('isMissingSchemaError', () => {
  it('recognises lost tables on postgres, mysql/mariadb and mssql, and nothing else', () => {
    expect(isMissingSchemaError(driverError('42P01'))).toBe(true);
    expect(isMissingSchemaError({ message: 'wrapped', driverError: driverError('ER_NO_SUCH_TABLE') })).toBe(true);
    expect(isMissingSchemaError(Object.assign(new Error("Invalid object name 'mailroom_messages'"), { number: 208 }))).toBe(true);
    expect(isMissingSchemaError(driverError('23505'))).toBe(false);
    expect(isMissingSchemaError(driverError('ECONNREFUSED'))).toBe(false);
  });
});

describe('safeReason', () => {
  it('removes the password and keeps the code', () => {
    expect(safeReason(driverError('28P01', 'password authentication failed: s3cr3t'), ['s3cr3t'])).toBe('28P01: password authentication failed: ***');
  });
});
