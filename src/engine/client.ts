// The UI thread's handle on the engine worker: promise-based requests and typed event listeners.
// It never imports tfjs; everything tensor-shaped happens behind the worker boundary.
import type { EngineEvent, EventType, Payload, Request, RequestType, Result, WorkerMessage } from './protocol';

type EventOf<K extends EventType> = Extract<EngineEvent, { type: K }>;
type Listener<K extends EventType> = (event: EventOf<K>) => void;

export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<EventType, Set<(event: EngineEvent) => void>>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => this.receive(e.data);
    // A worker that fails to load or throws outside a request reaches the UI as an error notice.
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.emit({ type: 'notice', notice: { level: 'error', source: 'engine', message: `engine worker: ${e.message || 'failed to load'}` } });
    };
  }

  static start(): EngineClient {
    return new EngineClient(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'sagr-engine' }));
  }

  request<K extends RequestType>(type: K, payload: Payload<K>): Promise<Result<K>> {
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.worker.postMessage({ type, id, payload } as Request);
    });
  }

  on<K extends EventType>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const untyped = listener as (event: EngineEvent) => void;
    set.add(untyped);
    return () => set.delete(untyped);
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new EngineError('engine stopped'));
    this.pending.clear();
  }

  private emit(event: EngineEvent): void {
    for (const l of this.listeners.get(event.type) ?? []) l(event);
  }

  private receive(msg: WorkerMessage): void {
    if (msg.type === 'reply' || msg.type === 'failure') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'reply') p.resolve(msg.result);
      else p.reject(new EngineError(msg.message));
      return;
    }
    this.emit(msg);
  }
}
