// Entry point: starts the engine worker, keeps the URL hash and the engine in step with the config, exposes
// the test hook, and renders the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EngineClient } from './engine/client';
import { App } from './ui/App';
import { connectEngine } from './ui/engineBridge';
import { syncHash } from './ui/hashSync';
import { appStore } from './ui/store';
import { installTestHook } from './ui/testHook';
import './ui/styles.css';

const client = EngineClient.start();
connectEngine(appStore, client, new URLSearchParams(location.search).get('backend'));
syncHash(appStore);
installTestHook(appStore, client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
