//! The embedded store: a bounded map in process memory, expiry enforced.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::backend::{Record, SaveMode, SessionStore, StoreFuture, StoredSession, Written};
use crate::error::StoreError;

/// Sessions in process memory: zero set-up, for one process (tests, development, a single
/// server). Sessions do not survive a restart and are not shared between processes; use the
/// Redis store for that.
///
/// Expiry is enforced: an entry past its time to live is never returned, and expired entries
/// are purged as new ones arrive. Memory is bounded by [`max_entries`](MemoryStore::max_entries)
/// (default 100 000) and [`max_bytes`](MemoryStore::max_bytes) (default 64 MiB of ids and
/// payloads). When a write would exceed either bound, expired entries go first, then the entries
/// closest to expiry: since every save and refresh pushes an entry's expiry out, that is the
/// least recently active session (LRU by last write). An evicted user gets a fresh session.
///
/// Every call completes without waiting, so this store also works with the synchronous
/// `Tracked::open_with`/`Tracked::save`.
///
/// ```
/// use session_runtime::MemoryStore;
/// let store = MemoryStore::new().max_entries(10_000).max_bytes(8 << 20);
/// assert_eq!(store.len(), 0);
/// ```
pub struct MemoryStore {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_bytes: usize,
    forwarding: Duration,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, Entry>,
    /// (expiry, id), soonest first: purge and eviction order.
    by_expiry: BTreeSet<(Instant, String)>,
    users: HashMap<String, HashSet<String>>,
    bytes: usize,
    /// Ids rotated away: old id → the id it became, for a while ([`MemoryStore::forwarding`]).
    forwards: HashMap<String, Forward>,
    /// (expiry, old id) of `forwards`, oldest first: every forward lives as long, so insertion
    /// order is expiry order.
    forward_order: VecDeque<(Instant, String)>,
}

/// Where a rotated-away id went, and until when that is remembered.
struct Forward {
    to: String,
    expires: Instant,
}

struct Entry {
    payload: Vec<u8>,
    expires: Instant,
    user: Option<String>,
}

/// Fixed per-entry overhead counted against `max_bytes` besides id and payload.
const ENTRY_OVERHEAD: usize = 96;

/// The default life of a forwarding entry: longer than a request should take.
pub(super) const DEFAULT_FORWARDING: Duration = Duration::from_secs(60);

impl MemoryStore {
    /// An empty store with the default bounds.
    pub fn new() -> Self {
        MemoryStore {
            inner: Mutex::new(Inner::default()),
            max_entries: 100_000,
            max_bytes: 64 << 20,
            forwarding: DEFAULT_FORWARDING,
        }
    }

    /// How long the old id of a rotation (`cycle_id`, `renew`) is remembered as forwarding to the
    /// new one (default 60 s): a request that opened the old id before the rotation and ends
    /// after it is told the session moved (no delete cookie, its write refused with
    /// [`Error::Rotated`](crate::Error::Rotated)), and its sign-out follows to the new id. Make
    /// it at least as long as the longest request (docs/server-side.md, "Rotation and sign-out").
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = session_runtime::MemoryStore::new().forwarding(Duration::from_secs(300));
    /// # let _ = store;
    /// ```
    pub fn forwarding(mut self, life: Duration) -> Self {
        self.forwarding = life;
        self
    }

    /// At most `n` sessions (at least 1).
    pub fn max_entries(mut self, n: usize) -> Self {
        self.max_entries = n.max(1);
        self
    }

    /// At most `bytes` of ids and payloads (plus a small fixed overhead per entry).
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// How many entries are held (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The write of [`SessionStore::save`] at the instant `now` (a parameter so that unit tests
    /// can reach the expiry boundaries exactly).
    fn save_at(&self, record: Record<'_>, now: Instant) -> Written {
        let mut inner = self.lock();
        inner.purge_expired(now);
        // Checked and written under one lock: the compare-and-set is atomic.
        let holds_expected = |entry: &Entry| record.expected.is_none_or(|expected| entry.payload == expected);
        match record.mode {
            SaveMode::Create => {
                if inner.sessions.contains_key(record.id) {
                    return Written::Conflict;
                }
                if let Some(old) = record.replaces {
                    match inner.live(old, now) {
                        None => return inner.gone_or_moved(old, now),
                        Some(entry) if !holds_expected(entry) => return Written::Conflict,
                        Some(_) => {
                            inner.remove(old);
                            inner.forward(old, record.id, now.checked_add(self.forwarding).unwrap_or(now));
                        }
                    }
                }
            }
            SaveMode::Update => match inner.live(record.id, now) {
                None => return inner.gone_or_moved(record.id, now),
                Some(entry) if !holds_expected(entry) => return Written::Conflict,
                Some(_) => {}
            },
        }
        let size = cost(record.id, record.payload);
        inner.remove(record.id);
        while inner.sessions.len() >= self.max_entries || inner.bytes + size > self.max_bytes {
            let Some((_, victim)) = inner.by_expiry.first().cloned() else { break };
            inner.remove(&victim);
        }
        let expires = now.checked_add(record.ttl).unwrap_or(now);
        // `record.previous_user` needs no work here: the index follows the entries, and
        // `remove` above took the id out of the index of the user its entry had.
        if let Some(user) = record.user {
            inner.users.entry(user.to_owned()).or_default().insert(record.id.to_owned());
        }
        inner.by_expiry.insert((expires, record.id.to_owned()));
        inner.bytes += size;
        inner.sessions.insert(
            record.id.to_owned(),
            Entry { payload: record.payload.to_vec(), expires, user: record.user.map(str::to_owned) },
        );
        Written::Saved
    }
}

fn cost(id: &str, payload: &[u8]) -> usize {
    id.len() + payload.len() + ENTRY_OVERHEAD
}

impl Inner {
    fn purge_expired(&mut self, now: Instant) {
        while let Some((expires, id)) = self.by_expiry.first().cloned() {
            if expires > now {
                break;
            }
            self.remove(&id);
        }
        while let Some((expires, _)) = self.forward_order.front()
            && *expires <= now
        {
            if let Some((expires, id)) = self.forward_order.pop_front()
                && self.forwards.get(&id).is_some_and(|forward| forward.expires == expires)
            {
                self.forwards.remove(&id);
            }
        }
    }

    /// Remembers that `old` was rotated to `new`, until `expires`.
    fn forward(&mut self, old: &str, new: &str, expires: Instant) {
        self.forward_order.push_back((expires, old.to_owned()));
        self.forwards.insert(old.to_owned(), Forward { to: new.to_owned(), expires });
    }

    /// The id `id` was rotated to, while that is remembered.
    fn forwarded(&self, id: &str, now: Instant) -> Option<&str> {
        self.forwards.get(id).filter(|forward| forward.expires > now).map(|forward| forward.to.as_str())
    }

    /// Deletes the session under `id` and, when `id` was rotated away, the one it became (and so
    /// on), so a sign-out that opened the old id ends the session. Forwarding entries stay, so a
    /// request still holding an old id is told it moved, as on Redis. Each forward is followed
    /// at most once (new ids are fresh, so there is no cycle; the bound only makes that plain).
    fn destroy(&mut self, id: &str, now: Instant) {
        let mut id = id.to_owned();
        for _ in 0..=self.forwards.len() {
            self.remove(&id);
            match self.forwarded(&id, now) {
                Some(next) => id = next.to_owned(),
                None => return,
            }
        }
    }

    /// Why there is no session under `id`: rotated away, or gone.
    fn gone_or_moved(&self, id: &str, now: Instant) -> Written {
        if self.forwarded(id, now).is_some() { Written::Moved } else { Written::Absent }
    }

    fn remove(&mut self, id: &str) -> bool {
        let Some(entry) = self.sessions.remove(id) else { return false };
        self.by_expiry.remove(&(entry.expires, id.to_owned()));
        self.bytes = self.bytes.saturating_sub(cost(id, &entry.payload));
        if let Some(user) = &entry.user {
            self.unindex(user, id);
        }
        true
    }

    fn unindex(&mut self, user: &str, id: &str) {
        if let Some(ids) = self.users.get_mut(user) {
            ids.remove(id);
            if ids.is_empty() {
                self.users.remove(user);
            }
        }
    }

    fn live(&self, id: &str, now: Instant) -> Option<&Entry> {
        self.sessions.get(id).filter(|entry| entry.expires > now)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.len())
            .field("max_entries", &self.max_entries)
            .field("max_bytes", &self.max_bytes)
            .field("forwarding", &self.forwarding)
            .finish()
    }
}

impl SessionStore for MemoryStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let found = self.lock().live(id, Instant::now()).map(|entry| entry.payload.clone());
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        let size = cost(record.id, record.payload);
        let saved = if size > self.max_bytes {
            Err(StoreError::Backend(format!(
                "the session is {size} bytes, more than the memory store's max_bytes ({})",
                self.max_bytes
            )))
        } else {
            Ok(self.save_at(record, Instant::now()))
        };
        Box::pin(async move { saved })
    }

    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, _user: Option<&'a str>) -> StoreFuture<'a, bool> {
        let now = Instant::now();
        let mut inner = self.lock();
        let touched = match inner.live(id, now).map(|entry| entry.expires) {
            Some(old) => {
                let expires = now.checked_add(ttl).unwrap_or(now);
                inner.by_expiry.remove(&(old, id.to_owned()));
                inner.by_expiry.insert((expires, id.to_owned()));
                if let Some(entry) = inner.sessions.get_mut(id) {
                    entry.expires = expires;
                }
                true
            }
            None => false,
        };
        drop(inner);
        Box::pin(async move { Ok(touched) })
    }

    fn moved<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let moved = self.lock().forwarded(id, Instant::now()).is_some();
        Box::pin(async move { Ok(moved) })
    }

    fn delete<'a>(&'a self, id: &'a str, _user: Option<&'a str>) -> StoreFuture<'a, ()> {
        self.lock().destroy(id, Instant::now());
        Box::pin(async move { Ok(()) })
    }

    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        let now = Instant::now();
        let mut inner = self.lock();
        let ids = inner.users.remove(user).unwrap_or_default();
        let mut revoked = 0;
        for id in ids {
            let live = inner.live(&id, now).is_some();
            if inner.remove(&id) && live {
                revoked += 1;
            }
        }
        drop(inner);
        Box::pin(async move { Ok(revoked) })
    }

    fn sessions_of<'a>(&'a self, user: &'a str) -> StoreFuture<'a, Vec<StoredSession>> {
        let now = Instant::now();
        let inner = self.lock();
        let listed = inner
            .users
            .get(user)
            .into_iter()
            .flatten()
            .filter_map(|id| {
                let entry = inner.live(id, now)?;
                Some(StoredSession::new(id.clone(), entry.payload.clone(), entry.expires.duration_since(now)))
            })
            .collect();
        drop(inner);
        Box::pin(async move { Ok(listed) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::poll::now_or_never;

    fn run<T>(future: StoreFuture<'_, T>) -> T {
        now_or_never(future).expect("ready").expect("ok")
    }

    fn assert_saved(written: Written) {
        assert_eq!(written, Written::Saved);
    }

    #[test]
    fn compare_and_set_writes_only_over_what_was_opened() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        assert_saved(run(store.save(Record::new("a", b"1", ttl, SaveMode::Create))));
        let stale = Record::new("a", b"2", ttl, SaveMode::Update).with_expected(Some(b"0"));
        assert_eq!(run(store.save(stale)), Written::Conflict);
        assert_eq!(run(store.load("a")), Some(b"1".to_vec()), "a refused write changes nothing");
        assert_saved(
            run(store.save(Record::new("a", b"2", ttl, SaveMode::Update).with_expected(Some(b"1")))),
        );
        assert_eq!(run(store.load("a")), Some(b"2".to_vec()));
    }

    #[test]
    fn a_replacing_create_needs_the_old_record_and_removes_it_in_the_same_step() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        assert_saved(run(store.save(Record::new("old", b"1", ttl, SaveMode::Create).with_user(Some("ann")))));
        let moved =
            |new| Record::new(new, b"1", ttl, SaveMode::Create).replacing(Some("old")).with_user(Some("ann"));
        assert_eq!(run(store.save(moved("new").with_expected(Some(b"0")))), Written::Conflict);
        assert_saved(run(store.save(moved("new").with_expected(Some(b"1")))));
        assert_eq!(run(store.load("old")), None);
        assert_eq!(run(store.load("new")), Some(b"1".to_vec()));
        // A second rotation of the same old id (another tab) finds it moved: no second session.
        assert_eq!(run(store.save(moved("other"))), Written::Moved);
        assert!(run(store.moved("old")));
        assert_eq!(run(store.load("other")), None);
        assert_eq!(run(store.revoke_user("ann")), 1, "the index moved with the session");
    }

    /// An entry whose expiry is exactly now is expired: purged, not only hidden.
    #[test]
    fn an_entry_expiring_this_instant_is_purged() {
        let store = MemoryStore::new();
        let now = Instant::now();
        assert_saved(store.save_at(Record::new("a", b"1", Duration::ZERO, SaveMode::Create), now));
        assert_eq!(store.len(), 1);
        store.lock().purge_expired(now);
        assert!(store.is_empty(), "expires == now is past its time");
    }

    /// At the very instant of its expiry an entry is gone and a forward forgotten.
    #[test]
    fn expiry_is_exclusive_at_the_instant() {
        let store = MemoryStore::new().forwarding(Duration::from_secs(1));
        let (ttl, now) = (Duration::from_secs(2), Instant::now());
        assert_saved(store.save_at(Record::new("a", b"1", ttl, SaveMode::Create), now));
        let rotation = Record::new("b", b"1", ttl, SaveMode::Create).replacing(Some("a"));
        assert_saved(store.save_at(rotation.with_expected(Some(b"1")), now));
        let inner = store.lock();
        let just_before = now + Duration::from_millis(999);
        assert_eq!(inner.forwarded("a", just_before), Some("b"));
        assert_eq!(inner.forwarded("a", now + Duration::from_secs(1)), None);
        assert!(inner.live("b", now + Duration::from_millis(1999)).is_some());
        assert!(inner.live("b", now + ttl).is_none());
    }

    /// A session of exactly `max_bytes` (id, payload and the per-entry overhead) fits.
    #[test]
    fn a_session_of_exactly_max_bytes_fits() {
        let store = MemoryStore::new().max_bytes(1 + 1 + ENTRY_OVERHEAD);
        assert_saved(run(store.save(Record::new("a", b"1", Duration::from_secs(60), SaveMode::Create))));
        assert_eq!(store.len(), 1);
    }

    /// `revoke_user` counts the sessions it ended, not expired entries still in the index.
    #[test]
    fn revoke_user_does_not_count_expired_entries() {
        let store = MemoryStore::new();
        let live = Record::new("new", b"1", Duration::from_secs(60), SaveMode::Create).with_user(Some("ann"));
        assert_saved(run(store.save(live)));
        // Written at a past instant, so nothing purges it before the revocation.
        let long_ago = Instant::now().checked_sub(Duration::from_secs(10)).expect("an uptime of 10 s");
        let expired =
            Record::new("old", b"1", Duration::from_secs(1), SaveMode::Create).with_user(Some("ann"));
        assert_saved(store.save_at(expired, long_ago));
        assert_eq!(store.len(), 2);
        assert_eq!(run(store.revoke_user("ann")), 1);
        assert!(store.is_empty(), "both removed");
    }

    /// A forwarding entry is dropped once its life is over, not kept for ever (it would only be
    /// hidden by `forwarded`), and a live one is kept.
    #[test]
    fn forwarding_entries_are_purged_when_their_life_is_over() {
        let store = MemoryStore::new().forwarding(Duration::from_secs(1));
        let (ttl, now) = (Duration::from_secs(60), Instant::now());
        assert_saved(store.save_at(Record::new("a", b"1", ttl, SaveMode::Create), now));
        let rotation = Record::new("b", b"1", ttl, SaveMode::Create).replacing(Some("a"));
        assert_saved(store.save_at(rotation.with_expected(Some(b"1")), now));
        store.lock().purge_expired(now);
        assert_eq!(store.lock().forwards.len(), 1, "still within its life");
        store.lock().purge_expired(now + Duration::from_secs(1));
        assert!(store.lock().forwards.is_empty() && store.lock().forward_order.is_empty());
    }

    #[test]
    fn a_delete_of_a_rotated_id_follows_every_rotation() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        assert_saved(run(store.save(Record::new("a", b"1", ttl, SaveMode::Create))));
        for (old, new) in [("a", "b"), ("b", "c"), ("c", "d")] {
            let moved = Record::new(new, b"1", ttl, SaveMode::Create).replacing(Some(old));
            assert_saved(run(store.save(moved.with_expected(Some(b"1")))));
        }
        run(store.delete("a", None));
        assert_eq!(run(store.load("d")), None, "the session three rotations on is gone too");
        assert!(run(store.moved("a")), "the old id still says it moved");
    }

    #[test]
    fn create_update_touch_delete() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        assert_eq!(
            run(store.save(Record::new("a", b"1", ttl, SaveMode::Update))),
            Written::Absent,
            "update of nothing"
        );
        assert_saved(run(store.save(Record::new("a", b"1", ttl, SaveMode::Create))));
        assert_eq!(
            run(store.save(Record::new("a", b"2", ttl, SaveMode::Create))),
            Written::Conflict,
            "create never overwrites"
        );
        assert_saved(run(store.save(Record::new("a", b"3", ttl, SaveMode::Update))));
        assert_eq!(run(store.load("a")), Some(b"3".to_vec()));
        assert!(run(store.touch("a", ttl, None)));
        run(store.delete("a", None));
        assert_eq!(run(store.load("a")), None);
        assert!(!run(store.touch("a", ttl, None)));
    }

    #[test]
    fn expiry_is_enforced() {
        let store = MemoryStore::new();
        assert_saved(run(store.save(Record::new("a", b"1", Duration::from_millis(30), SaveMode::Create))));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(run(store.load("a")), None);
        assert!(!run(store.touch("a", Duration::from_secs(1), None)));
        assert_saved(run(store.save(Record::new("b", b"1", Duration::from_secs(1), SaveMode::Create))));
        assert_eq!(store.len(), 1, "the expired entry was purged");
    }

    #[test]
    fn bounded_by_entries_evicting_the_soonest_expiry() {
        let store = MemoryStore::new().max_entries(3);
        for (id, secs) in [("a", 10), ("b", 5), ("c", 20), ("d", 30)] {
            assert_saved(run(store.save(Record::new(id, b"x", Duration::from_secs(secs), SaveMode::Create))));
        }
        assert_eq!(store.len(), 3);
        assert_eq!(run(store.load("b")), None, "the entry closest to expiry was evicted");
        assert!(run(store.load("a")).is_some());
    }

    #[test]
    fn bounded_by_bytes() {
        // Ids of four bytes: an entry costs its id, its payload and the overhead, added.
        let store = MemoryStore::new().max_bytes(3 * (ENTRY_OVERHEAD + 4 + 100));
        assert!(store.is_empty());
        for i in 0..10 {
            let id = format!("id-{i}");
            assert_saved(run(store.save(Record::new(
                &id,
                &[b'x'; 100],
                Duration::from_secs(60 + i),
                SaveMode::Create,
            ))));
        }
        assert_eq!(store.len(), 3);
        assert!(!store.is_empty());
        let too_big = store.save(Record::new("big", &[0; 4096], Duration::from_secs(1), SaveMode::Create));
        assert!(matches!(now_or_never(too_big), Some(Err(StoreError::Backend(_)))));
    }

    #[test]
    fn revoke_user_ends_every_session_of_that_user_only() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        for (id, user) in [("a1", "ann"), ("a2", "ann"), ("b1", "bob")] {
            assert_saved(run(store.save(Record::new(id, b"x", ttl, SaveMode::Create).with_user(Some(user)))));
        }
        // a2 changes hands: no longer ann's.
        let moved = Record::new("a2", b"y", ttl, SaveMode::Update)
            .with_user(Some("bob"))
            .with_previous_user(Some("ann"));
        assert_saved(run(store.save(moved)));
        assert_eq!(run(store.revoke_user("ann")), 1);
        assert_eq!(run(store.load("a1")), None);
        assert!(run(store.load("a2")).is_some());
        assert_eq!(run(store.revoke_user("bob")), 2);
        assert!(store.is_empty());
    }
}
