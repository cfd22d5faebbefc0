import { useState } from 'preact/hooks';
import { all, api, enc, type Grant } from './api';
import { Action, ErrorBox, Section, time, useLoad } from './ui';

export const ACTIONS = { queue: ['send_to_queue', 'receive', 'administer_queue'], topic: ['send_to_topic'] } as const;

/** Grants on one queue or topic, with grant and revoke for catalog writers. */
export function ResourceGrants({ type, name, canWrite }: { type: 'queue' | 'topic'; name: string; canWrite: boolean }) {
  const base = `/${type === 'queue' ? 'queues' : 'topics'}/${enc(name)}/permissions`;
  const grants = useLoad(() => all<Grant>(base), [base]);
  const [subject, setSubject] = useState('');
  const [action, setAction] = useState<string>(ACTIONS[type][0]);
  return (
    <Section title="Grants">
      <ErrorBox error={grants.error} />
      <GrantTable grants={grants.data ?? []} canWrite={canWrite} onChange={grants.reload} />
      {canWrite ? (
        <div class="inline-form" data-testid="grant-form">
          <label>
            subject <input name="subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
          </label>
          <label>
            action
            <select name="action" value={action} onChange={(e) => setAction(e.currentTarget.value)}>
              {ACTIONS[type].map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <Action
            label="Grant"
            kind="primary"
            testid="grant"
            run={async () => {
              await api('PUT', `${base}/${enc(subject.trim())}/${enc(action)}`);
              setSubject('');
              await grants.reload();
            }}
          />
        </div>
      ) : null}
    </Section>
  );
}

function GrantTable({ grants, canWrite, onChange }: { grants: Grant[]; canWrite: boolean; onChange: () => void }) {
  if (!grants.length)
    return (
      <p class="muted" data-testid="no-grants">
        No grants.
      </p>
    );
  return (
    <table data-testid="grants">
      <thead>
        <tr>
          <th>resource</th>
          <th>subject</th>
          <th>action</th>
          <th>granted by</th>
          <th>at</th>
          {canWrite ? <th /> : null}
        </tr>
      </thead>
      <tbody>
        {grants.map((g) => {
          const path = `/${g.resource.type === 'queue' ? 'queues' : 'topics'}/${enc(g.resource.name)}/permissions/${enc(g.subject)}/${enc(g.action)}`;
          return (
            <tr key={path} data-grant={`${g.subject}/${g.action}`}>
              <td>
                {g.resource.type} <a href={`#/${g.resource.type === 'queue' ? 'queues' : 'topics'}/${enc(g.resource.name)}`}>{g.resource.name}</a>
              </td>
              <td>{g.subject}</td>
              <td>{g.action}</td>
              <td>{g.grantedBy}</td>
              <td>{time(g.grantedAt)}</td>
              {canWrite ? (
                <td>
                  <Action
                    label="Revoke"
                    kind="danger"
                    testid="revoke"
                    run={async () => {
                      await api('DELETE', path);
                      onChange();
                    }}
                  />
                </td>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Every grant of one subject. */
export function SubjectGrants({ canWrite, initial }: { canWrite: boolean; initial: string }) {
  const [subject, setSubject] = useState(initial);
  const [shown, setShown] = useState(initial);
  const grants = useLoad(async () => (shown ? all<Grant>(`/permissions?subject=${enc(shown)}`) : []), [shown]);
  return (
    <Section title="Grants of a subject">
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(subject.trim());
        }}
      >
        <label>
          subject <input name="subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
        </label>
        <button type="submit">Show</button>
      </form>
      <ErrorBox error={grants.error} />
      {shown ? <GrantTable grants={grants.data ?? []} canWrite={canWrite} onChange={grants.reload} /> : null}
    </Section>
  );
}
