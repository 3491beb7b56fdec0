/** The opening handshake, from raw sockets: what RFC 6455 and the seed require, and every refusal. */
import assert from 'node:assert/strict';
import { hostname, networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { closed, openClient } from './helpers/client';
import { encodeFrame, rawUpgrade, readUntilClose, SEED_ACCEPT, SEED_KEY } from './helpers/raw-websocket';
import { endpointUrl, startTestStation } from './helpers/station';
import { waitFor } from './helpers/wait';

const ENDPOINT = '/websocket/test';

describe('opening handshake', () => {
  it("answers the seed's key with the seed's Sec-WebSocket-Accept", async (t) => {
    const station = await startTestStation(t);
    const response = await rawUpgrade(station.port, ENDPOINT, { 'Sec-WebSocket-Key': SEED_KEY });
    response.socket.destroy();
    assert.equal(response.status, 101);
    assert.equal(response.headers['sec-websocket-accept'], SEED_ACCEPT);
    assert.equal(response.headers.upgrade?.toLowerCase(), 'websocket');
    assert.equal(response.headers.connection?.toLowerCase(), 'upgrade');
  });

  it('answers a version it does not speak with 426 and Sec-WebSocket-Version: 13', async (t) => {
    const station = await startTestStation(t);
    for (const version of ['8', '12', '14']) {
      const response = await rawUpgrade(station.port, ENDPOINT, { 'Sec-WebSocket-Version': version });
      assert.equal(response.status, 426, `version ${version}`);
      assert.equal(response.headers['sec-websocket-version'], '13');
      assert.match(response.body, /speaks version 13/);
    }
  });

  it('refuses a missing or malformed version or key with 400', async (t) => {
    const station = await startTestStation(t);
    const cases: Record<string, Record<string, string | undefined>> = {
      'no version': { 'Sec-WebSocket-Version': undefined },
      'version not a number': { 'Sec-WebSocket-Version': 'thirteen' },
      'no key': { 'Sec-WebSocket-Key': undefined },
      'key not 16 bytes of base64': { 'Sec-WebSocket-Key': 'c2hvcnQ=' },
      'key with bad characters': { 'Sec-WebSocket-Key': 'bwb9SFiJONXhQ/A4pLaX!g==' },
    };
    for (const [name, headers] of Object.entries(cases)) {
      const response = await rawUpgrade(station.port, ENDPOINT, headers);
      assert.equal(response.status, 400, name);
      assert.match(response.body, /Sec-WebSocket-(Version|Key)/, name);
    }
    assert.equal(station.status().totals.rejected['400'], Object.keys(cases).length);
  });

  it('answers an upgrade on any other path with 404, never 101', async (t) => {
    const station = await startTestStation(t);
    for (const path of ['/', '/websocket', '/websocket/other', '/websocket/test/extra', '/api/status']) {
      const response = await rawUpgrade(station.port, path);
      assert.equal(response.status, 404, path);
    }
  });

  it('answers a plain HTTP request to the endpoint with 426 Upgrade Required', async (t) => {
    const station = await startTestStation(t);
    const response = await fetch(`http://127.0.0.1:${station.port}${ENDPOINT}`);
    assert.equal(response.status, 426);
    assert.equal(response.headers.get('upgrade'), 'websocket');
  });

  it('refuses a non-GET upgrade with 405', async (t) => {
    const station = await startTestStation(t);
    const response = await rawUpgrade(station.port, ENDPOINT, {}, 'POST');
    assert.equal(response.status, 405);
  });

  it('refuses the handshake with 503 once maxPeers are connected, and admits again when one leaves', async (t) => {
    const station = await startTestStation(t, { maxPeers: 2 });
    const first = await openClient(endpointUrl(station));
    const second = await openClient(endpointUrl(station));
    const refused = await rawUpgrade(station.port, ENDPOINT);
    assert.equal(refused.status, 503);
    assert.ok(refused.headers['retry-after']);
    first.socket.close();
    await closed(first.socket);
    await waitFor('the first peer to leave', () => station.peers.size === 1);
    const third = await openClient(endpointUrl(station));
    second.socket.close();
    third.socket.close();
  });
});

describe('permessage-deflate', () => {
  const offer = { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' };

  it('is not negotiated by default, even when the client offers it', async (t) => {
    const station = await startTestStation(t);
    const response = await rawUpgrade(station.port, ENDPOINT, offer);
    response.socket.destroy();
    assert.equal(response.status, 101);
    assert.equal(response.headers['sec-websocket-extensions'], undefined);
  });

  it('is negotiated when enabled, and compressed messages echo intact', async (t) => {
    const station = await startTestStation(t, { deflate: true });
    const response = await rawUpgrade(station.port, ENDPOINT, offer);
    response.socket.destroy();
    assert.match(response.headers['sec-websocket-extensions'] ?? '', /^permessage-deflate/);

    const { socket, inbox } = await openClient(endpointUrl(station), [], { perMessageDeflate: true });
    assert.match(socket.extensions, /permessage-deflate/);
    await inbox.next();
    const big = 'station '.repeat(10_000);
    socket.send(big);
    const echo = await inbox.nextMatching((m) => m.data.length > 100);
    assert.equal(echo.data.toString(), big);
    socket.close();
  });

  it('compresses only messages of 1 KiB and more when enabled', async (t) => {
    const station = await startTestStation(t, { deflate: true, tickMs: 60_000 });
    const response = await rawUpgrade(station.port, ENDPOINT, offer);
    const small = 'a'.repeat(1023);
    const large = 'a'.repeat(1024);
    // Sent uncompressed (RSV1 clear), which permessage-deflate allows for any message.
    response.socket.write(Buffer.concat([encodeFrame(0x1, Buffer.from(small)), encodeFrame(0x1, Buffer.from(large))]));
    response.socket.write(encodeFrame(0x8, Buffer.from([0x03, 0xe8])));
    const [greeting, smallEcho, largeEcho] = await readUntilClose(response.socket, response.rest);
    response.socket.destroy();
    assert.ok(greeting && smallEcho && largeEcho);
    assert.equal(greeting.rsv1, false, 'the greeting is under the threshold');
    assert.equal(smallEcho.rsv1, false, '1023 bytes go uncompressed');
    assert.equal(largeEcho.rsv1, true, '1024 bytes are compressed');
    assert.ok(largeEcho.payload.length < 100);
  });
});

describe('Origin', () => {
  const originOf = (host: string, port: number) => `http://${host}:${port}`;

  it('accepts requests without an Origin (scripts, CLI tools)', async (t) => {
    const station = await startTestStation(t);
    const response = await rawUpgrade(station.port, ENDPOINT, { Origin: undefined });
    response.socket.destroy();
    assert.equal(response.status, 101);
  });

  it("accepts the station's own origin under every loopback alias", async (t) => {
    const station = await startTestStation(t);
    for (const host of ['localhost', '127.0.0.1', '[::1]', '127.0.0.2']) {
      const response = await rawUpgrade(station.port, ENDPOINT, { Origin: originOf(host, station.port) });
      response.socket.destroy();
      assert.equal(response.status, 101, host);
    }
  });

  it('refuses other sites, other ports and other schemes with 403', async (t) => {
    const station = await startTestStation(t);
    const foreign = [
      'http://evil.example',
      originOf('localhost', station.port + 1),
      `https://localhost:${station.port}`,
      'null',
      'file://',
    ];
    for (const origin of foreign) {
      const response = await rawUpgrade(station.port, ENDPOINT, { Origin: origin });
      assert.equal(response.status, 403, origin);
      assert.match(response.body, /not allowed/);
    }
  });

  it('accepts an origin from the allow-list', async (t) => {
    const station = await startTestStation(t, { allowedOrigins: ['http://tools.example:8080'] });
    const allowed = await rawUpgrade(station.port, ENDPOINT, { Origin: 'http://tools.example:8080' });
    allowed.socket.destroy();
    assert.equal(allowed.status, 101);
    const other = await rawUpgrade(station.port, ENDPOINT, { Origin: 'http://tools.example:8081' });
    assert.equal(other.status, 403);
  });

  it('accepts pages served from any of its LAN addresses when listening on 0.0.0.0', async (t) => {
    const station = await startTestStation(t, { host: '0.0.0.0' });
    const lanAddresses = Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .filter((entry) => entry.family === 'IPv4')
      .map((entry) => entry.address);
    assert.deepEqual(new Set(station.addresses()), new Set(lanAddresses));
    assert.equal(station.addresses()[0], '127.0.0.1');
    for (const address of lanAddresses) {
      // The socket still goes over loopback; only the page's origin names the LAN address.
      const response = await rawUpgrade(station.port, ENDPOINT, { Origin: originOf(address, station.port) });
      response.socket.destroy();
      assert.equal(response.status, 101, address);
    }
  });

  it("accepts pages served under the computer's host name when listening on 0.0.0.0", async (t) => {
    const station = await startTestStation(t, { host: '0.0.0.0' });
    for (const name of [hostname(), `${hostname()}.local`]) {
      const response = await rawUpgrade(station.port, ENDPOINT, { Origin: originOf(name.toLowerCase(), station.port) });
      response.socket.destroy();
      assert.equal(response.status, 101, name);
    }
  });

  it('refuses LAN-address origins when it serves this computer only', async (t) => {
    const station = await startTestStation(t, { host: '127.0.0.1' });
    const response = await rawUpgrade(station.port, ENDPOINT, { Origin: originOf('192.0.2.77', station.port) });
    assert.equal(response.status, 403);
  });
});
