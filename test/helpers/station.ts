/** Starts a real station on a free loopback port for one test, and closes it after. */
import type { TestContext } from 'node:test';
import { parseStationConfig, type StationConfig, type StationConfigInput } from '../../main/station/config';
import {
  servesPlain,
  startStation,
  type PlainStation,
  type Station,
  type StationOptions,
} from '../../main/station/station';

/** startStation for a config that serves plain (the caller closes it). */
export async function startPlainStation(config: StationConfig, options?: StationOptions): Promise<PlainStation> {
  const station = await startStation(config, options);
  if (!servesPlain(station)) {
    await station.close();
    throw new Error('this config does not serve plain ws://');
  }
  return station;
}

export async function startTestStation(t: TestContext, settings: StationConfigInput = {}): Promise<PlainStation> {
  const station = await startPlainStation(parseStationConfig({ port: 0, host: '127.0.0.1', ...settings }));
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
