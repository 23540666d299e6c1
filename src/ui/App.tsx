// The app shell: header, the table stage with the tabbed side panel, the status bar, the help overlay, and the
// toasts (fixed over the page, so they never move the view).
import { Header } from './Header';
import { HelpOverlay } from './HelpOverlay';
import { Messages } from './Messages';
import { SidePanel } from './SidePanel';
import { Stage } from './Stage';
import { StatusBar } from './StatusBar';

export function App() {
  return (
    <div className="app">
      <Header />
      <main className="workspace">
        <Stage />
        <SidePanel />
      </main>
      <StatusBar />
      <HelpOverlay />
      <Messages />
    </div>
  );
}
