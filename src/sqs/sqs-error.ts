import { DomainError } from '@app/common/domain-error';

/** SQS's error names (the JSON protocol's `__type`), with the Query protocol's code and the HTTP status SQS answers with. */
export const SQS_ERRORS = {
  QueueDoesNotExist: { query: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  QueueNameExists: { query: 'QueueAlreadyExists', status: 400 },
  ReceiptHandleIsInvalid: { query: 'ReceiptHandleIsInvalid', status: 404 },
  MessageNotInflight: { query: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 },
  TooManyEntriesInBatchRequest: { query: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', status: 400 },
  BatchEntryIdsNotDistinct: { query: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', status: 400 },
  EmptyBatchRequest: { query: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400 },
  InvalidBatchEntryId: { query: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400 },
  BatchRequestTooLong: { query: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400 },
  UnsupportedOperation: { query: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  InvalidAttributeName: { query: 'InvalidAttributeName', status: 400 },
  InvalidAttributeValue: { query: 'InvalidAttributeValue', status: 400 },
  InvalidMessageContents: { query: 'InvalidMessageContents', status: 400 },
  InvalidParameterValue: { query: 'InvalidParameterValue', status: 400 },
  MissingParameter: { query: 'MissingParameter', status: 400 },
  InvalidAction: { query: 'InvalidAction', status: 400 },
  AccessDenied: { query: 'AccessDenied', status: 403 },
  InvalidClientTokenId: { query: 'InvalidClientTokenId', status: 403 },
  SignatureDoesNotMatch: { query: 'SignatureDoesNotMatch', status: 403 },
  IncompleteSignature: { query: 'IncompleteSignature', status: 400 },
  RequestExpired: { query: 'RequestExpired', status: 400 },
  RequestThrottled: { query: 'RequestThrottled', status: 403 },
  RequestEntityTooLarge: { query: 'RequestEntityTooLarge', status: 413 },
  ServiceUnavailable: { query: 'ServiceUnavailable', status: 503 },
  InternalFailure: { query: 'InternalFailure', status: 500 },
} as const;

export type SqsErrorName = keyof typeof SQS_ERRORS;

/** An error answered in SQS's own shape; `message` is safe to show the caller. */
export class SqsError extends Error {
  constructor(
    readonly type: SqsErrorName,
    message: string,
  ) {
    super(message);
    this.name = 'SqsError';
  }

  get queryCode(): string {
    return SQS_ERRORS[this.type].query;
  }

  get status(): number {
    return SQS_ERRORS[this.type].status;
  }

  /** Sender: the caller's fault; Receiver: ours. */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** The SQS error for a Mailroom domain error (the message stays Mailroom's: it names what was wrong). */
export function sqsErrorFor(error: DomainError): SqsError {
  switch (error.code) {
    case 'QUEUE_NOT_FOUND':
      return new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    case 'MESSAGE_NOT_FOUND':
    case 'RECEIPT_STALE':
    case 'MESSAGE_NOT_LEASED':
      return new SqsError('ReceiptHandleIsInvalid', `The receipt handle is not the current one of a message in flight: ${error.message}`);
    case 'MESSAGE_SCHEMA_INVALID':
      return new SqsError('InvalidMessageContents', error.message);
    case 'PAYLOAD_TOO_LARGE':
      return new SqsError('InvalidParameterValue', error.message);
    case 'FORBIDDEN':
    case 'UNAUTHENTICATED':
      return new SqsError('AccessDenied', error.message);
    case 'RATE_LIMITED':
    case 'TOO_MANY_LONG_POLLS':
      return new SqsError('RequestThrottled', error.message);
    case 'QUEUE_HAS_HANDLER':
    case 'MANAGED_BY_CONFIG':
      return new SqsError('UnsupportedOperation', error.message);
    case 'NAME_TAKEN':
      return new SqsError('QueueNameExists', error.message);
    case 'STORAGE_UNAVAILABLE':
    case 'SHUTTING_DOWN':
      return new SqsError('ServiceUnavailable', error.message);
    case 'INTERNAL_ERROR':
      return new SqsError('InternalFailure', 'Internal error');
    default:
      return error.status < 500 ? new SqsError('InvalidParameterValue', error.message) : new SqsError('InternalFailure', 'Internal error');
  }
}
