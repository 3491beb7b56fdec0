/**
 * The main process's side of every IPC channel (common/ipc.ts). Each message is answered only
 * when it comes from the app's own window, showing the app's own page, in its top frame.
 */
import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { IpcChannel, type IpcInvokeContract, type IpcSyncContract } from '../../common/ipc';
import { TLS_FILE_KINDS, type TlsFileKind } from '../../common/station-status';
import type { ElectronMain } from './electron-api';
import { isOwnPage } from './navigation';

/** A file dialog's title is a short sentence in the window's language. */
const MAX_DIALOG_TITLE = 200;

type InvokeHandler<C extends keyof IpcInvokeContract> = (
  ...args: IpcInvokeContract[C]['request']
) => IpcInvokeContract[C]['response'] | Promise<IpcInvokeContract[C]['response']>;

export interface IpcHandlers {
  getConfig: () => IpcSyncContract[typeof IpcChannel.getConfig];
  getSettings: InvokeHandler<typeof IpcChannel.getSettings>;
  saveSettings: InvokeHandler<typeof IpcChannel.saveSettings>;
  chooseTlsFile: InvokeHandler<typeof IpcChannel.chooseTlsFile>;
  copyText: InvokeHandler<typeof IpcChannel.copyText>;
  getEndpoints: InvokeHandler<typeof IpcChannel.getEndpoints>;
  /** The ones below take what the page sent as unknown: the station host checks it. */
  peerTraffic: CheckingHandler<typeof IpcChannel.peerTraffic>;
  peerDetail: CheckingHandler<typeof IpcChannel.peerDetail>;
  refusals: CheckingHandler<typeof IpcChannel.refusals>;
  sendToPeers: CheckingHandler<typeof IpcChannel.sendToPeers>;
  closePeer: CheckingHandler<typeof IpcChannel.closePeer>;
  checkEndpoints: CheckingHandler<typeof IpcChannel.checkEndpoints>;
  applyEndpoints: CheckingHandler<typeof IpcChannel.applyEndpoints>;
  tryEndpoint: CheckingHandler<typeof IpcChannel.tryEndpoint>;
}

/** A handler of a one-argument channel that checks the argument itself. */
type CheckingHandler<C extends keyof IpcInvokeContract> = (
  argument: unknown,
) => IpcInvokeContract[C]['response'] | Promise<IpcInvokeContract[C]['response']>;

export interface TrustedSender {
  /** The app's window's contents, or undefined before it exists. */
  contents: () => WebContents | undefined;
  ownPages: () => readonly string[];
}

export class UntrustedSenderError extends Error {
  constructor(channel: string) {
    super(`IPC on ${channel} refused: it did not come from the app's own page`);
    this.name = 'UntrustedSenderError';
  }
}

export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, trusted: TrustedSender): boolean {
  const frame = event.senderFrame;
  return (
    event.sender === trusted.contents() &&
    frame !== null &&
    frame.parent === null &&
    isOwnPage(frame.url, trusted.ownPages())
  );
}

export function registerIpcHandlers(
  ipcMain: ElectronMain['ipcMain'],
  trusted: TrustedSender,
  handlers: IpcHandlers,
): void {
  const guard = (channel: string, event: IpcMainEvent | IpcMainInvokeEvent) => {
    if (!isTrustedSender(event, trusted)) throw new UntrustedSenderError(channel);
  };

  ipcMain.on(IpcChannel.getConfig, (event) => {
    try {
      guard(IpcChannel.getConfig, event);
      event.returnValue = handlers.getConfig();
    } catch (error) {
      // A synchronous sender must get a value back; null tells the preload it was refused.
      event.returnValue = null;
      // Rethrown here it would reach Electron's dispatcher, which shows an error dialog.
      if (!(error instanceof UntrustedSenderError))
        console.error('WS Station could not give the window its config:', error);
    }
  });
  ipcMain.handle(IpcChannel.getSettings, (event) => {
    guard(IpcChannel.getSettings, event);
    return handlers.getSettings();
  });
  ipcMain.handle(IpcChannel.saveSettings, (event, settings: unknown) => {
    guard(IpcChannel.saveSettings, event);
    // Validated by the handler: nothing from the page is trusted as typed.
    return handlers.saveSettings(settings as IpcInvokeContract[typeof IpcChannel.saveSettings]['request'][0]);
  });
  ipcMain.handle(IpcChannel.chooseTlsFile, (event, kind: unknown, title: unknown) => {
    guard(IpcChannel.chooseTlsFile, event);
    if (!TLS_FILE_KINDS.some((known) => known === kind)) {
      throw new TypeError(`chooseTlsFile takes one of ${TLS_FILE_KINDS.map((known) => `"${known}"`).join(', ')}`);
    }
    if (typeof title !== 'string' || title.length > MAX_DIALOG_TITLE) {
      throw new TypeError(`chooseTlsFile takes a title of at most ${MAX_DIALOG_TITLE} characters`);
    }
    return handlers.chooseTlsFile(kind as TlsFileKind, title);
  });
  ipcMain.handle(IpcChannel.copyText, (event, text: unknown) => {
    guard(IpcChannel.copyText, event);
    if (typeof text !== 'string') throw new TypeError('copyText takes a string');
    return handlers.copyText(text);
  });
  ipcMain.handle(IpcChannel.getEndpoints, (event) => {
    guard(IpcChannel.getEndpoints, event);
    return handlers.getEndpoints();
  });
  const checkedByHandler: [string, (argument: unknown) => unknown][] = [
    [IpcChannel.peerTraffic, handlers.peerTraffic],
    [IpcChannel.peerDetail, handlers.peerDetail],
    [IpcChannel.refusals, handlers.refusals],
    [IpcChannel.sendToPeers, handlers.sendToPeers],
    [IpcChannel.closePeer, handlers.closePeer],
    [IpcChannel.checkEndpoints, handlers.checkEndpoints],
    [IpcChannel.applyEndpoints, handlers.applyEndpoints],
    [IpcChannel.tryEndpoint, handlers.tryEndpoint],
  ];
  for (const [channel, handler] of checkedByHandler) {
    ipcMain.handle(channel, (event, argument: unknown) => {
      guard(channel, event);
      return handler(argument);
    });
  }
}
