// The dashboard: sign-in until a key is accepted, then the pages, each at its
// own URL (the server answers every page URL with index.html).
import { useEffect, useState } from 'react';
import { Route, Switch } from 'wouter';
import { Layout } from './components/layout';
import { LiveProvider } from './live/live-context';
import { AgentDetailPage } from './pages/agent-detail';
import { AgentsPage } from './pages/agents';
import { CommandDetailPage } from './pages/command-detail';
import { NewCommandPage } from './pages/command-new';
import { CommandsPage } from './pages/commands';
import { EmergencyPage } from './pages/emergency';
import { OverviewPage } from './pages/overview';
import { SignInPage } from './pages/sign-in';
import { SessionProvider, useSessionState } from './session';

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}

function Gate() {
  const { session, restore } = useSessionState();
  const [restoring, setRestoring] = useState(true);
  useEffect(() => {
    void restore().finally(() => setRestoring(false));
  }, [restore]);
  if (restoring) return <p className="muted loading">Loading…</p>;
  if (!session) return <SignInPage />;
  return (
    <LiveProvider>
      <Layout>
        <Pages />
      </Layout>
    </LiveProvider>
  );
}

function Pages() {
  return (
    <Switch>
      <Route path="/" component={OverviewPage} />
      <Route path="/agents" component={AgentsPage} />
      <Route path="/agents/:id" component={AgentDetailPage} />
      <Route path="/commands" component={CommandsPage} />
      <Route path="/commands/new" component={NewCommandPage} />
      <Route path="/commands/emergency" component={EmergencyPage} />
      <Route path="/commands/:id" component={CommandDetailPage} />
      <Route>
        <h1>Not found</h1>
        <p>There is no such page.</p>
      </Route>
    </Switch>
  );
}
