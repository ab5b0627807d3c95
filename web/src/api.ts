// Thin client for the Siyu API: same-origin, session cookie, errors turned into readable messages.
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly problems: { field: string; message: string }[] = []) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined && !isForm ? { 'content-type': 'application/json' } : {},
    body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? safeJson(text) : null;
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/v1/auth/login')) window.dispatchEvent(new Event('siyu:logged-out'));
    throw new ApiError(res.status, data?.error?.message ?? `${res.status} ${res.statusText}`, data?.error?.problems ?? []);
  }
  return data as T;
}

function safeJson(text: string) {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text } };
  }
}

export const yuan = (fen: number | null | undefined) => (fen == null ? '—' : `¥${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
export const dateTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
