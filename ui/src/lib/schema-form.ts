// A form generated from a command type's JSON Schema (the subset custom types
// may use, plus what the built-in types' schemas contain): one field per
// property, typed inputs, and the params object built back from what was typed.
// The server validates again and names bad fields; this only catches the
// obvious (a required field left empty, a number that is not one).
import type { JsonSchema } from '../api/types';

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'list' | 'json';

export interface FormField {
  readonly name: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly description?: string;
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The input's initial text (or "true"/"false"). */
  readonly initial: string;
}

const kindOf = (schema: JsonSchema): FieldKind => {
  if (schema.enum && schema.enum.every((v) => typeof v === 'string')) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  if (type === 'array' && schema.items?.type === 'string') return 'list';
  return 'json';
};

const initialText = (kind: FieldKind, schema: JsonSchema): string => {
  const value = schema.default;
  if (value === undefined) return kind === 'boolean' ? 'false' : '';
  if (kind === 'list' && Array.isArray(value)) return value.join('\n');
  if (kind === 'json') return JSON.stringify(value);
  return String(value);
};

/** "durationSeconds" → "Duration seconds". */
export function labelOf(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fieldsOf(schema: JsonSchema): FormField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const kind = kindOf(property);
    return {
      name,
      label: property.title ?? labelOf(name),
      kind,
      required: required.has(name),
      ...(property.description ? { description: property.description } : {}),
      ...(kind === 'enum' ? { options: property.enum as string[] } : {}),
      ...(property.minimum !== undefined ? { min: property.minimum } : {}),
      ...(property.maximum !== undefined ? { max: property.maximum } : {}),
      initial: initialText(kind, property),
    };
  });
}

export interface BuiltParams {
  readonly params: Record<string, unknown>;
  /** Field name → what is wrong, for what could not be turned into a value. */
  readonly errors: Record<string, string>;
}

/** The params object from the typed values; empty optional fields are left out. */
export function buildParams(
  fields: readonly FormField[],
  values: Readonly<Record<string, string>>,
): BuiltParams {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const text = (values[field.name] ?? field.initial).trim();
    if (field.kind === 'boolean') {
      params[field.name] = text === 'true';
      continue;
    }
    if (text === '') {
      if (field.required) errors[field.name] = 'is required';
      continue;
    }
    switch (field.kind) {
      case 'integer':
      case 'number': {
        const value = Number(text);
        if (!Number.isFinite(value) || (field.kind === 'integer' && !Number.isInteger(value)))
          errors[field.name] = field.kind === 'integer' ? 'must be a whole number' : 'must be a number';
        else params[field.name] = value;
        break;
      }
      case 'list':
        params[field.name] = text
          .split(/[\n,]/)
          .map((item) => item.trim())
          .filter((item) => item !== '');
        break;
      case 'json':
        try {
          params[field.name] = JSON.parse(text);
        } catch {
          errors[field.name] = 'must be JSON';
        }
        break;
      default:
        params[field.name] = text;
    }
  }
  return { params, errors };
}
