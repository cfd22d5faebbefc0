import { useEffect, useState } from 'preact/hooks';
import { api, session, whenUnauthenticated, type Me } from './api';
import { SubjectGrants } from './grants';
import { Overview } from './overview';
import { MessagePage, QueuePage } from './queue';
import { TopicPage } from './topic';
import { ErrorBox } from './ui';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return hash;
}

function SignIn({ reason, onSignedIn }: { reason: unknown; onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  return (
    <main class="signin">
      <h1>Mailroom console</h1>
      <form
        data-testid="signin"
        onSubmit={(e) => {
          e.preventDefault();
          session.signIn(token);
          onSignedIn();
        }}
      >
        <label>
          Paste a JWT (kept in this tab's session storage only)
          <textarea name="token" rows={5} class="code" autocomplete="off" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={!token.trim()}>
          Sign in
        </button>
      </form>
      <ErrorBox error={reason} />
    </main>
  );
}

function route(hash: string, me: Me) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'queues' && parts[1] && parts[2] === 'messages' && parts[3]) return <MessagePage queue={parts[1]} id={parts[3]} />;
  if (parts[0] === 'queues' && parts[1]) return <QueuePage key={parts[1]} name={parts[1]} me={me} />;
  if (parts[0] === 'topics' && parts[1]) return <TopicPage key={parts[1]} name={parts[1]} me={me} />;
  if (parts[0] === 'grants') return <SubjectGrants canWrite={me.rights.writeCatalog} initial={parts[1] ?? ''} />;
  return <Overview me={me} />;
}

export function App() {
  const hash = useHash();
  const [me, setMe] = useState<Me | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    whenUnauthenticated(() => {
      session.signOut();
      setMe(null);
    });
    if (!session.token()) return;
    api<Me>('GET', '/me').then(setMe, (e) => {
      session.signOut();
      setProblem(e);
    });
  }, [attempt]);
  if (!session.token() || (!me && problem))
    return (
      <SignIn
        reason={problem}
        onSignedIn={() => {
          setProblem(null);
          setAttempt((n) => n + 1);
        }}
      />
    );
  if (!me) return <p class="muted">Signing in…</p>;
  return (
    <div>
      <nav class="top">
        <a class="brand" href="#/">
          Mailroom
        </a>
        <a href="#/">Queues &amp; topics</a>
        {me.rights.readCatalog ? <a href="#/grants">Grants by subject</a> : null}
        <span class="who" data-testid="who">
          {me.subject} · {me.roles.join(', ') || 'no roles'}
        </span>
        <button
          type="button"
          class="link"
          onClick={() => {
            session.signOut();
            setMe(null);
            setProblem(null);
          }}
        >
          sign out
        </button>
      </nav>
      <main>
        {me.rights.readCatalog ? route(hash, me) : <p>This token may not read the catalog (needs system_admin, system_reader, queue_admin or queue_reader).</p>}
      </main>
    </div>
  );
}
