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
