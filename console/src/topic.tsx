import { useState } from 'preact/hooks';
import { api, enc, type Me, type Topic } from './api';
import { ResourceGrants } from './grants';
import { Action, ErrorBox, Section, useLoad } from './ui';

export function TopicPage({ name, me }: { name: string; me: Me }) {
  const path = `/topics/${enc(name)}`;
  const topic = useLoad(() => api<Topic>('GET', path), [path]);
  const [queue, setQueue] = useState('');
  if (topic.error) return <ErrorBox error={topic.error} />;
  if (!topic.data) return <p class="muted">Loading…</p>;
  const canWrite = me.rights.writeCatalog;
  return (
    <div>
      <h1>Topic {topic.data.name}</h1>
      <Section title="Bound queues">
        <table data-testid="bindings">
          <thead>
            <tr>
              <th>queue</th>
              {canWrite ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {topic.data.queues.map((q) => (
              <tr key={q}>
                <td>
                  <a href={`#/queues/${enc(q)}`}>{q}</a>
                </td>
                {canWrite ? (
                  <td>
                    <Action
                      label="Unbind"
                      kind="danger"
                      run={async () => {
                        await api('DELETE', `${path}/queues/${enc(q)}`);
                        await topic.reload();
                      }}
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        {canWrite ? (
          <div class="inline-form">
            <label>
              queue <input name="queue" value={queue} onInput={(e) => setQueue(e.currentTarget.value)} />
            </label>
            <Action
              label="Bind"
              kind="primary"
              run={async () => {
                await api('PUT', `${path}/queues/${enc(queue.trim())}`);
                setQueue('');
                await topic.reload();
              }}
            />
            <Action
              label="Delete topic"
              confirm="Really delete the topic?"
              kind="danger"
              run={async () => {
                await api('DELETE', path);
                location.hash = '#/';
              }}
            />
          </div>
        ) : null}
      </Section>
      <ResourceGrants type="topic" name={topic.data.name} canWrite={canWrite} />
    </div>
  );
}
