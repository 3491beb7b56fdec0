/** The window's preload, bundled into one file (a sandboxed preload cannot load modules). */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL } from '../common/client-config';
import { createBridge } from './bridge';

const bridge = createBridge(ipcRenderer);
if (bridge) contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
