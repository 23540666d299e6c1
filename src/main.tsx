// Entry point: starts the engine worker, keeps the URL hash and the engine in step with the config, installs
// the controls and keyboard shortcuts, exposes the test hook, and renders the app. `?bench` measures the
// policy's inference on every backend once the playground runs; `?checkpoints=URL` runs another checkpoint folder.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EngineClient } from './engine/client';
import { App } from './ui/App';
import { installControls } from './ui/controls';
import { connectEngine } from './ui/engineBridge';
import { syncHash } from './ui/hashSync';
import { installShortcuts } from './ui/keyboard';
import { installSlowMotion } from './ui/slowMotion';
import { appStore } from './ui/store';
import { installTestHook } from './ui/testHook';
import './ui/styles.css';

const client = EngineClient.start();
const params = new URLSearchParams(location.search);
installControls(appStore, client);
connectEngine(appStore, client, params);
syncHash(appStore);
installShortcuts(appStore);
installSlowMotion(appStore);
installTestHook(appStore, client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
