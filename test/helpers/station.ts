/** Starts a real station on a free loopback port for one test, and closes it after. */
import type { TestContext } from 'node:test';
import { parseStationConfig, type StationConfigInput } from '../../main/station/config';
import { startStation, type Station } from '../../main/station/station';

export async function startTestStation(t: TestContext, settings: StationConfigInput = {}): Promise<Station> {
  const station = await startStation(parseStationConfig({ port: 0, host: '127.0.0.1', ...settings }));
  t.after(() => station.close());
  return station;
}

export function endpointUrl(station: Station, query = ''): string {
  return `ws://127.0.0.1:${station.port}/websocket/test${query}`;
}

/** A header's value in a request the station kept (a refusal, a peer's handshake), by name in any case. */
export function headerOf(kept: { request: { headers: [string, string][] } }, name: string): string | undefined {
  return kept.request.headers.find(([sent]) => sent.toLowerCase() === name.toLowerCase())?.[1];
}
