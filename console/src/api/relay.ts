/**
 * Some fields and arguments of the memory, moderation and privacy API carry raw database ids (`userId`,
 * `sessionId`, `personaId`) where the rest of the API uses Relay global IDs (base64 of `Type:id`); these convert
 * between the two until those fields take global IDs too.
 */
export function toGlobalId(type: string, id: string): string {
  return btoa(`${type}:${id}`);
}

export function fromGlobalId(globalId: string): string {
  try {
    const decoded = atob(globalId);
    const colon = decoded.indexOf(':');
    return colon > 0 ? decoded.slice(colon + 1) : globalId;
  } catch {
    return globalId;
  }
}
