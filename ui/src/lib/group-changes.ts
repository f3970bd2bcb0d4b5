// The body of PATCH /api/v1/groups/{id} from the edit form: only the fields
// that changed (so an unchanged selector is not rewritten), checked as far as
// the page can; the server's field messages cover the rest.
import type { Group } from '../api/types';
import { parseLabels } from './command-target';
import { labelsText } from './format';

export interface GroupForm {
  readonly name: string;
  readonly description: string;
  readonly priority: string;
  /** `key=value, …`; dynamic groups only. */
  readonly selector: string;
}

export interface GroupChanges {
  name?: string;
  description?: string;
  priority?: number;
  selector?: Record<string, string>;
}

export const groupForm = (group: Group): GroupForm => ({
  name: group.name,
  description: group.description,
  priority: String(group.priority),
  selector: group.selector ? labelsText(group.selector) : '',
});

const sortedText = (labels: Record<string, string>): string =>
  labelsText(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));

export function groupChanges(group: Group, form: GroupForm): { changes: GroupChanges } | { error: string } {
  const changes: GroupChanges = {};
  const name = form.name.trim();
  if (name !== group.name) changes.name = name;
  if (form.description !== group.description) changes.description = form.description;
  const priority = Number(form.priority);
  if (form.priority.trim() === '' || !Number.isInteger(priority))
    return { error: 'The priority must be a whole number.' };
  if (priority !== group.priority) changes.priority = priority;
  if (group.kind === 'dynamic') {
    const selector = parseLabels(form.selector);
    if (!selector || Object.keys(selector).length === 0)
      return { error: 'The selector must be key=value pairs separated by commas.' };
    if (sortedText(selector) !== sortedText(group.selector ?? {})) changes.selector = selector;
  }
  return { changes };
}
