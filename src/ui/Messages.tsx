// Everything a person must read: fields of the URL hash that were rejected, and the engine's notices.
import { defaultFor, useApp } from './store';

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

function Notices() {
  const notices = useApp((s) => s.notices);
  const dismiss = useApp((s) => s.dismissNotice);
  return (
    <>
      {notices.map((n, i) => (
        <div key={i} className={`message ${n.level}`} role={n.level === 'error' ? 'alert' : 'status'} data-testid="notice" data-source={n.source}>
          <button type="button" className="dismiss" aria-label="dismiss" onClick={() => dismiss(i)}>
            ×
          </button>
          {n.message}
        </div>
      ))}
    </>
  );
}

export function Messages() {
  return (
    <div className="messages">
      <HashErrors />
      <Notices />
    </div>
  );
}
