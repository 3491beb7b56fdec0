/** Where the page gets its ClientConfig: the desktop bridge when present, else its own address. */
import type { ClientConfig } from '../../common/client-config';
import { JSON_SUBPROTOCOL, TEST_ENDPOINT_PATH, TOKEN_QUERY_PARAMETER } from '../../common/protocol';
import { isLanguage } from '../i18n';

/** A page the station served at `pageUrl` connects to the same host, with the page's own token. */
export function clientConfigFromPageUrl(pageUrl: string): ClientConfig {
  const page = new URL(pageUrl);
  const endpoint = new URL(TEST_ENDPOINT_PATH, page);
  endpoint.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = page.searchParams.get(TOKEN_QUERY_PARAMETER);
  if (token !== null) endpoint.searchParams.set(TOKEN_QUERY_PARAMETER, token);
  const lang = page.searchParams.get('lang');
  return {
    websocketUrl: endpoint.href,
    subprotocol: JSON_SUBPROTOCOL,
    language: isLanguage(lang) ? lang : null,
  };
}

/** The bridge's config in the desktop window; in a LAN browser, the one the page's address gives. */
export function chooseClientConfig(
  bridge: { readonly config: ClientConfig } | undefined,
  pageUrl: string,
): ClientConfig {
  return bridge?.config ?? clientConfigFromPageUrl(pageUrl);
}
