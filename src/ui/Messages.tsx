// Everything a person must read, as toasts over the page's corner (they never move the view): fields of the URL hash
// that were rejected, and the engine's notices. Info leaves after a few seconds, a warning later, an error stays until
// dismissed; the pointer resting on a toast holds it. The Engine tab's notice log keeps every notice.
import { useEffect, useState } from 'react';
import type { NoticeLevel } from '../engine/protocol';
import { defaultFor, useApp, type ShownNotice } from './store';

/** How long a toast stays, ms; null: until dismissed. */
export const TOAST_MS: Record<NoticeLevel, number | null> = { info: 6_000, warn: 20_000, error: null };

function HashErrors() {
  const errors = useApp((s) => s.hashErrors);
  const dismiss = useApp((s) => s.dismissHashErrors);
  if (errors.length === 0) return null;
  return (
    <div className="message error" role="alert" data-testid="hash-errors">
      <button type="button" className="dismiss" aria-label="dismiss" onClick={dismiss}>
        ×
      </button>
      <strong>URL hash: {errors.length === 1 ? '1 field was' : `${errors.length} fields were`} rejected.</strong> The other fields were applied.
      <ul>
        {errors.map((e, i) => {
          const fallback = defaultFor(e.field);
          return (
            <li key={i}>
              <code>{e.field}</code>: {e.message} — {fallback === null ? 'ignored' : `using the default ${fallback}`}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Toast({ notice }: { notice: ShownNotice }) {
  const dismiss = useApp((s) => s.dismissNotice);
  const [held, setHeld] = useState(false);
  const lifetime = TOAST_MS[notice.level];
  useEffect(() => {
    if (lifetime === null || held) return;
    // A toast held and let go gets its full time again, so it is not gone the moment the pointer leaves.
    const timer = setTimeout(() => dismiss(notice.id), lifetime);
    return () => clearTimeout(timer);
  }, [lifetime, held, notice.id, dismiss]);
  return (
    <div
      className={`message ${notice.level}`}
      role={notice.level === 'error' ? 'alert' : 'status'}
      data-testid="notice"
      data-source={notice.source}
      data-level={notice.level}
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
    >
      <button type="button" className="dismiss" aria-label="dismiss" onClick={() => dismiss(notice.id)}>
        ×
      </button>
      {notice.message}
    </div>
  );
}

export function Messages() {
  const notices = useApp((s) => s.notices);
  return (
    <div className="messages" data-testid="toasts">
      <HashErrors />
      {notices
        .filter((n) => n.shown)
        .map((n) => (
          <Toast key={n.id} notice={n} />
        ))}
    </div>
  );
}

/** Every notice of this session (the last MAX_NOTICES), toasts gone or not, newest first. */
export function NoticeLog() {
  const notices = useApp((s) => s.notices);
  return (
    <section className="panel" aria-label="Notices" data-testid="notice-log">
      <header className="panel-header">
        <h2>Notices</h2>
      </header>
      {notices.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="notice-log">
          {[...notices].reverse().map((n) => (
            <li key={n.id} className={n.level} data-testid="logged-notice">
              <span className="muted">{new Date(n.at).toLocaleTimeString()}</span> {n.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
