// Changes a group's name, description, priority and (dynamic groups) selector:
// PATCH with If-Match on the revision shown, so a concurrent change is refused
// (412) rather than overwritten. Keyed by the revision where it is used, so
// it starts again from the saved group.
import { useState, type FormEvent } from 'react';
import type { Group } from '../api/types';
import { groupChanges, groupForm, type GroupForm } from '../lib/group-changes';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';
import { Problem } from './problem';

export function GroupEditForm({ group, onSaved }: { group: Group; onSaved: () => void }) {
  const { api } = useSession();
  const [form, setForm] = useState<GroupForm>(() => groupForm(group));
  const { problem, setProblem, attempt } = useAttempt();
  const field = (key: keyof GroupForm) => ({
    value: form[key],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }),
  });
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const result = groupChanges(group, form);
    if ('error' in result) {
      setProblem(new Error(result.error));
      return;
    }
    await attempt(async () => {
      await api.patch(`/groups/${encodeURIComponent(group.id)}`, result.changes, {
        headers: { 'if-match': `"${group.revision}"` },
      });
      onSaved();
    });
  };
  return (
    <form className="stack" onSubmit={save} aria-label="Edit group">
      <h2>Edit group</h2>
      <label>
        Group name
        <input {...field('name')} required />
      </label>
      <label>
        Description
        <input {...field('description')} />
      </label>
      <label>
        Priority{' '}
        <span className="field-help">-1000..1000; higher wins when an agent is in several groups</span>
        <input type="number" {...field('priority')} />
      </label>
      {group.kind === 'dynamic' && (
        <label>
          Selector <span className="field-help">key=value, separated by commas</span>
          <input {...field('selector')} size={40} />
        </label>
      )}
      <Problem error={problem} title="Not saved" />
      <div className="actions">
        <button type="submit" className="primary">
          Save group
        </button>
      </div>
    </form>
  );
}
