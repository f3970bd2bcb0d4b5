// Sign in with an admin API key. The key is checked with GET /api/v1/me and kept
// in this tab's sessionStorage only.
import { useState, type FormEvent } from 'react';
import { Problem } from '../components/problem';
import { useSessionState } from '../session';

export function SignInPage() {
  const { signIn, notice } = useSessionState();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(key.trim());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <h1>Corral</h1>
      <p>Sign in with an admin API key. It stays in this browser tab and is forgotten when the tab closes.</p>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <form onSubmit={submit}>
        <label>
          API key
          <input
            type="password"
            name="apiKey"
            autoComplete="current-password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
        </label>
        <button type="submit" className="primary" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
      </form>
      <Problem error={error} title="Could not sign in" />
      <p className="muted">
        The first start of <code>corral serve</code> prints a bootstrap admin key; <code>corral</code> can
        create keys with other roles.
      </p>
    </main>
  );
}
