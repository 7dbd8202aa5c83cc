/**
 * Content negotiation for manifest GETs. An absent Accept header, or one with
 * a wildcard, accepts anything; otherwise the stored type must be listed.
 */
export function acceptedTypes(accept: string | undefined): Set<string> | 'any' {
  if (accept === undefined || accept.trim() === '') return 'any';
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase()).filter(Boolean);
  if (types.length === 0 || types.includes('*/*')) return 'any';
  return new Set(types);
}

export function isAccepted(accepted: Set<string> | 'any', mediaType: string): boolean {
  return accepted === 'any' || accepted.has(mediaType);
}
