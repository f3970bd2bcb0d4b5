// The inputs of a form generated from a JSON Schema (lib/schema-form.ts), each
// labelled, with the server's message for that field when it refused one.
import type { FormField } from '../lib/schema-form';

export function SchemaFields(props: {
  fields: readonly FormField[];
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string | undefined>>;
  onChange: (name: string, value: string) => void;
}) {
  if (props.fields.length === 0) return <p className="muted">This command takes no parameters.</p>;
  return (
    <>
      {props.fields.map((field) => {
        const value = props.values[field.name] ?? field.initial;
        const error = props.errors[field.name];
        const errorId = `param-${field.name}-error`;
        const common = {
          name: field.name,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': error ? errorId : undefined,
        } as const;
        return (
          <label key={field.name} className={field.kind === 'boolean' ? 'inline' : undefined}>
            {field.kind === 'boolean' ? (
              <input
                type="checkbox"
                {...common}
                checked={value === 'true'}
                onChange={(e) => props.onChange(field.name, String(e.target.checked))}
              />
            ) : null}
            <span>
              {field.label}
              {field.required ? ' (required)' : ''}
            </span>
            {field.description && <span className="field-help">{field.description}</span>}
            {field.kind === 'enum' && (
              <select
                {...common}
                value={value}
                onChange={(e) => props.onChange(field.name, e.target.value)}
                required={field.required}
              >
                <option value="">{field.required ? 'choose…' : 'default'}</option>
                {field.options?.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            )}
            {(field.kind === 'integer' || field.kind === 'number') && (
              <input
                {...common}
                type="number"
                step={field.kind === 'integer' ? 1 : 'any'}
                min={field.min}
                max={field.max}
                value={value}
                onChange={(e) => props.onChange(field.name, e.target.value)}
              />
            )}
            {field.kind === 'string' && (
              <input {...common} value={value} onChange={(e) => props.onChange(field.name, e.target.value)} />
            )}
            {(field.kind === 'list' || field.kind === 'json') && (
              <textarea
                {...common}
                rows={3}
                value={value}
                placeholder={field.kind === 'list' ? 'one per line' : 'JSON'}
                onChange={(e) => props.onChange(field.name, e.target.value)}
              />
            )}
            {error && (
              <span id={errorId} className="field-error">
                {error}
              </span>
            )}
          </label>
        );
      })}
    </>
  );
}
