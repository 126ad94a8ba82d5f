//! The Lua scripts of the Redis store. Each touches one key only (`KEYS[1]`), so every one of
//! them runs on Redis Cluster, whatever slot the key hashes to.
//!
//! A value that starts with byte 0xFF is a marker of this store, never a session: session
//! payloads are envelope JSON, valid UTF-8, in which that byte never occurs. The one marker is
//! the tombstone an id rotation leaves on the old key: `0xFF '>'` followed by the new key's id,
//! so that a sign-out or a revocation that still holds the old id follows it
//! (docs/design.md, "Id rotation on Redis Cluster"). Loads, updates and refreshes treat a
//! tombstone as no session.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::stamp;

/// The first byte of every marker value.
pub(super) const MARKER: u8 = 0xFF;

/// How long the tombstone of a rotated id lives by default
/// ([`forwarding`](super::RedisStoreBuilder::forwarding)): the longest a request that opened the
/// old id before the rotation may take to sign out or revoke and still reach the new one.
pub(super) const TOMBSTONE_TTL: Duration = Duration::from_secs(60);

/// Whether a stored value is the tombstone of a rotation (`0xFF '>'` and the new id).
pub(super) fn is_tombstone(value: &[u8]) -> bool {
    value.starts_with(&[MARKER, b'>'])
}

/// Whether a stored value is a marker rather than a session.
pub(super) fn is_marker(value: &[u8]) -> bool {
    value.first() == Some(&MARKER)
}

/// An update of `KEYS[1]`: 0 when it holds no session, 3 when it is the tombstone of a rotation
/// (the session moved: the write is refused, never followed), 2 when it no longer holds the
/// expected payload (ARGV[3], when ARGV[4] is "1"), else the write
/// (`SET … PX ARGV[2]`) and 1.
///
/// Idempotent: ARGV[1] is stamped with its write id ARGV[5] and the id of the write it replaced
/// ([`stamp`](super::stamp)). When the compare fails, the write has already run if the key holds
/// exactly ARGV[1], or a value whose stamp names ARGV[5] as the write it replaced (one write
/// followed it): 1 at once. So this write run again after its answer was lost (the connection's
/// one retry, the cluster client's own) recognises its own success instead of merging onto the
/// newer write and, under `last_write`, undoing it. A first send pays nothing for this: the
/// check runs only on a failed compare.
pub(super) static UPDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r#"
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.byte(current, 1) == 255 then
  if string.sub(current, 2, 2) == '>' then return 3 end
  return 0
end
if ARGV[4] == '1' and current ~= ARGV[3] then
  if current == ARGV[1] then return 1 end
  if ARGV[5] ~= '' and string.sub(current, {open_from}, {open_to}) == ',"w":"'
    and string.sub(current, {parent_from}, {parent_to}) == ARGV[5] then return 1 end
  return 2
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1"#,
        open_from = stamp::LUA_OPEN.0,
        open_to = stamp::LUA_OPEN.1,
        parent_from = stamp::LUA_PARENT.0,
        parent_to = stamp::LUA_PARENT.1,
    ))
});

/// A new id, `KEYS[1]`: 1 after writing ARGV[1] with `PX` ARGV[2] when the key was free, or when
/// it already holds exactly ARGV[1] (this write, retried after its answer was lost); else 2.
pub(super) static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local current = redis.call('GET', KEYS[1])
if current then
  if current == ARGV[1] then return 1 end
  return 2
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1",
    )
});

/// The second step of an id rotation, on the old key `KEYS[1]`: 0 when it holds no session, 3
/// when it is the tombstone of another rotation, 2 when it no longer holds the expected payload
/// (ARGV[3], ARGV[4] as in [`UPDATE`]), else it becomes the tombstone pointing at the new id
/// ARGV[1], living ARGV[2] ms, and 1. Already that tombstone (this step retried after its answer
/// was lost): 1.
pub(super) static RETIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local tombstone = '\255>' .. ARGV[1]
local current = redis.call('GET', KEYS[1])
if current == tombstone then return 1 end
if not current then return 0 end
if string.byte(current, 1) == 255 then
  if string.sub(current, 2, 2) == '>' then return 3 end
  return 0
end
if ARGV[4] == '1' and current ~= ARGV[3] then return 2 end
redis.call('SET', KEYS[1], tombstone, 'PX', ARGV[2])
return 1",
    )
});

/// A destroy of `KEYS[1]`: `{1, ''}` when it deleted a session, `{0, id}` when the key is the
/// tombstone of a rotation to `id` (left in place, so that a retried destroy follows it too),
/// `{0, ''}` when there was nothing.
pub(super) static DESTROY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local current = redis.call('GET', KEYS[1])
if not current then return {0, ''} end
if string.byte(current, 1) == 255 then
  if string.sub(current, 2, 2) == '>' then return {0, string.sub(current, 3)} end
  return {0, ''}
end
redis.call('DEL', KEYS[1])
return {1, ''}",
    )
});

/// A refresh of `KEYS[1]` to ARGV[1] ms: 1 when it holds a session, else 0 (a tombstone keeps
/// its own short life).
pub(super) static TOUCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local first = redis.call('GETRANGE', KEYS[1], 0, 0)
if first == '' or string.byte(first, 1) == 255 then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[1])",
    )
});

/// A TTL in whole milliseconds, at least 1 (`PX 0` is an error).
pub(super) fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_never_json() {
        assert!(is_marker(b"\xff>abc"));
        assert!(!is_marker(b"{\"a\":1}"));
        assert!(!is_marker(b""));
        assert!(!is_marker("\u{ff}".as_bytes()), "U+00FF in UTF-8 starts with 0xC3");
    }

    #[test]
    fn a_ttl_is_at_least_one_millisecond() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(millis(Duration::MAX), u64::MAX);
    }
}
