// The device's queue: records in IndexedDB, their contents encrypted with AES-GCM (WebCrypto)
// under a key derived from the screener's PIN with PBKDF2-SHA-256 (NIST SP 800-132; 600,000
// iterations, OWASP 2023). The key never leaves memory: after a reload the PIN unlocks it again.

const DB_NAME = "brightline-offline";
const ITERATIONS = 600000;
const CHECK_TEXT = "brightline-offline-check";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDb() {
  const opening = indexedDB.open(DB_NAME, 1);
  opening.onupgradeneeded = () => {
    opening.result.createObjectStore("meta");
    opening.result.createObjectStore("records", { keyPath: "uuid" });
  };
  return request(opening);
}

async function deriveKey(pin, salt) {
  const material = await crypto.subtle.importKey(
    "raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS },
    material,
    { name: "AES-GCM", length: 256 },
    false, // not extractable: no script can read the key out, even this one
    ["encrypt", "decrypt"],
  );
}

async function seal(key, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12)); // a fresh nonce per write (NIST SP 800-38D)
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(JSON.stringify(value)));
  return { iv, data };
}

async function open(key, sealed) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key, sealed.data);
  return JSON.parse(new TextDecoder().decode(plain));
}

function toBase64(bytes) {
  const view = new Uint8Array(bytes);
  let text = "";
  for (let start = 0; start < view.length; start += 8192) {
    text += String.fromCharCode(...view.subarray(start, start + 8192)); // chunks: a photo is too big for one call
  }
  return btoa(text);
}
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export class Vault {
  constructor(db) {
    this.db = db;
    this.key = null;
  }

  static async open() {
    return new Vault(await openDb());
  }

  store(name, mode = "readonly") {
    return this.db.transaction(name, mode).objectStore(name);
  }

  meta(name) {
    return request(this.store("meta").get(name));
  }

  setMeta(name, value) {
    return request(this.store("meta", "readwrite").put(value, name));
  }

  async isSetUp() {
    return (await this.meta("check")) !== undefined;
  }

  async setUp(pin) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const key = await deriveKey(pin, salt);
    await this.setMeta("salt", salt);
    await this.setMeta("check", await seal(key, CHECK_TEXT));
    await this.setMeta("since", new Date().toISOString());
    this.key = key;
  }

  // Whether the PIN opens the queue (AES-GCM authentication fails for any other PIN).
  async unlock(pin) {
    const key = await deriveKey(pin, await this.meta("salt"));
    try {
      if ((await open(key, await this.meta("check"))) !== CHECK_TEXT) return false;
    } catch {
      return false;
    }
    this.key = key;
    return true;
  }

  lock() {
    this.key = null;
  }

  // Plain fields: uuid, kind, state and the parent's uuid (ids only); the rest is sealed.
  async put(record) {
    const { uuid, kind, state, parent, ...secret } = record;
    if (secret.bytes) secret.bytes = toBase64(secret.bytes);
    const sealed = await seal(this.key, secret);
    await request(this.store("records", "readwrite").put({ uuid, kind, state, parent, sealed }));
  }

  async list() {
    const rows = await request(this.store("records").getAll());
    const out = [];
    for (const row of rows) {
      const secret = await open(this.key, row.sealed);
      if (secret.bytes) secret.bytes = fromBase64(secret.bytes);
      out.push({ uuid: row.uuid, kind: row.kind, state: row.state, parent: row.parent, ...secret });
    }
    return out.sort((a, b) => (a.created < b.created ? -1 : 1));
  }

  // Counts by kind without the PIN: what is waiting can be said, never what it holds.
  async counts() {
    const rows = await request(this.store("records").getAll());
    const counts = {};
    for (const row of rows) if (row.kind !== "draft") counts[row.kind] = (counts[row.kind] ?? 0) + 1;
    return counts;
  }

  remove(uuid) {
    return request(this.store("records", "readwrite").delete(uuid));
  }
}
