// Checkpoints kept in this browser's IndexedDB: a module's two files (the manifest and its weights, exactly what
// the checkpoint download saves) under a name, with a small info record for the list. The UI thread keeps them;
// loading one sends the files through the engine's upload path, which validates the checkpoint whole, so a damaged
// or mismatched one changes nothing. (The engine worker never opens IndexedDB: in headless Chromium, doing so
// there broke its WebGL fallback after a lost WebGPU device, see e2e/backend.spec.ts.)
import type { SavedCheckpoint } from '../engine/savedCheckpoint';

const DB_NAME = 'sagr-checkpoints';
const DB_VERSION = 1;
/** SavedCheckpoint records (what the list shows), by key. */
const INFO = 'info';
/** StoredFiles records, by key. */
const FILES = 'files';

export interface StoredFiles {
  key: string;
  json: string;
  weightsName: string;
  weights: ArrayBuffer;
}

function done<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

let db: Promise<IDBDatabase> | null = null;
function open(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('this browser has no IndexedDB'));
  db ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, DB_VERSION);
    r.onupgradeneeded = () => {
      r.result.createObjectStore(INFO, { keyPath: 'key' });
      r.result.createObjectStore(FILES, { keyPath: 'key' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => {
      db = null;
      reject(r.error ?? new Error('IndexedDB cannot be opened'));
    };
  });
  return db;
}

/** The checkpoints saved for `task`, newest first. */
export async function listStored(task: string): Promise<SavedCheckpoint[]> {
  const all = await done((await open()).transaction(INFO).objectStore(INFO).getAll() as IDBRequest<SavedCheckpoint[]>);
  return all.filter((s) => s.task === task).sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

/** Saves (or replaces) one checkpoint: its info and its files, in one transaction. */
export async function putStored(info: SavedCheckpoint, files: StoredFiles): Promise<void> {
  const tx = (await open()).transaction([INFO, FILES], 'readwrite');
  tx.objectStore(INFO).put(info);
  tx.objectStore(FILES).put(files);
  await committed(tx);
}

export async function getStored(key: string): Promise<StoredFiles | undefined> {
  return done((await open()).transaction(FILES).objectStore(FILES).get(key) as IDBRequest<StoredFiles | undefined>);
}

export async function deleteStored(key: string): Promise<void> {
  const tx = (await open()).transaction([INFO, FILES], 'readwrite');
  tx.objectStore(INFO).delete(key);
  tx.objectStore(FILES).delete(key);
  await committed(tx);
}
