/** The session cookie's name; the `__Host-` prefix (HTTPS only) binds it to this host and path `/`. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-berth-console' : 'berth-console';
}

/** A cookie's value from a Cookie header, if sent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other
 * site's page sends it), Secure over HTTPS. `maxAgeSeconds` 0 removes it.
 */
export function sessionCookie(secure: boolean, value: string, maxAgeSeconds: number): string {
  return [
    `${sessionCookieName(secure)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
