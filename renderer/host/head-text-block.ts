/** A request head as the lines of a text block, with the lines the station did not keep said. */
import { headerLine, requestLine } from '../../common/head-text';
import type { RequestHead } from '../../common/station-status';
import type { Translate } from '../i18n';

export function requestText(request: RequestHead, t: Translate): string {
  return [
    requestLine(request),
    ...request.headers.map(headerLine),
    ...(request.headersLeftOut > 0 ? [t('headersLeftOut', { count: request.headersLeftOut })] : []),
  ].join('\n');
}
