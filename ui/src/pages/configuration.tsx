// The fleet's configuration layer, compliance across the fleet, and one
// change merged into many agents' own layers.
import type { ComplianceSummary } from '../api/types';
import { Badge } from '../components/badges';
import { BulkConfigurationForm } from '../components/bulk-configuration-form';
import { LayerEditor } from '../components/layer-editor';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { formatCount } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useSession } from '../session';

export function ConfigurationPage() {
  const { me } = useSession();
  const compliance = useApi((a, signal) => a.get<ComplianceSummary>('/compliance', {}, { signal }), []);
  useLiveReload((e) => /^(compliance_changed|config_)/.test(e.type), compliance.reload, 1000);
  return (
    <>
      <h1>Configuration</h1>
      <section className="card" aria-label="Fleet compliance">
        <h2>Fleet compliance</h2>
        <Problem error={compliance.error} />
        {compliance.data && (
          <p>
            {compliance.data.compliantPercent}% compliant of {formatCount(compliance.data.total)} agents:{' '}
            {Object.entries(compliance.data.byCompliance).map(([state, n]) => (
              <span key={state}>
                <Badge value={state} /> {formatCount(n)}{' '}
              </span>
            ))}
          </p>
        )}
      </section>
      <LayerEditor path="/configuration/fleet" scope="fleet" title="Fleet configuration" />
      <p className="muted">
        Group layers are edited on each group&apos;s page, an agent&apos;s own layer on its page.
      </p>
      {can(me.role, 'editConfiguration') && <BulkConfigurationForm />}
    </>
  );
}
