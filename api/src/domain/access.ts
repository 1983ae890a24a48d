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

/**
 * A user's own data (memories, privacy requests and their exports): its owner or an admin, with a full API
 * token. A session token never reaches it: it opens one session, whatever the role of whoever made it.
 */
export function canReadUserData(viewer: SessionViewer | null, ownerId: string): boolean {
  return viewer?.scope === 'api' && (viewer.userId === ownerId || viewer.role === 'ADMIN');
}

/** A user account: the user themselves (with any of their tokens), and admins and integrators (API tokens). */
export function canSeeUser(viewer: SessionViewer | null, userId: string): boolean {
  if (!viewer) return false;
  if (viewer.userId === userId) return true;
  return viewer.scope === 'api' && (viewer.role === 'ADMIN' || viewer.role === 'INTEGRATOR');
}
