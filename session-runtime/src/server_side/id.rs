//! Session ids: 192 random bits from the OS CSPRNG, written as 32 characters of base64url.

use crate::error::Error;
use crate::error::StoreError;
use crate::format::base64url;

/// Random bytes per session id: 192 bits from the OS CSPRNG.
const ID_BYTES: usize = 24;
/// Length of an id in base64url.
const ID_LEN: usize = 32;

/// A new session id: 192 bits from the OS CSPRNG, base64url.
pub(super) fn new_id() -> Result<String, Error> {
    let mut bytes = [0u8; ID_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Store(StoreError::Backend(format!("the OS random generator failed: {e}"))))?;
    let mut id = String::with_capacity(ID_LEN);
    base64url::encode_into(&bytes, &mut id);
    Ok(id)
}

/// A write id: unique among the writes of every process, 22 characters of base64url. A store
/// that may run one write twice (the Redis store's one retry after a dropped connection) records
/// it with the write, so the second run recognises the first one's success.
///
/// It only has to be unique, not unguessable (nobody outside the process ever chooses one), so
/// it is 64 random bits drawn once per process and a 64-bit counter: no system call per write.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(super) fn write_id() -> Result<String, StoreError> {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PROCESS: OnceLock<[u8; 8]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = match PROCESS.get() {
        Some(process) => process,
        None => {
            let mut drawn = [0u8; 8];
            getrandom::fill(&mut drawn)
                .map_err(|e| StoreError::Backend(format!("the OS random generator failed: {e}")))?;
            PROCESS.get_or_init(|| drawn)
        }
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(process);
    bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let mut id = String::with_capacity(22);
    base64url::encode_into(&bytes, &mut id);
    Ok(id)
}

/// Whether `bytes` has the shape of an id (checked before the store is asked).
pub(super) fn is_id(bytes: &[u8]) -> bool {
    bytes.len() == ID_LEN && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_well_formed() {
        let a = new_id().unwrap();
        let b = new_id().unwrap();
        assert_ne!(a, b);
        assert!(is_id(a.as_bytes()), "{a}");
        assert!(!is_id(b"short"));
        let (c, d) = (write_id().unwrap(), write_id().unwrap());
        assert_ne!(c, d);
        assert_eq!(c.len(), 22);
        assert_eq!(c[..10], d[..10], "one process prefix");
    }

    /// Only base64url of the right length is an id: anything else a signed cookie might carry
    /// (a path, padding, another encoding) is refused before it becomes a store key.
    #[test]
    fn only_base64url_of_an_ids_length_is_an_id() {
        let id = "AZaz09-_".repeat(4);
        assert!(is_id(id.as_bytes()));
        for bad in ['/', '.', '=', '+', ' ', ':', '\u{e9}'] {
            let mut other = id[..31].to_owned();
            other.push(bad);
            assert!(!is_id(other.as_bytes()), "{other:?}");
            let other = format!("{bad}{}", &id[1..]);
            assert!(!is_id(other.as_bytes()), "{other:?}");
        }
        assert!(!is_id(format!("{id}A").as_bytes()));
        assert!(!is_id(&id.as_bytes()[..31]));
    }
}
