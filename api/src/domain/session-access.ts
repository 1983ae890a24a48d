/**
 * Who may read (events, turns) or control (send text, interrupt, end) a session. Pure: the caller passes
 * the viewer as its token described it.
 */
export type SessionAccess = 'read' | 'control';

export interface SessionViewer {
  userId: string;
  role: 'USER' | 'ADMIN' | 'INTEGRATOR';
  /** `session` tokens open exactly one session. */
  scope: 'api' | 'session';
  sessionId?: string;
}

export function canAccessSession(
  viewer: SessionViewer | null,
  session: { id: string; userId: string },
  access: SessionAccess,
): boolean {
  if (!viewer) return false;
  if (viewer.scope === 'session') return viewer.sessionId === session.id;
  if (viewer.role === 'ADMIN') return true;
  if (viewer.role === 'INTEGRATOR' && access === 'read') return true;
  return viewer.userId === session.userId;
}
