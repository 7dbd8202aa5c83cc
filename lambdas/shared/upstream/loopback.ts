/** Whether a host name is this machine (localhost, 127.0.0.0/8, ::1): the only hosts Berth talks plain HTTP to. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
