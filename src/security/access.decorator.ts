import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { apiError, RETRY_AFTER_HEADER } from '@app/common/api-schemas';
import type { AccessAction } from '@app/security/access-rules';

export const ACCESS_KEY = 'mailroom:access';
export const PUBLIC_KEY = 'mailroom:public';

export interface AccessMetadata {
  action: AccessAction;
  /** route parameter that names the queue the action is on */
  queueParam?: string;
  /** route parameter that names the topic the action is on */
  topicParam?: string;
}

const DESCRIPTIONS: Record<AccessAction, string> = {
  'message.write':
    "a writer role of the queue (system_admin, system_writer, queue_writer, <queue>_writer or the queue's own roles; only system_admin when roles.replace), no role when roles.needsRole is false, or a send_to_queue grant",
  'message.consume': 'system_admin, queue_reader or <queue>_reader (only system_admin when roles.replace), or a receive grant',
  'queue.admin': 'system_admin, queue_admin or <queue>_admin, or an administer_queue grant',
  'topic.publish': 'system_admin, system_writer, topic_writer or <topic>_writer, or a send_to_topic grant',
  'catalog.read': 'system_admin, system_reader, queue_admin or queue_reader',
  'catalog.write': 'system_admin or queue_admin',
  self: 'any valid token',
};

/**
 * Protects a route: a valid JWT plus the right for `action` on the resource named by the
 * route parameter. Documents the security schemes and the 401/403/404/429/503 answers in OpenAPI
 * (a route's own 429 or 404 decorator, applied after this one, replaces them).
 */
export function Access(action: AccessAction, resource: Omit<AccessMetadata, 'action'> = {}) {
  const decorators = [
    SetMetadata(ACCESS_KEY, { action, ...resource } satisfies AccessMetadata),
    ApiBearerAuth('bearer'),
    ApiSecurity('x-access-token'),
    ApiUnauthorizedResponse(apiError('UNAUTHENTICATED: missing, invalid or expired token, or one without exp or issued in the future')),
    ApiTooManyRequestsResponse({
      ...apiError('RATE_LIMITED: too many failed authentications from this address (AUTH_FAILURE_LIMIT_PER_MINUTE) or requests of this subject'),
      headers: RETRY_AFTER_HEADER,
    }),
    ApiForbiddenResponse(apiError(`FORBIDDEN: needs ${DESCRIPTIONS[action]}`)),
    ApiServiceUnavailableResponse({
      ...apiError("SHUTTING_DOWN: this replica is draining, retry on another; STORAGE_UNAVAILABLE: the catalog or the queue's storage does not answer"),
      headers: RETRY_AFTER_HEADER,
    }),
  ];
  if (resource.queueParam) decorators.push(ApiNotFoundResponse(apiError('QUEUE_NOT_FOUND')));
  if (resource.topicParam) decorators.push(ApiNotFoundResponse(apiError('TOPIC_NOT_FOUND')));
  return applyDecorators(...decorators);
}

/** A route anyone may call without a token. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
