//! A key ring as a format keeps it: every key derived once into the state the format verifies
//! with, the current key's state to sign or seal with, and the one walk all formats make over
//! the ring when a cookie comes in.

use super::Verified;
use crate::error::{Error, Rejection};
use crate::key::Keys;

/// The derived keys of a ring, for one format and one salt.
#[derive(Clone)]
pub(crate) struct Ring<K> {
    /// The states of the keys that may verify, with their ring index (current first); keys
    /// under the format's minimum length, or that its `derive` refuses, are left out.
    verifiers: Vec<(usize, K)>,
    /// The current key's state, or its length when it was left out: the format then cannot
    /// write (`Error::WeakKey`).
    signer: Result<K, usize>,
    /// The format's minimum key length, for the `WeakKey` error.
    min_len: usize,
}

impl<K> Ring<K> {
    /// `derive` applied to every key of `keys` at least `min_len` bytes long; a shorter key, or
    /// one `derive` refuses, is left out (the current key: the format cannot write).
    pub(crate) fn new(keys: &Keys, min_len: usize, derive: impl Fn(&[u8]) -> Option<K>) -> Self {
        let derive = |secret: &[u8]| if secret.len() < min_len { None } else { derive(secret) };
        let current = keys.current();
        Ring {
            verifiers: keys.derive_each(derive),
            signer: derive(current.expose_bytes()).ok_or(current.len()),
            min_len,
        }
    }

    /// The current key's state, to sign or seal with; `WeakKey` when it was left out.
    pub(crate) fn signer(&self) -> Result<&K, Error> {
        self.signer.as_ref().map_err(|&len| Error::WeakKey { len, min: self.min_len })
    }

    /// The walk: each key in ring order, current first, until `verifies` accepts one; its ring
    /// index. No key verifies: `BadSignature`. Stopping at the first keeps a current-key cookie
    /// at one attempt; a forged value costs one attempt per key.
    pub(crate) fn find(&self, mut verifies: impl FnMut(&K) -> bool) -> Result<usize, Rejection> {
        self.verifiers
            .iter()
            .find(|(_, key)| verifies(key))
            .map(|&(index, _)| index)
            .ok_or(Rejection::BadSignature)
    }

    /// `payload`, signed at `signed_at`, verified under ring key `key` (from [`find`](Self::find)):
    /// see [`Verified::by_key`] for when it is written again.
    pub(crate) fn verified(&self, payload: Vec<u8>, key: usize, signed_at: u64) -> Verified {
        Verified::by_key(payload, key, signed_at, self.signer.is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;

    fn secret(byte: u8) -> SecretKey {
        SecretKey::try_from(&[byte; 32][..]).unwrap()
    }

    /// A "state" that is the key's first byte; keys starting with 0, or under 32 bytes, are
    /// refused.
    fn ring(keys: &Keys) -> Ring<u8> {
        Ring::new(keys, 32, |secret: &[u8]| secret.first().copied().filter(|&b| b != 0))
    }

    #[test]
    fn the_walk_stops_at_the_first_key_in_ring_order() {
        let keys = Keys::new(secret(3)).with_fallbacks([secret(0), secret(2), secret(2)]);
        let ring = ring(&keys);
        let mut tried = Vec::new();
        assert_eq!(
            ring.find(|&k| {
                tried.push(k);
                k == 2
            }),
            Ok(2),
            "the refused key keeps its index"
        );
        assert_eq!(tried, [3, 2], "current first, stops at the first that verifies");
        assert_eq!(ring.find(|&k| k == 3), Ok(0));
        assert_eq!(ring.find(|_| false), Err(Rejection::BadSignature));
    }

    #[test]
    fn fallbacks_are_rewritten_only_when_the_current_key_can_write() {
        let keys = Keys::new(secret(3)).with_fallbacks([secret(2)]);
        assert!(!ring(&keys).verified(Vec::new(), 0, 1).rewrite);
        assert!(ring(&keys).verified(Vec::new(), 1, 1).rewrite);
        let refused = Keys::new(secret(0)).with_fallbacks([secret(2)]);
        assert!(matches!(ring(&refused).signer(), Err(Error::WeakKey { len: 32, min: 32 })));
        assert!(!ring(&refused).verified(Vec::new(), 1, 1).rewrite);
        let short = Keys::new(SecretKey::from_legacy(b"dev").unwrap()).with_fallbacks([secret(2)]);
        assert!(matches!(ring(&short).signer(), Err(Error::WeakKey { len: 3, min: 32 })));
        assert_eq!(ring(&short).find(|_| true), Ok(1), "a short key is left out of the walk");
    }
}
