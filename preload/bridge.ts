/**
 * The bridge the desktop window's page gets as `window.wsStation`: the frozen config and the few
 * functions the host panels need, each one IPC message on a channel from common/ipc.ts. No
 * ipcRenderer, event object or other Electron value reaches the page.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { StationBridge } from '../common/client-config';
import type {
  DesktopConfig,
  DesktopSettings,
  DesktopStatus,
  HostActionResult,
  PeerCloseRequest,
  PeerSendRequest,
  SettingsSaveResult,
} from '../common/desktop';
import type { TrafficEntry } from '../common/station-status';
import { IpcChannel } from '../common/ipc';

export type IpcRendererLike = Pick<IpcRenderer, 'sendSync' | 'invoke' | 'on' | 'removeListener'>;

/** Null when the main process refused the config (the page is not the app's own). */
export function createBridge(ipc: IpcRendererLike): StationBridge | null {
  const config = ipc.sendSync(IpcChannel.getConfig) as DesktopConfig | null;
  if (config === null) return null;
  return Object.freeze({
    config: Object.freeze({
      ...config,
      lanUrls: Object.freeze([...config.lanUrls]),
      lanPageUrls: Object.freeze([...config.lanPageUrls]),
    }) as DesktopConfig,
    onStatus(listener: (status: DesktopStatus) => void): () => void {
      const forward = (_event: IpcRendererEvent, status: DesktopStatus) => listener(status);
      ipc.on(IpcChannel.status, forward);
      return () => void ipc.removeListener(IpcChannel.status, forward);
    },
    getSettings: () => ipc.invoke(IpcChannel.getSettings) as Promise<DesktopSettings>,
    saveSettings: (settings: DesktopSettings) =>
      ipc.invoke(IpcChannel.saveSettings, settings) as Promise<SettingsSaveResult>,
    copyText: async (text: string) => {
      await ipc.invoke(IpcChannel.copyText, text);
    },
    peerTraffic: (peerId: number) => ipc.invoke(IpcChannel.peerTraffic, peerId) as Promise<TrafficEntry[]>,
    sendToPeers: (request: PeerSendRequest) => ipc.invoke(IpcChannel.sendToPeers, request) as Promise<HostActionResult>,
    closePeer: (request: PeerCloseRequest) => ipc.invoke(IpcChannel.closePeer, request) as Promise<HostActionResult>,
  });
}
