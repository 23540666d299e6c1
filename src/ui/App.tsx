// The app shell: header, messages, the table stage with the side panel, the status bar and the help overlay.
import { ConfigPanel } from './ConfigPanel';
import { EnginePanel } from './EnginePanel';
import { EvalPanel } from './EvalPanel';
import { Header } from './Header';
import { HelpOverlay } from './HelpOverlay';
import { Messages } from './Messages';
import { PlaygroundPanel } from './PlaygroundPanel';
import { Stage } from './Stage';
import { StatusBar } from './StatusBar';
import { TrainingPanel } from './TrainingPanel';

export function App() {
  return (
    <div className="app">
      <Header />
      <Messages />
      <main className="workspace">
        <Stage />
        <aside className="side-panel">
          <PlaygroundPanel />
          <TrainingPanel />
          <EvalPanel />
          <ConfigPanel />
          <EnginePanel />
        </aside>
      </main>
      <StatusBar />
      <HelpOverlay />
    </div>
  );
}
