// Captures the companion could not take yet (not running, not paired, wrong token) wait here,
// in IndexedDB because screenshots are too large for chrome.storage. Keyed by capture_id, so a
// resend is idempotent on the companion: nothing is lost and nothing is stored twice.

const DB_NAME = "bargain-witness";
const STORE = "outbox";
// Version 2 adds the files captures carry (lib/attachments.js, issue #15), queued like captures.
export const ATTACHMENTS = "attachments";
const DB_VERSION = 2;

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = (event) => {
      const db = req.result;
      if (event.oldVersion < 1) {
        const store = db.createObjectStore(STORE, { keyPath: "capture_id" });
        store.createIndex("taken_at", "taken_at");
      }
      if (event.oldVersion < 2) {
        const files = db.createObjectStore(ATTACHMENTS, { keyPath: ["capture_id", "kind", "recording_key", "part"] });
        files.createIndex("queued_at", "queued_at");
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** One transaction on one store of the queue's database (the captures' by default). */
export async function withStore(mode, fn, storeName = STORE) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const result = fn(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export function enqueue(message) {
  return withStore("readwrite", (store) => store.put(message));
}

export function remove(captureId) {
  return withStore("readwrite", (store) => store.delete(captureId));
}

/** The capture is still waiting in the queue (its files must wait behind it). */
export async function has(captureId) {
  return (await withStore("readonly", (store) => store.count(captureId))) > 0;
}

export function count() {
  return withStore("readonly", (store) => store.count());
}

/** Oldest first, so the companion receives a campaign's captures roughly in order. */
export function all() {
  return withStore("readonly", (store) => store.index("taken_at").getAll());
}
