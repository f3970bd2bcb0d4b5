// A form's JSON text that must be an object (a schema, a layer patch, an
// example), with a message that names which part is wrong.
export function jsonObject(
  text: string,
  what: string,
): { value: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `The ${what} is not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: `The ${what} must be a JSON object.` };
  return { value: value as Record<string, unknown> };
}
