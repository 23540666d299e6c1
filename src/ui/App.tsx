// The app shell: header, messages, the table view with the side panel, and the status bar.
import { ConfigPanel } from './ConfigPanel';
import { EnginePanel } from './EnginePanel';
import { Header } from './Header';
import { Messages } from './Messages';
import { TableView } from './scene/TableView';
import { StatusBar } from './StatusBar';

export function App() {
  return (
    <div className="app">
      <Header />
      <Messages />
      <main className="workspace">
        <section className="stage" aria-label="Table">
          <TableView />
        </section>
        <aside className="side-panel">
          <EnginePanel />
          <ConfigPanel />
        </aside>
      </main>
      <StatusBar />
    </div>
  );
}
