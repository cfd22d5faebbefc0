import { useState } from 'preact/hooks';
import { all, api, enc, mapLimited, type Me, type Queue, type Stats, type Topic } from './api';
import { record, throughput, type Point } from './history';
import { Action, age, DepthChart, ErrorBox, Section, useLoad } from './ui';

const POLL_MS = 3000;

interface Row {
  queue: Queue;
  stats: Stats | null;
  error: string | null;
  points: Point[];
}

async function loadRows(): Promise<Row[]> {
  const queues = await all<Queue>('/queues');
  return mapLimited(queues, 6, async (queue) => {
    try {
      const stats = await api<Stats>('GET', `/queues/${enc(queue.name)}/stats`);
      return { queue, stats, error: null, points: record(stats) };
    } catch (e) {
      return { queue, stats: null, error: (e as Error).message, points: [] };
    }
  });
}

export function Overview({ me }: { me: Me }) {
  const rows = useLoad(loadRows, [], POLL_MS);
  const topics = useLoad(() => all<Topic>('/topics'), [], POLL_MS * 5);
  return (
    <div>
      <Section title="Queues" actions={<span class="muted">live, every {POLL_MS / 1000} s</span>}>
        <ErrorBox error={rows.error} />
        <table data-testid="queues">
          <thead>
            <tr>
              <th>queue</th>
              <th>engine</th>
              <th>handler</th>
              <th class="num">pending</th>
              <th class="num">in progress</th>
              <th class="num">complete</th>
              <th class="num">error</th>
              <th class="num">oldest pending</th>
              <th class="num">settled/min</th>
              <th>depth (15 min)</th>
            </tr>
          </thead>
          <tbody>
            {(rows.data ?? []).map(({ queue, stats, error, points }) => {
              const rate = throughput(points);
              return (
                <tr key={queue.name} data-queue={queue.name}>
                  <td>
                    <a href={`#/queues/${enc(queue.name)}`}>{queue.name}</a>
                    {queue.source === 'file' ? <span class="tag">file</span> : null}
                  </td>
                  <td>{queue.storageEngine}</td>
                  <td>{queue.hasHandler ? 'yes' : '—'}</td>
                  {stats ? (
                    <>
                      <td class="num" data-status="PENDING">
                        {stats.counts.PENDING}
                      </td>
                      <td class="num" data-status="INPROGRESS">
                        {stats.counts.INPROGRESS}
                      </td>
                      <td class="num" data-status="COMPLETE">
                        {stats.counts.COMPLETE}
                      </td>
                      <td class="num" data-status="ERROR">
                        {stats.counts.ERROR}
                      </td>
                      <td class="num">{age(stats.oldestPendingAgeSeconds)}</td>
                      <td class="num">{rate === null ? '—' : rate.toFixed(1)}</td>
                    </>
                  ) : (
                    <td colSpan={6} class="error-text">
                      {error}
                    </td>
                  )}
                  <td>
                    <DepthChart points={points} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.data && rows.data.length === 0 ? <p class="muted">No queues yet.</p> : null}
        {me.rights.writeCatalog ? <CreateQueue onCreated={rows.reload} /> : null}
      </Section>
      <Section title="Topics">
        <ErrorBox error={topics.error} />
        <table data-testid="topics">
          <thead>
            <tr>
              <th>topic</th>
              <th>bound queues</th>
            </tr>
          </thead>
          <tbody>
            {(topics.data ?? []).map((topic) => (
              <tr key={topic.name}>
                <td>
                  <a href={`#/topics/${enc(topic.name)}`}>{topic.name}</a>
                </td>
                <td>{topic.queues.length ? topic.queues.join(', ') : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {me.rights.writeCatalog ? <CreateTopic onCreated={topics.reload} /> : null}
      </Section>
    </div>
  );
}

function CreateQueue({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [schema, setSchema] = useState('');
  const [dlq, setDlq] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const definition: Record<string, unknown> = { name: name.trim() };
      if (schema.trim()) definition.incoming = { schema: JSON.parse(schema) as unknown };
      if (dlq.trim()) definition.delivery = { deadLetterQueue: dlq.trim() };
      await api('POST', '/queues', definition);
      setName('');
      setSchema('');
      setDlq('');
      onCreated();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="inline-form" data-testid="create-queue" onSubmit={submit}>
      <h3>Create a queue</h3>
      <label>
        name <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        dead-letter queue <input name="deadLetterQueue" value={dlq} onInput={(e) => setDlq(e.currentTarget.value)} />
      </label>
      <label class="wide">
        JSON Schema (optional)
        <textarea name="schema" rows={3} value={schema} onInput={(e) => setSchema(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary">
        Create
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function CreateTopic({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  return (
    <div class="inline-form">
      <h3>Create a topic</h3>
      <label>
        name <input name="topic" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <Action
        label="Create topic"
        kind="primary"
        run={async () => {
          await api('POST', '/topics', { name: name.trim() });
          setName('');
          onCreated();
        }}
      />
    </div>
  );
}
