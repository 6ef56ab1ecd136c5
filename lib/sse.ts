/**
 * Server-sent events encoding (WHATWG HTML, "server-sent events").
 * Pure: builds the text of frames; the caller writes them.
 */

/** One SSE message. `data` is split on newlines into several `data:` lines. */
export interface SseMessage {
  event?: string;
  id?: string;
  data: string;
  retry?: number;
}

/** Encode one message as SSE text, ending with the blank line. */
export function encodeSse(msg: SseMessage): string {
  let out = "";
  if (msg.event) out += `event: ${stripNewlines(msg.event)}\n`;
  if (msg.id) out += `id: ${stripNewlines(msg.id)}\n`;
  if (msg.retry !== undefined) out += `retry: ${Math.floor(msg.retry)}\n`;
  for (const line of msg.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

/** A comment frame, used as a heartbeat that keeps proxies from closing the stream. */
export function encodeSseComment(text: string): string {
  return `: ${stripNewlines(text)}\n\n`;
}

function stripNewlines(s: string): string {
  return s.replace(/[\r\n]/g, "");
}
