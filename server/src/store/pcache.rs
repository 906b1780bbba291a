//! SQLite's own page cache (pcache1), with one needless cost of every commit taken out.
//!
//! When a B-tree split reorders its sibling pages, SQLite parks a page for a moment under the number of the
//! "pending byte" page (1 GiB / page size + 1, page 262,145 with 4 KiB pages), which no database page ever uses.
//! pcache1 remembers that number as its largest key, so at the end of the transaction the truncate of the pages
//! past the end of the database (`pager_end_transaction`) finds a key beyond the end and, the range being wider
//! than its hash table, walks every bucket and every cached page. Random consent ids split a `record_keys` page in
//! most batches: that walk was about a tenth of the writer thread's CPU (perf: `pcache1TruncateUnsafe` 3.7 % of
//! the server's whole CPU under the load benchmark, all of it from `pager_end_transaction`).
//!
//! This wrapper passes every call through to pcache1 and keeps, per cache, a bound on the keys it holds that
//! ignores the parked page: a truncate with nothing at or past its limit is then skipped, as pcache1 would itself
//! skip it had it not seen the parked key. Nothing else changes: the same pages are cached, written and evicted.
//!
//! [`install`] must run before SQLite initializes (before the process's first connection); if it is too late, or
//! SQLite refuses, connections simply use pcache1 directly.

use rusqlite::ffi;
use std::ffi::{c_int, c_uint, c_void};
use std::sync::OnceLock;

/// SQLite's default `PENDING_BYTE` (only its test builds move it).
const PENDING_BYTE: c_uint = 0x4000_0000;

/// pcache1's methods, read before the wrapper replaced them.
struct Inner(ffi::sqlite3_pcache_methods2);

// The methods are plain C function pointers and a context pointer that pcache1 does not use.
unsafe impl Send for Inner {}
unsafe impl Sync for Inner {}

static INNER: OnceLock<Inner> = OnceLock::new();
/// Whether the wrapper is SQLite's page cache (answered once, by the first call to [`install`]).
static INSTALLED: OnceLock<bool> = OnceLock::new();

fn inner() -> &'static ffi::sqlite3_pcache_methods2 {
    &INNER.get().expect("the wrapper is installed only after pcache1's methods are kept").0
}

/// One cache: pcache1's, and what the wrapper knows of its keys.
struct Cache {
    inner: *mut ffi::sqlite3_pcache,
    /// Every page in the cache has a key at most this, except pages parked at `parking_key`.
    max_key: c_uint,
    /// The pending-byte page's number for this cache's page size: where balance_nonroot parks a page.
    parking_key: c_uint,
    /// Pages moved to `parking_key` and not yet moved away.
    parked: u32,
    /// pcache1's own largest key as it keeps it (parked pages included): a skipped truncate at or below it is a
    /// walk saved (counted by the tests).
    pcache1_max: c_uint,
}

/// Makes the wrapper SQLite's page cache; answers whether it is (false when SQLite had already initialized).
pub fn install() -> bool {
    *INSTALLED.get_or_init(|| unsafe {
        let mut methods: ffi::sqlite3_pcache_methods2 = std::mem::zeroed();
        if ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETPCACHE2, &mut methods as *mut ffi::sqlite3_pcache_methods2)
            != ffi::SQLITE_OK
            || methods.xFetch.is_none()
        {
            return false;
        }
        if INNER.set(Inner(methods)).is_err() {
            return false;
        }
        let wrapper = ffi::sqlite3_pcache_methods2 {
            iVersion: 2,
            pArg: std::ptr::null_mut(),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            xCreate: Some(create),
            xCachesize: Some(cachesize),
            xPagecount: Some(pagecount),
            xFetch: Some(fetch),
            xUnpin: Some(unpin),
            xRekey: Some(rekey),
            xTruncate: Some(truncate),
            xDestroy: Some(destroy),
            xShrink: Some(shrink),
        };
        // SQLite copies the struct; it refuses (SQLITE_MISUSE) once initialized.
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_PCACHE2, &wrapper as *const ffi::sqlite3_pcache_methods2)
            == ffi::SQLITE_OK
    })
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    match inner().xInit {
        Some(f) => f(inner().pArg),
        None => ffi::SQLITE_OK,
    }
}

unsafe extern "C" fn shutdown(_: *mut c_void) {
    if let Some(f) = inner().xShutdown {
        f(inner().pArg)
    }
}

unsafe extern "C" fn create(page_size: c_int, extra: c_int, purgeable: c_int) -> *mut ffi::sqlite3_pcache {
    let cache = inner().xCreate.expect("pcache1 has xCreate")(page_size, extra, purgeable);
    if cache.is_null() {
        return cache;
    }
    let parking_key = PENDING_BYTE / (page_size.max(1) as c_uint) + 1;
    Box::into_raw(Box::new(Cache { inner: cache, max_key: 0, parking_key, parked: 0, pcache1_max: 0 }))
        as *mut ffi::sqlite3_pcache
}

/// The wrapper's cache behind SQLite's handle. SQLite calls a cache's methods from one connection at a time.
unsafe fn cache<'a>(p: *mut ffi::sqlite3_pcache) -> &'a mut Cache {
    &mut *(p as *mut Cache)
}

unsafe extern "C" fn cachesize(p: *mut ffi::sqlite3_pcache, n: c_int) {
    inner().xCachesize.expect("pcache1 has xCachesize")(cache(p).inner, n)
}

unsafe extern "C" fn pagecount(p: *mut ffi::sqlite3_pcache) -> c_int {
    inner().xPagecount.expect("pcache1 has xPagecount")(cache(p).inner)
}

unsafe extern "C" fn fetch(p: *mut ffi::sqlite3_pcache, key: c_uint, create: c_int) -> *mut ffi::sqlite3_pcache_page {
    let c = cache(p);
    let page = inner().xFetch.expect("pcache1 has xFetch")(c.inner, key, create);
    // A page fetched (even at the parking key) counts as present until a truncate removes it.
    if !page.is_null() && key > c.max_key {
        c.max_key = key;
        c.pcache1_max = c.pcache1_max.max(key);
    }
    page
}

unsafe extern "C" fn unpin(p: *mut ffi::sqlite3_pcache, page: *mut ffi::sqlite3_pcache_page, discard: c_int) {
    inner().xUnpin.expect("pcache1 has xUnpin")(cache(p).inner, page, discard)
}

unsafe extern "C" fn rekey(p: *mut ffi::sqlite3_pcache, page: *mut ffi::sqlite3_pcache_page, old: c_uint, new: c_uint) {
    let c = cache(p);
    inner().xRekey.expect("pcache1 has xRekey")(c.inner, page, old, new);
    if old == c.parking_key && c.parked > 0 {
        c.parked -= 1;
    }
    c.pcache1_max = c.pcache1_max.max(new);
    if new == c.parking_key {
        c.parked += 1;
    } else if new > c.max_key {
        c.max_key = new;
    }
}

unsafe extern "C" fn truncate(p: *mut ffi::sqlite3_pcache, limit: c_uint) {
    let c = cache(p);
    // Nothing at or past `limit`: pcache1 would remove nothing, only walk its whole table to find that out.
    if limit > c.max_key && c.parked == 0 {
        #[cfg(test)]
        if limit <= c.pcache1_max {
            tests::WALKS_SAVED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        return;
    }
    inner().xTruncate.expect("pcache1 has xTruncate")(c.inner, limit);
    c.max_key = c.max_key.min(limit.saturating_sub(1));
    c.pcache1_max = c.pcache1_max.min(limit.saturating_sub(1));
    if limit <= c.parking_key {
        c.parked = 0;
    }
}

unsafe extern "C" fn destroy(p: *mut ffi::sqlite3_pcache) {
    let c = Box::from_raw(p as *mut Cache);
    inner().xDestroy.expect("pcache1 has xDestroy")(c.inner)
}

unsafe extern "C" fn shrink(p: *mut ffi::sqlite3_pcache) {
    inner().xShrink.expect("pcache1 has xShrink")(cache(p).inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    /// Truncates the wrapper answered itself where pcache1 would have walked its table.
    pub(super) static WALKS_SAVED: AtomicU64 = AtomicU64::new(0);

    /// Random 16-byte keys into a WITHOUT ROWID table (as `record_keys` fills), in small transactions, some rolled
    /// back: the splits park pages at the pending-byte number, so truncates are skipped, and the database stays
    /// whole and holds exactly the committed rows, for this connection and for a fresh one.
    #[test]
    fn random_inserts_with_rollbacks_keep_the_database_whole_and_skip_the_walk() {
        // The first SQLite use of this test binary: nothing else in the library's unit tests opens a database.
        assert!(install(), "installed before SQLite initialized");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE k (id BLOB PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID").unwrap();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut key = move || {
            let mut out = [0u8; 16];
            for chunk in out.chunks_mut(8) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chunk.copy_from_slice(&state.to_le_bytes());
            }
            out
        };
        let mut committed = 0i64;
        for batch in 0..300 {
            let tx = conn.transaction().unwrap();
            for n in 0..100 {
                tx.execute("INSERT INTO k (id, n) VALUES (?1, ?2)", rusqlite::params![key().to_vec(), n]).unwrap();
            }
            if batch % 7 == 3 {
                tx.rollback().unwrap();
            } else {
                tx.commit().unwrap();
                committed += 100;
            }
        }
        assert!(WALKS_SAVED.load(Relaxed) > 0, "commits after a split skip the walk");
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let count = |c: &Connection| c.query_row("SELECT COUNT(*) FROM k", [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count(&conn), committed);
        drop(conn);
        let fresh = Connection::open(&path).unwrap();
        assert_eq!(count(&fresh), committed);
        let check: String = fresh.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
    }
}
