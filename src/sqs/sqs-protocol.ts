import { randomUUID } from 'node:crypto';
import { SqsError } from '@app/sqs/sqs-error';

export type WireProtocol = 'json' | 'query';

export interface SqsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
const MAX_LIST_INDEX = 1000;
/** the deepest Query parameter SQS has: SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue */
const MAX_NAME_PARTS = 6;

/** Query-protocol lists and maps (`Attribute.1.Name=…`) in the shape the JSON protocol uses. */
const QUERY_MAPS: Record<string, { to: string; key: string; value: string }> = {
  Attribute: { to: 'Attributes', key: 'Name', value: 'Value' },
  Tag: { to: 'Tags', key: 'Key', value: 'Value' },
  MessageAttribute: { to: 'MessageAttributes', key: 'Name', value: 'Value' },
  MessageSystemAttribute: { to: 'MessageSystemAttributes', key: 'Name', value: 'Value' },
};
const QUERY_LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
  SendMessageBatchRequestEntry: 'Entries',
  DeleteMessageBatchRequestEntry: 'Entries',
  ChangeMessageVisibilityBatchRequestEntry: 'Entries',
};

type Tree = { [key: string]: Tree | string };

/** Parses `a.1.b=v` pairs into a tree, then lists and maps into the JSON protocol's shape. */
export function queryToInput(params: URLSearchParams): { action: string; input: Record<string, unknown> } {
  const tree: Tree = Object.create(null) as Tree;
  for (const [key, value] of params) {
    const path = key.split('.', MAX_NAME_PARTS + 1);
    if (
      path.length > MAX_NAME_PARTS ||
      path.some((part) => part === '' || part === '__proto__' || (/^\d+$/.test(part) && (Number(part) < 1 || Number(part) > MAX_LIST_INDEX)))
    ) {
      throw new SqsError('InvalidParameterValue', `Malformed parameter name ${key.slice(0, 200)}`);
    }
    let node = tree;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]];
      if (typeof next === 'string') throw new SqsError('InvalidParameterValue', `Malformed parameter name ${key.slice(0, 200)}`);
      node = next ?? (node[path[i]] = Object.create(null) as Tree);
    }
    if (typeof node[path[path.length - 1]] === 'object') throw new SqsError('InvalidParameterValue', `Malformed parameter name ${key.slice(0, 200)}`);
    node[path[path.length - 1]] = value;
  }
  const action = typeof tree.Action === 'string' ? tree.Action : '';
  delete tree.Action;
  delete tree.Version;
  return { action, input: convert(tree) };
}

function ordered(node: Tree | string): Array<Tree | string> {
  if (typeof node === 'string') return [node];
  return Object.keys(node)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => node[key]);
}

function convert(tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    const map = QUERY_MAPS[key];
    const list = QUERY_LISTS[key];
    if (map && typeof value === 'object') {
      const result: Array<[string, unknown]> = [];
      for (const item of ordered(value)) {
        if (typeof item !== 'object' || typeof item[map.key] !== 'string') continue;
        const inner = item[map.value];
        result.push([item[map.key] as string, typeof inner === 'object' ? convert(inner) : inner]);
      }
      out[map.to] = Object.fromEntries(result);
    } else if (list && typeof value === 'object') {
      out[list] = ordered(value).map((item) => (typeof item === 'object' ? convert(item) : item));
    } else {
      out[key] = typeof value === 'object' ? convert(value) : value;
    }
  }
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/\r/g, '&#xD;');
}

const XML_LIST_ITEMS: Record<string, string> = {
  QueueUrls: 'QueueUrl',
  queueUrls: 'QueueUrl',
  Messages: 'Message',
  Failed: 'BatchResultErrorEntry',
};
const XML_MAPS: Record<string, { item: string; key: string; value: string }> = {
  Attributes: { item: 'Attribute', key: 'Name', value: 'Value' },
  Tags: { item: 'Tag', key: 'Key', value: 'Value' },
  MessageAttributes: { item: 'MessageAttribute', key: 'Name', value: 'Value' },
};

function xmlValue(value: unknown, action: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return xmlFields(value as Record<string, unknown>, action);
  return escapeXml(String(value));
}

function xmlFields(fields: Record<string, unknown>, action: string): string {
  let xml = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const map = XML_MAPS[key];
    if (map && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value))
        xml += `<${map.item}><${map.key}>${escapeXml(k)}</${map.key}><${map.value}>${xmlValue(v, action)}</${map.value}></${map.item}>`;
    } else if (Array.isArray(value)) {
      const item = key === 'Successful' ? `${action}ResultEntry` : (XML_LIST_ITEMS[key] ?? key);
      for (const v of value) xml += `<${item}>${xmlValue(v, action)}</${item}>`;
    } else {
      xml += `<${key}>${xmlValue(value, action)}</${key}>`;
    }
  }
  return xml;
}

export function successResponse(protocol: WireProtocol, action: string, output: Record<string, unknown> | null): SqsResponse {
  const requestId = randomUUID();
  if (protocol === 'json') {
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId }, body: JSON.stringify(output ?? {}) };
  }
  const result = output === null ? '' : `<${action}Result>${xmlFields(output, action)}</${action}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function errorResponse(protocol: WireProtocol, error: SqsError): SqsResponse {
  const requestId = randomUUID();
  if (protocol === 'json') {
    return {
      status: error.status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': requestId,
        'x-amzn-query-error': `${error.queryCode};${error.fault}`,
      },
      body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.type}`, message: error.message }),
    };
  }
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.queryCode)}</Code><Message>${escapeXml(error.message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
