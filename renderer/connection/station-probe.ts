/**
 * Whether the station is up, asked over plain HTTP: a browser is not told why a WebSocket
 * handshake failed, but a station that runs answers a HEAD of its page. Only the page's own
 * origin is asked (the page's Content-Security-Policy allows no other).
 */
export type StationReach = 'up' | 'down' | 'unknown';

export async function probeStation(websocketUrl: string, pageOrigin: string): Promise<StationReach> {
  let target: URL;
  try {
    target = new URL(websocketUrl);
  } catch {
    return 'unknown';
  }
  target.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
  if (target.origin !== pageOrigin) return 'unknown';
  try {
    const response = await fetch(new URL('/', target), { method: 'HEAD', cache: 'no-store' });
    return response.ok ? 'up' : 'unknown';
  } catch {
    return 'down';
  }
}
