// The dashboard: sign-in until a key is accepted, then the pages, each at its
// own URL (the server answers every page URL with index.html).
import { useEffect, useState } from 'react';
import { Route, Switch } from 'wouter';
import { Layout } from './components/layout';
import { LiveProvider } from './live/live-context';
import { AgentDetailPage } from './pages/agent-detail';
import { AgentsPage } from './pages/agents';
import { CommandDetailPage } from './pages/command-detail';
import { CommandTypesPage } from './pages/command-types';
import { NewCommandPage } from './pages/command-new';
import { CommandsPage } from './pages/commands';
import { EmergencyPage } from './pages/emergency';
import { AccessPage } from './pages/access';
import { AuditPage } from './pages/audit';
import { BackupsPage } from './pages/backups';
import { ConfigurationPage } from './pages/configuration';
import { EventsPage } from './pages/events';
import { GroupDetailPage } from './pages/group-detail';
import { GroupsPage } from './pages/groups';
import { OverviewPage } from './pages/overview';
import { PoliciesPage } from './pages/policies';
import { PolicyDetailPage } from './pages/policy-detail';
import { StatusPage } from './pages/status';
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
      <Route path="/commands/types" component={CommandTypesPage} />
      <Route path="/commands/:id" component={CommandDetailPage} />
      <Route path="/configuration" component={ConfigurationPage} />
      <Route path="/policies" component={PoliciesPage} />
      <Route path="/policies/:id" component={PolicyDetailPage} />
      <Route path="/groups" component={GroupsPage} />
      <Route path="/groups/:id" component={GroupDetailPage} />
      <Route path="/backups" component={BackupsPage} />
      <Route path="/events" component={EventsPage} />
      <Route path="/audit" component={AuditPage} />
      <Route path="/access" component={AccessPage} />
      <Route path="/status" component={StatusPage} />
      <Route>
        <h1>Not found</h1>
        <p>There is no such page.</p>
      </Route>
    </Switch>
  );
}
