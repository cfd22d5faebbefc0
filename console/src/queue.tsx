import { Validator } from '@cfworker/json-schema';
import { useMemo, useState } from 'preact/hooks';
import { api, enc, type Counts, type Me, type Message, type Page, type Queue, type Stats } from './api';
import { pointsOf, record } from './history';
import { ResourceGrants } from './grants';
import { Action, age, DepthChart, describe, ErrorBox, Json, Section, time, useLoad } from './ui';

const STATUSES: (keyof Counts)[] = ['PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR'];
const PAGE_SIZE = 20;
/** messages of the lists shown in this tab: a reader may list but not GET one message (a writer's right) */
const listed = new Map<string, Message>();

export function QueuePage({ name, me }: { name: string; me: Me }) {
  const path = `/queues/${enc(name)}`;
  const queue = useLoad(() => api<Queue>('GET', path), [path]);
  const rights = useLoad(() => api<Me>('GET', `/me?queue=${enc(name)}`), [path]);
  const stats = useLoad(
    async () => {
      const s = await api<Stats>('GET', `${path}/stats`);
      record(s);
      return s;
    },
    [path],
    3000,
  );
  const [status, setStatus] = useState<keyof Counts>('PENDING');
  const [listVersion, setListVersion] = useState(0);
  const changed = () => {
    void stats.reload();
    setListVersion((v) => v + 1);
  };
  const can = rights.data?.queue ?? { push: false, consume: false, administer: false };
  if (queue.error) return <ErrorBox error={queue.error} />;
  if (!queue.data) return <p class="muted">Loading…</p>;
  const q = queue.data;
  const schema = q.incoming?.schema;
  const dlq = q.delivery?.deadLetterQueue ?? null;
  return (
    <div>
      <h1>Queue {q.name}</h1>
      <Section title="Depth">
        <ErrorBox error={stats.error} />
        {stats.data ? (
          <div class="stats" data-testid="stats">
            {STATUSES.map((s) => (
              <div key={s} class={`stat stat-${s}`}>
                <span class="label">{s}</span>
                <span class="value" data-status={s}>
                  {stats.data!.counts[s]}
                </span>
              </div>
            ))}
            <div class="stat">
              <span class="label">oldest pending</span>
              <span class="value">{age(stats.data.oldestPendingAgeSeconds)}</span>
            </div>
            <DepthChart points={pointsOf(q.name)} width={320} height={60} />
          </div>
        ) : null}
      </Section>
      <div class="columns">
        <Section title="Definition">
          <dl class="facts">
            <dt>engine</dt>
            <dd>{q.storageEngine}</dd>
            <dt>source</dt>
            <dd>{q.source === 'file' ? 'config file (read-only here)' : 'API'}</dd>
            <dt>handler</dt>
            <dd>{q.hasHandler ? 'yes' : 'no'}</dd>
            <dt>dead-letter queue</dt>
            <dd>{dlq ? <a href={`#/queues/${enc(dlq)}`}>{dlq}</a> : '—'}</dd>
          </dl>
          <details>
            <summary>full definition</summary>
            <Json value={q} />
          </details>
          <h3>Schema</h3>
          <Json value={schema ?? '(none: any JSON)'} />
        </Section>
        {can.push ? <PushForm path={path} schema={schema} onPushed={changed} /> : null}
      </div>
      {can.administer ? <AdminActions path={path} queue={q} onDone={changed} /> : null}
      <Section title="Messages">
        <div class="tabs" role="tablist">
          {STATUSES.map((s) => (
            <button key={s} type="button" role="tab" data-testid={`tab-${s}`} class={s === status ? 'active' : ''} onClick={() => setStatus(s)}>
              {s} {stats.data ? `(${stats.data.counts[s]})` : ''}
            </button>
          ))}
        </div>
        {can.consume ? (
          <MessageList key={`${status}:${listVersion}`} path={path} queue={q.name} status={status} can={can} onChanged={changed} />
        ) : (
          <p class="muted">Listing messages needs a reader role or a receive grant on this queue.</p>
        )}
      </Section>
      {me.rights.readCatalog ? <ResourceGrants type="queue" name={q.name} canWrite={me.rights.writeCatalog} /> : null}
    </div>
  );
}

function PushForm({ path, schema, onPushed }: { path: string; schema: unknown; onPushed: () => void }) {
  const [text, setText] = useState('{}');
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [pushed, setPushed] = useState<Message | null>(null);
  const validator = useMemo(() => (schema && typeof schema === 'object' ? new Validator(schema, '7', false) : null), [schema]);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setPushed(null);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setProblems([`not JSON: ${(e as Error).message}`]);
      return;
    }
    const result = validator?.validate(body);
    if (result && !result.valid) {
      setProblems(result.errors.map((e) => `${e.instanceLocation.replace(/^#/, '') || '/'}: ${e.error}`));
      return;
    }
    setProblems([]);
    try {
      setPushed(await api<Message>('POST', `${path}/messages`, body));
      onPushed();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Section title="Push a test message">
      <form data-testid="push-form" onSubmit={submit}>
        <textarea name="message" rows={6} class="code" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        {problems.length ? (
          <ul class="error" data-testid="push-problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        ) : null}
        <button type="submit" class="primary">
          Push
        </button>
        {validator ? <span class="muted"> checked against the queue's schema before sending</span> : null}
      </form>
      <ErrorBox error={error} />
      {pushed ? (
        <p class="ok" data-testid="pushed">
          Pushed <a href={`#${path}/messages/${enc(pushed.id)}`}>{pushed.id}</a>
        </p>
      ) : null}
    </Section>
  );
}

function AdminActions({ path, queue, onDone }: { path: string; queue: Queue; onDone: () => void }) {
  const [purgeStatus, setPurgeStatus] = useState('');
  const [progress, setProgress] = useState('');
  const dlq = queue.delivery?.deadLetterQueue ?? null;
  const purge = async () => {
    let deleted = 0;
    for (;;) {
      const result = await api<{ deleted: number; done: boolean }>('POST', `${path}/messages/purge`, purgeStatus ? { status: purgeStatus } : {});
      deleted += result.deleted;
      setProgress(`purged ${deleted}${result.done ? '' : '…'}`);
      if (result.done) break;
    }
    onDone();
  };
  /** from the dead-letter queue `from`, only the dead letters of `source` when given; in bounded requests until done */
  const redrive = async (from: string, source: string | null) => {
    let redriven = 0;
    let cursor: string | null = null;
    for (;;) {
      const body: Record<string, unknown> = source ? { sourceQueue: source } : {};
      if (cursor) body.cursor = cursor;
      const result: { redriven: number; done: boolean; nextCursor: string | null } = await api('POST', `/queues/${enc(from)}/messages/redrive`, body);
      redriven += result.redriven;
      setProgress(`redriven ${redriven} from ${from}${result.done ? '' : '…'}`);
      if (result.done || !result.nextCursor) break;
      cursor = result.nextCursor;
    }
    onDone();
  };
  return (
    <Section title="Administer">
      <div class="inline-form" data-testid="admin-actions">
        <label>
          purge
          <select name="purgeStatus" value={purgeStatus} onChange={(e) => setPurgeStatus(e.currentTarget.value)}>
            <option value="">every message</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s} only
              </option>
            ))}
          </select>
        </label>
        <Action label="Purge" confirm="Really purge?" kind="danger" testid="purge" run={purge} />
        {dlq ? <Action label={`Redrive its dead letters from ${dlq}`} testid="redrive" run={() => redrive(dlq, queue.name)} /> : null}
        <Action label="Redrive dead letters held here" testid="redrive-here" run={() => redrive(queue.name, null)} />
        <Action
          label="Delete queue"
          confirm="Really delete the queue and its messages?"
          kind="danger"
          testid="delete-queue"
          disabled={queue.source === 'file'}
          run={async () => {
            await api('DELETE', path);
            location.hash = '#/';
          }}
        />
        {progress ? (
          <span class="ok" data-testid="progress">
            {progress}
          </span>
        ) : null}
      </div>
    </Section>
  );
}

function MessageList({
  path,
  queue,
  status,
  can,
  onChanged,
}: {
  path: string;
  queue: string;
  status: string;
  can: { push: boolean; consume: boolean };
  onChanged: () => void;
}) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(
    () => api<Page<Message>>('GET', `${path}/messages?status=${status}&limit=${PAGE_SIZE}${cursor ? `&cursor=${enc(cursor)}` : ''}`),
    [cursor],
  );
  for (const m of page.data?.items ?? []) listed.set(`${queue}/${m.id}`, m);
  const done = () => {
    void page.reload();
    onChanged();
  };
  return (
    <div>
      <ErrorBox error={page.error} />
      <table data-testid="messages">
        <thead>
          <tr>
            <th>id</th>
            <th>sent by</th>
            <th>created</th>
            <th>updated</th>
            <th class="num">attempts</th>
            <th>request</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(page.data?.items ?? []).map((m) => (
            <tr key={m.id} data-message={m.id}>
              <td>
                <a href={`#/queues/${enc(queue)}/messages/${enc(m.id)}`}>
                  <code>{m.id.slice(0, 8)}</code>
                </a>
              </td>
              <td>{m.sentBy}</td>
              <td>{time(m.createdAt)}</td>
              <td>{time(m.updatedAt)}</td>
              <td class="num">{m.attempts}</td>
              <td>
                <code class="preview">{JSON.stringify(m.request).slice(0, 80)}</code>
              </td>
              <td>
                {m.status === 'ERROR' && can.consume ? (
                  <Action
                    label="Requeue"
                    testid="requeue"
                    run={async () => {
                      await api('POST', `${path}/messages/${enc(m.id)}/requeue`);
                      done();
                    }}
                  />
                ) : null}
                {can.push ? (
                  <Action
                    label="Delete"
                    confirm="Really delete?"
                    kind="danger"
                    testid="delete"
                    run={async () => {
                      await api('DELETE', `${path}/messages/${enc(m.id)}`);
                      done();
                    }}
                  />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && !page.data.items.length ? <p class="muted">No {status} messages.</p> : null}
      <div class="pager">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← newer
        </button>
        <span class="muted">page {cursors.length}</span>
        <button type="button" disabled={!page.data?.nextCursor} onClick={() => setCursors([...cursors, page.data!.nextCursor])}>
          older →
        </button>
      </div>
    </div>
  );
}

export function MessagePage({ queue, id }: { queue: string; id: string }) {
  const path = `/queues/${enc(queue)}/messages/${enc(id)}`;
  const rights = useLoad(() => api<Me>('GET', `/me?queue=${enc(queue)}`), [queue]);
  const message = useLoad(() => api<Message>('GET', path), [path]);
  const can = rights.data?.queue;
  const fromList = message.error && describe(message.error).status === 403 ? listed.get(`${queue}/${id}`) : undefined;
  if (message.error && !fromList)
    return (
      <div>
        <h1>Message {id}</h1>
        <ErrorBox error={message.error} />
      </div>
    );
  const m = message.data ?? fromList;
  if (!m) return <p class="muted">Loading…</p>;
  const history: [string, string | undefined][] = [
    ['created (pushed)', m.createdAt],
    ...(m.availableAt ? [['available from', m.availableAt] as [string, string]] : []),
    [`last change: ${m.status} after ${m.attempts} attempt(s)`, m.updatedAt],
  ];
  return (
    <div data-testid="message">
      <p>
        <a href={`#/queues/${enc(queue)}`}>← queue {queue}</a>
      </p>
      <h1>
        Message <code>{m.id}</code>
      </h1>
      {fromList ? (
        <p class="muted" data-testid="from-list">
          As listed: opening a single message needs a writer right on the queue.
        </p>
      ) : null}
      <dl class="facts">
        <dt>status</dt>
        <dd>
          <span class={`badge badge-${m.status}`} data-testid="message-status">
            {m.status}
          </span>
        </dd>
        <dt>attempts</dt>
        <dd>{m.attempts}</dd>
        <dt>sent by</dt>
        <dd>{m.sentBy}</dd>
      </dl>
      <h3>History</h3>
      <ol class="history">
        {history.map(([what, when]) => (
          <li key={what}>
            <span class="muted">{time(when)}</span> {what}
          </li>
        ))}
      </ol>
      {m.deadLetter ? (
        <p>
          Dead letter of{' '}
          <a href={`#/queues/${enc(m.deadLetter.queue)}/messages/${enc(m.deadLetter.id)}`}>
            {m.deadLetter.queue}/{m.deadLetter.id}
          </a>
        </p>
      ) : null}
      <div class="columns">
        <div>
          <h3>Request</h3>
          <Json value={m.request} />
        </div>
        <div>
          <h3>Result</h3>
          <Json value={m.result} />
        </div>
        <div>
          <h3>Error</h3>
          <Json value={m.error} />
        </div>
      </div>
      <div class="inline-form">
        {m.status === 'ERROR' && can?.consume ? (
          <Action
            label="Requeue"
            testid="requeue"
            run={async () => {
              await api('POST', `${path}/requeue`);
              await message.reload();
            }}
          />
        ) : null}
        {can?.push ? (
          <Action
            label="Delete"
            confirm="Really delete?"
            kind="danger"
            testid="delete"
            run={async () => {
              await api('DELETE', path);
              location.hash = `#/queues/${enc(queue)}`;
            }}
          />
        ) : null}
      </div>
    </div>
  );
}
