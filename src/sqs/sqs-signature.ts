import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { getCanonicalHeaders, SignatureV4 } from '@smithy/signature-v4';
import { LRUCache } from 'lru-cache';
import type { SqsCredential } from '@app/config/app.config';
import { SqsError } from '@app/sqs/sqs-error';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 (and HMAC when given a key) in the shape @smithy/signature-v4 expects. */
class NodeSha256 {
  private readonly hash;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** The SDKs' canonical request (path and query encoding, header order), without their async signing. */
class CanonicalRequests extends SignatureV4 {
  constructor() {
    super({ credentials: { accessKeyId: '', secretAccessKey: '' }, region: '', service: 'sqs', sha256: NodeSha256, uriEscapePath: true, applyChecksum: false });
  }

  build(request: Parameters<SignatureV4['sign']>[0], headers: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, headers, payloadHash);
  }
}

export interface ReceivedRequest {
  method: string;
  /** the path as sent, before decoding */
  path: string;
  /** the raw query string, without '?' */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const AUTH_HEADER = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})$/;
const CREDENTIAL = /^([^/]+)\/(\d{8})\/([a-z0-9-]{1,40})\/([a-z0-9-]{1,40})\/aws4_request$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** derived signing keys kept (one per access key, day, region and service in use) */
const SIGNING_KEY_CACHE_SIZE = 256;
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

function header(request: Pick<ReceivedRequest, 'headers'>, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(value: string | undefined): Date {
  const match = value ? AMZ_DATE.exec(value) : null;
  if (!match) throw new SqsError('IncompleteSignature', 'X-Amz-Date is missing or not in the form YYYYMMDDTHHMMSSZ.');
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(raw)) {
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function sameSignature(expected: string, received: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * AWS Signature Version 4, verified by signing the received request again with the stored secret
 * (the canonical request is @smithy/signature-v4's, the one the SDKs use) and comparing in constant time.
 */
export class SignatureVerifier {
  private readonly keys: Map<string, SqsCredential>;
  /** (access key, date, region, service) → derived key, as the SDKs cache them: one HMAC per request instead of five */
  private readonly signingKeys = new LRUCache<string, Buffer>({ max: SIGNING_KEY_CACHE_SIZE });
  private readonly canonical = new CanonicalRequests();

  constructor(
    credentials: SqsCredential[],
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new Map(credentials.map((c) => [c.accessKeyId, c]));
  }

  /**
   * What can be refused before the body is read: no signature, a malformed one, an unknown access
   * key or a signing time out of range. Throws the SQS error; `verify` still checks everything.
   */
  precheck(request: Omit<ReceivedRequest, 'body'>): void {
    const authorization = header(request, 'authorization');
    const query = parseQuery(request.rawQuery);
    if (authorization !== undefined) {
      const match = AUTH_HEADER.exec(authorization.trim());
      if (!match) throw new SqsError('IncompleteSignature', 'The Authorization header is not a well-formed AWS4-HMAC-SHA256 signature.');
      const { date } = this.credential(match[1]);
      this.assertFresh(parseAmzDate(header(request, 'x-amz-date')), date);
      return;
    }
    if (typeof query['X-Amz-Signature'] !== 'string') {
      throw new SqsError('MissingParameter', 'Requests must be signed with AWS Signature Version 4 (an Authorization header or X-Amz-Signature).');
    }
    const credentialText = query['X-Amz-Credential'];
    if (typeof credentialText !== 'string') throw new SqsError('IncompleteSignature', `A presigned request needs each of ${PRESIGN_PARAMS.join(', ')} once.`);
    this.credential(credentialText);
  }

  /** The credential that signed the request; throws the SQS error otherwise. */
  async verify(request: ReceivedRequest): Promise<SqsCredential> {
    const authorization = header(request, 'authorization');
    const query = parseQuery(request.rawQuery);
    if (authorization !== undefined) return this.verifyHeader(request, authorization, query);
    if (typeof query['X-Amz-Signature'] === 'string') return this.verifyPresigned(request, query);
    throw new SqsError('MissingParameter', 'Requests must be signed with AWS Signature Version 4 (an Authorization header or X-Amz-Signature).');
  }

  /** Synchronous: the canonical request and string to sign with node:crypto, the signing key from the cache. */
  private verifyHeader(request: ReceivedRequest, authorization: string, query: Record<string, string | string[]>): SqsCredential {
    const match = AUTH_HEADER.exec(authorization.trim());
    if (!match) throw new SqsError('IncompleteSignature', 'The Authorization header is not a well-formed AWS4-HMAC-SHA256 signature.');
    const [, credentialText, signedHeadersText, signature] = match;
    const { credential, region, service, date } = this.credential(credentialText);
    const amzDate = header(request, 'x-amz-date');
    const signingDate = parseAmzDate(amzDate);
    this.assertFresh(signingDate, date);
    const signedHeaders = signedHeadersText.split(';');
    if (!signedHeaders.includes('host')) throw new SqsError('IncompleteSignature', 'The host header must be signed.');
    if (!signedHeaders.includes('x-amz-date')) throw new SqsError('SignatureDoesNotMatch', 'The x-amz-date header must be signed.');
    const payloadHash = createHash('sha256').update(request.body).digest('hex');
    const declared = header(request, 'x-amz-content-sha256');
    if (declared !== undefined && declared !== payloadHash)
      throw new SqsError('SignatureDoesNotMatch', 'x-amz-content-sha256 does not match the request body.');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      if (name === 'authorization') continue;
      const value = header(request, name);
      if (value === undefined) throw new SqsError('SignatureDoesNotMatch', `The signed header ${name} is missing.`);
      headers[name] = value;
    }
    const canonicalHeaders = getCanonicalHeaders(
      { method: request.method, protocol: 'http:', hostname: '', path: request.path, query, headers },
      undefined,
      new Set(signedHeaders),
    );
    const scope = `${date}/${region}/${service}/aws4_request`;
    const canonicalRequest = this.canonical.build(
      { method: request.method, protocol: 'http:', hostname: '', path: request.path, query, headers, body: request.body },
      canonicalHeaders,
      payloadHash,
    );
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const expected = createHmac('sha256', this.signingKey(credential, date, region, service))
      .update(stringToSign)
      .digest('hex');
    if (Object.keys(canonicalHeaders).sort().join(';') !== signedHeadersText || !sameSignature(expected, signature)) {
      throw new SqsError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    return credential;
  }

  private signingKey(credential: SqsCredential, date: string, region: string, service: string): Buffer {
    const id = `${credential.accessKeyId}/${date}/${region}/${service}`;
    const cached = this.signingKeys.get(id);
    if (cached) return cached;
    let key: Buffer = Buffer.from(`AWS4${credential.secretAccessKey}`);
    for (const part of [date, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    this.signingKeys.set(id, key);
    return key;
  }

  private async verifyPresigned(request: ReceivedRequest, query: Record<string, string | string[]>): Promise<SqsCredential> {
    const values = PRESIGN_PARAMS.map((name) => query[name]);
    if (values.some((v) => typeof v !== 'string'))
      throw new SqsError('IncompleteSignature', `A presigned request needs each of ${PRESIGN_PARAMS.join(', ')} once.`);
    const [algorithm, credentialText, amzDate, expiresText, signedHeadersText, signature] = values as string[];
    if (algorithm !== 'AWS4-HMAC-SHA256') throw new SqsError('IncompleteSignature', 'X-Amz-Algorithm must be AWS4-HMAC-SHA256.');
    const { credential, region, service, date } = this.credential(credentialText);
    const signingDate = parseAmzDate(amzDate);
    const expiresIn = Number(expiresText);
    if (!/^\d{1,6}$/.test(expiresText) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS)
      throw new SqsError('IncompleteSignature', 'X-Amz-Expires must be 1 to 604800 seconds.');
    if (signingDate.getTime() > this.now() + MAX_SKEW_MS) throw new SqsError('RequestExpired', 'The request is signed for a time in the future.');
    if (signingDate.getTime() + expiresIn * 1000 < this.now()) throw new SqsError('RequestExpired', 'The presigned request has expired.');
    if (date !== amzDate.slice(0, 8)) throw new SqsError('SignatureDoesNotMatch', 'The credential scope date does not match X-Amz-Date.');
    const signedHeaders = signedHeadersText.split(';');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = header(request, name);
      if (value === undefined) throw new SqsError('SignatureDoesNotMatch', `The signed header ${name} is missing.`);
      headers[name] = value;
    }
    const rest = { ...query };
    for (const name of [...PRESIGN_PARAMS, 'X-Amz-Security-Token']) delete rest[name];
    const signer = this.signer(credential, region, service);
    const presigned = await signer.presign(
      { method: request.method, protocol: 'http:', hostname: '', path: request.path, query: rest, headers, body: request.body },
      { signingDate, expiresIn, signingRegion: region, signingService: service, signableHeaders: new Set(signedHeaders) },
    );
    const expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
    if (presigned.query?.['X-Amz-SignedHeaders'] !== signedHeadersText || !sameSignature(expected, signature)) {
      throw new SqsError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    return credential;
  }

  private credential(text: string): { credential: SqsCredential; region: string; service: string; date: string } {
    const match = CREDENTIAL.exec(text);
    if (!match) throw new SqsError('IncompleteSignature', 'The credential must be <access key>/<date>/<region>/sqs/aws4_request.');
    const [, accessKeyId, date, region, service] = match;
    const credential = this.keys.get(accessKeyId);
    if (!credential) throw new SqsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (service !== 'sqs') throw new SqsError('SignatureDoesNotMatch', `Credential should be scoped to correct service: 'sqs'.`);
    return { credential, region, service, date };
  }

  private assertFresh(signingDate: Date, scopeDate: string): void {
    if (Math.abs(signingDate.getTime() - this.now()) > MAX_SKEW_MS) {
      throw new SqsError('SignatureDoesNotMatch', 'Signature expired: the request time is more than 15 minutes away from the server time.');
    }
    if (signingDate.toISOString().slice(0, 10).replace(/-/g, '') !== scopeDate)
      throw new SqsError('SignatureDoesNotMatch', 'The credential scope date does not match X-Amz-Date.');
  }

  private signer(credential: SqsCredential, region: string, service: string): SignatureV4 {
    return new SignatureV4({
      credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
      region,
      service,
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
  }
}
