//! Listing a user's sessions on Redis: the index set, then each session key with its remaining
//! life, every read on one key (so it runs on Redis Cluster) and all of them at once.

use std::time::Duration;

use futures_util::future::try_join_all;

use super::scripts::is_marker;
use super::{RedisStore, store_error};
use crate::backend::StoredSession;
use crate::error::StoreError;

impl RedisStore {
    /// The live sessions in `user`'s index: one `SMEMBERS`, then per id one pipeline of `GET`
    /// and `PTTL` on its key, sent together (one round trip each, in parallel). Ids whose key
    /// expired, or holds a rotation's tombstone, are left out; the index is not written (a
    /// listing is a read).
    pub(super) async fn listed(&self, user: &str) -> Result<Vec<StoredSession>, StoreError> {
        let ids = self.indexed(user).await?;
        let connection = self.connection()?;
        let read = try_join_all(ids.into_iter().map(|id| {
            let mut connection = connection.clone();
            let key = self.session_key(&id);
            async move {
                let (value, ttl): (Option<Vec<u8>>, i64) = redis::pipe()
                    .cmd("GET")
                    .arg(&key)
                    .cmd("PTTL")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
                    .map_err(store_error)?;
                Ok::<_, StoreError>(live(id, value, ttl))
            }
        }))
        .await?;
        Ok(read.into_iter().flatten().collect())
    }
}

/// A listed session from what its key held: `None` for a missing key, a marker, or a key
/// without a positive remaining life (`PTTL` answers -2 for a key gone meanwhile, -1 for one
/// without expiry, which this store never writes).
fn live(id: String, value: Option<Vec<u8>>, ttl_ms: i64) -> Option<StoredSession> {
    let payload = value.filter(|value| !is_marker(value))?;
    let ms = u64::try_from(ttl_ms).ok().filter(|&ms| ms > 0)?;
    Some(StoredSession::new(id, payload, Duration::from_millis(ms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_live_sessions_are_listed() {
        let listed = live("a".into(), Some(b"{}".to_vec()), 1500).expect("a session");
        assert_eq!(listed.expires_in, Duration::from_millis(1500));
        assert!(live("a".into(), None, 1500).is_none(), "gone");
        assert!(live("a".into(), Some(b"\xff>b".to_vec()), 1500).is_none(), "a tombstone");
        assert!(live("a".into(), Some(b"{}".to_vec()), -2).is_none(), "expired between the reads");
        assert!(live("a".into(), Some(b"{}".to_vec()), -1).is_none(), "no expiry");
        assert!(live("a".into(), Some(b"{}".to_vec()), 0).is_none());
    }
}
