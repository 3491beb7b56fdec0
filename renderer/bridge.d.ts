import type { BRIDGE_GLOBAL, StationBridge } from '../common/client-config';

declare global {
  /** Present only in the desktop window, put there by the preload through contextBridge. */
  interface Window {
    [BRIDGE_GLOBAL]?: StationBridge;
  }
}
