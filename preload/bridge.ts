/**
 * The bridge the desktop window's page gets as `window.wsStation`: the frozen config and the few
 * functions the host panels need, each one IPC message on a channel from common/ipc.ts. No
 * ipcRenderer, event object or other Electron value reaches the page.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { StationBridge } from '../common/client-config';
import type { DesktopConfig, DesktopStatus } from '../common/desktop';
import { IpcChannel, type IpcInvokeContract } from '../common/ipc';

export type IpcRendererLike = Pick<IpcRenderer, 'sendSync' | 'invoke' | 'on' | 'removeListener'>;

/** Null when the main process refused the config (the page is not the app's own). */
export function createBridge(ipc: IpcRendererLike): StationBridge | null {
  const config = ipc.sendSync(IpcChannel.getConfig) as DesktopConfig | null;
  if (config === null) return null;
  // One invoke for every channel, typed from the contract the main process answers by.
  const invoke = <C extends keyof IpcInvokeContract>(channel: C, ...args: IpcInvokeContract[C]['request']) =>
    ipc.invoke(channel, ...args) as Promise<IpcInvokeContract[C]['response']>;
  const bridge: StationBridge = {
    config: Object.freeze({
      ...config,
      lanUrls: Object.freeze([...config.lanUrls]),
      lanPageUrls: Object.freeze([...config.lanPageUrls]),
    }) as DesktopConfig,
    onStatus(listener) {
      const forward = (_event: IpcRendererEvent, status: DesktopStatus) => listener(status);
      ipc.on(IpcChannel.status, forward);
      return () => void ipc.removeListener(IpcChannel.status, forward);
    },
    getSettings: () => invoke(IpcChannel.getSettings),
    saveSettings: (settings) => invoke(IpcChannel.saveSettings, settings),
    chooseTlsFile: (kind, title) => invoke(IpcChannel.chooseTlsFile, kind, title),
    copyText: async (text) => {
      await invoke(IpcChannel.copyText, text);
    },
    peerTraffic: (peerId) => invoke(IpcChannel.peerTraffic, peerId),
    peerDetail: (peerId) => invoke(IpcChannel.peerDetail, peerId),
    refusals: (afterSeq) => invoke(IpcChannel.refusals, afterSeq),
    sendToPeers: (request) => invoke(IpcChannel.sendToPeers, request),
    closePeer: (request) => invoke(IpcChannel.closePeer, request),
    getEndpoints: () => invoke(IpcChannel.getEndpoints),
    checkEndpoints: (texts) => invoke(IpcChannel.checkEndpoints, texts),
    applyEndpoints: (texts) => invoke(IpcChannel.applyEndpoints, texts),
    tryEndpoint: (request) => invoke(IpcChannel.tryEndpoint, request),
  };
  return Object.freeze(bridge);
}
