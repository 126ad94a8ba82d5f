//! The in-process cache of users' epochs: one read lock per hit, bounded in size.
//!
//! Hashed with foldhash, not the standard library's SipHash-1-3: a hit is on every open of a
//! revocable session, and SipHash was most of its cost. foldhash is seeded at random per process
//! and its keys are users with a verified cookie, so flooding one bucket needs that many
//! signed-in accounts, and the size bound below caps the map anyway.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// At most this many users are cached; past it, expired entries are dropped, then all. A user
/// must be signed in (a verified cookie) to get an entry, so the bound is against memory growth
/// on a large site, not against forgery.
const MAX_ENTRIES: usize = 100_000;

/// Each user's epoch and the second (of the cache's clock) until which it is used.
#[derive(Debug, Default)]
pub(super) struct Cache {
    entries: RwLock<HashMap<Box<str>, (u64, u64), foldhash::fast::RandomState>>,
}

impl Cache {
    /// The cached epoch of `user`, if it is still fresh at `now`.
    pub(super) fn get(&self, user: &str, now: u64) -> Option<u64> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.get(user).filter(|&&(_, until)| now < until).map(|&(epoch, _)| epoch)
    }

    /// Caches `epoch` for `user` from `now` until `until` (exclusive). Never lowers a cached epoch
    /// that is still fresh: a slow read that started before a bump must not undo the bump here (a
    /// stale entry is replaced, so a source restored to lower epochs is followed).
    pub(super) fn put(&self, user: &str, epoch: u64, now: u64, until: u64) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(user) {
            entries.retain(|_, &mut (_, fresh_until)| now < fresh_until);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        match entries.get_mut(user) {
            Some(entry) if now < entry.1 => *entry = (entry.0.max(epoch), until),
            Some(entry) => *entry = (epoch, until),
            None => {
                entries.insert(user.into(), (epoch, until));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_until_the_cache_time_passes() {
        let cache = Cache::default();
        assert_eq!(cache.get("ann", 10), None);
        cache.put("ann", 3, 10, 11);
        assert_eq!(cache.get("ann", 10), Some(3));
        assert_eq!(cache.get("ann", 11), None, "one second of cache: stale in the next second");
        cache.put("ann", 5, 11, 12);
        cache.put("ann", 2, 11, 12);
        assert_eq!(cache.get("ann", 11), Some(5), "a fresh entry is never lowered");
        cache.put("ann", 1, 12, 13);
        assert_eq!(cache.get("ann", 12), Some(1), "a stale one is replaced (a restored source)");
    }
}
