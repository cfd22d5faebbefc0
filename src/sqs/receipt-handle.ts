import { SqsError } from '@app/sqs/sqs-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_HANDLE = 1024;

/** An SQS receipt handle names one delivery: the message id and its lease receipt. */
export function encodeReceiptHandle(id: string, receipt: string): string {
  return Buffer.from(`${id} ${receipt}`).toString('base64url');
}

export function decodeReceiptHandle(handle: unknown): { id: string; receipt: string } {
  const invalid = () => new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${String(handle).slice(0, 100)}" is not a valid receipt handle.`);
  if (typeof handle !== 'string' || handle.length === 0 || handle.length > MAX_HANDLE || !/^[A-Za-z0-9_-]+$/.test(handle)) throw invalid();
  const decoded = Buffer.from(handle, 'base64url').toString('utf8');
  const space = decoded.indexOf(' ');
  const id = decoded.slice(0, space);
  const receipt = decoded.slice(space + 1);
  if (space < 0 || !UUID.test(id) || !/^[\x21-\x7e]{1,200}$/.test(receipt)) throw invalid();
  return { id, receipt };
}
