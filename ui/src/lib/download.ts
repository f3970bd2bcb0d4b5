// Saving an API answer as a file. The key goes in a header, never a URL, so a
// plain link cannot download: the page fetches, then hands the browser a blob
// under the name the server's Content-Disposition gives.
import type { ApiClient, Query } from '../api/client';
import { queryString } from '../api/client';

/** `attachment; filename="x.json"` → `x.json`; the fallback when absent or unsafe. */
export function attachmentName(header: string | null, fallback: string): string {
  const match = /filename="?([^";]+)"?/i.exec(header ?? '');
  const name = match?.[1]?.trim() ?? '';
  return /^[\w.-]+$/.test(name) ? name : fallback;
}

export async function downloadFile(
  api: ApiClient,
  path: string,
  query: Query,
  fallback: string,
): Promise<string> {
  const response = await api.raw('GET', `${path}${queryString(query)}`);
  const name = attachmentName(response.headers.get('content-disposition'), fallback);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
