// Captures the companion could not take yet (not running, not paired, wrong token) wait here,
// in IndexedDB because screenshots are too large for chrome.storage. Keyed by capture_id, so a
// resend is idempotent on the companion: nothing is lost and nothing is stored twice.

const DB_NAME = "bargain-witness";
const STORE = "outbox";

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore(STORE, { keyPath: "capture_id" });
      store.createIndex("taken_at", "taken_at");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = fn(tx.objectStore(STORE));
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

export function count() {
  return withStore("readonly", (store) => store.count());
}

/** Oldest first, so the companion receives a campaign's captures roughly in order. */
export function all() {
  return withStore("readonly", (store) => store.index("taken_at").getAll());
}
