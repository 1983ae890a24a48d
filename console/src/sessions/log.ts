import { request } from '../api/client';
import { allPages } from '../api/dataProvider';
import type { ConsoleSessionTurnsQuery } from '../gql/graphql';
import type { LoggedEvent } from '../replay/timeline';
import { SessionEventLogQuery, SessionTurnsQuery } from './operations';

export type LoggedTurn = ConsoleSessionTurnsQuery['session']['turns']['edges'][number]['node'];

export interface SessionLog {
  turns: LoggedTurn[];
  events: (LoggedEvent & { createdAt: string })[];
}

/** The whole turn list and event log of a session, following the events connection page by page. */
export async function loadSessionLog(id: string): Promise<SessionLog> {
  const [turns, events] = await Promise.all([
    allPages(async (after) => (await request(SessionTurnsQuery, { id, after })).session.turns),
    allPages(async (after) => (await request(SessionEventLogQuery, { id, after })).session.events),
  ]);
  return { turns, events: events.map((e) => ({ ...e, createdAt: String(e.createdAt) })) };
}

/**
 * A readable transcript: the stored turns when the session has them, otherwise what the event log says was
 * heard and answered (an interrupted answer keeps only what the user heard).
 */
export function transcriptText(title: string, log: SessionLog): string {
  const lines: string[] = [title, ''];
  if (log.turns.length) {
    for (const t of log.turns) {
      const who = t.role === 'USER' ? 'User' : 'Avatar';
      lines.push(`[${t.startedAt}] ${who}: ${t.text}${t.interrupted ? ' [interrupted]' : ''}`);
    }
  } else {
    for (const e of log.events) {
      const p = (e.payload ?? {}) as Record<string, unknown>;
      if (e.type === 'TranscriptFinal') lines.push(`[${e.createdAt}] User: ${String(p.text)}`);
      if (e.type === 'ResponseDone') lines.push(`[${e.createdAt}] Avatar: ${String(p.text)}`);
      if (e.type === 'Interrupted')
        lines.push(`[${e.createdAt}] Avatar (interrupted): ${String(p.heardText)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Starts a browser download of `content`. */
export function download(filename: string, content: string | ArrayBuffer, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  downloadUrl(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Saves what `url` serves (the browser streams it to disk, it never sits in this page's memory). */
export function downloadUrl(url: string, filename: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
