//! Encrypted ("sealed") format v1, for `#[session(encrypted)]`:
//!
//! ```text
//! value      = b64(VERSION NONCE CIPHERTEXT TAG)     one canonical base64url token: no padding, no "."
//! VERSION    = 0x01                                  1 byte
//! NONCE      = 12 bytes from the OS CSPRNG, fresh for every write (fetched 16 at a time)
//! CIPHERTEXT = AES-256-GCM-SIV(key, NONCE, SIGNED_AT JSON, aad = NAME VERSION)   as long as its input
//! TAG        = its 16-byte authentication tag
//! SIGNED_AT  = unix seconds of the write, 8 bytes big-endian
//! key        = HKDF-SHA256(ikm = secret, salt = SALT, info = "session-runtime/sealed/v1 aes-256-gcm-siv")
//! ```
//!
//! A signed value always holds two dots and a sealed one none, so neither is ever read as the
//! other. The cookie name and the version are the associated data: a value moved to another
//! cookie or rewritten with another version byte does not open. Nothing is compressed (the length
//! of compressed secrets beside attacker-chosen data leaks them; docs/security.md). A forged value
//! costs at most one AEAD attempt per key of the ring (no key id travels in the clear;
//! docs/design.md says why), and nothing decrypted is looked at before its tag has verified.

use aes_gcm_siv::aead::{AeadInOut, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Nonce, Tag};

use super::ring::Ring;
use super::{Verified, base64url, kdf, native, timestamp};
use crate::error::{Error, Rejection};
use crate::key::{Keys, MIN_NATIVE_KEY_LEN};

/// The version byte of the encrypted format v1.
pub(crate) const VERSION: u8 = 0x01;
/// The AES-GCM-SIV nonce length.
pub(crate) const NONCE_LEN: usize = 12;
/// The AES-GCM-SIV tag length.
pub(crate) const TAG_LEN: usize = 16;
/// The signing time inside the sealed message.
const SIGNED_AT_LEN: usize = 8;
/// What a sealed value adds to the JSON, in bytes before base64url: 37.
pub(crate) const OVERHEAD: usize = 1 + NONCE_LEN + SIGNED_AT_LEN + TAG_LEN;

/// The encrypted format keyed by a key ring: one AES-256-GCM-SIV instance per key, each under the
/// key HKDF derives from that secret, made once; secrets under 32 bytes are left out (and a
/// current secret under 32 bytes cannot seal).
#[derive(Clone)]
pub(crate) struct SealedFormat {
    ring: Ring<Aes256GcmSiv>,
}

impl SealedFormat {
    pub(crate) fn new(keys: &Keys, salt: &[u8]) -> Self {
        SealedFormat {
            ring: Ring::new(keys, MIN_NATIVE_KEY_LEN, |secret| {
                Aes256GcmSiv::new_from_slice(&kdf::sealing_key(secret, salt)?[..]).ok()
            }),
        }
    }

    /// `prefix` followed by the sealed value of `json` for the cookie `name` at time `now`, under a
    /// fresh nonce from the OS, with room for exactly `room` more bytes (the attributes of a
    /// `Set-Cookie` line).
    pub(crate) fn seal_after(
        &self,
        prefix: &[&str],
        name: &str,
        json: &[u8],
        now: u64,
        room: usize,
    ) -> Result<String, Error> {
        let sealer = self.ring.signer()?;
        let nonce = fresh_nonce()?;
        seal_parts(sealer, prefix, name, VERSION, &nonce, &[&now.to_be_bytes(), json], room)
    }

    /// The test-only hook behind golden vectors and hostile tests: seals the message
    /// `parts` (concatenated; normally `SIGNED_AT JSON`) as `version` under `nonce`, taken as
    /// given. Never used by a save, which always takes a fresh nonce from the OS.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn seal_raw(
        &self,
        name: &str,
        version: u8,
        nonce: &[u8; NONCE_LEN],
        parts: &[&[u8]],
    ) -> Result<String, Error> {
        seal_parts(self.ring.signer()?, &[], name, version, nonce, parts, 0)
    }

    /// Opens a sealed `value` for the cookie `name` and returns its JSON. Order: length and shape,
    /// base64url, version, then one AEAD attempt per key, then the signing time; only the
    /// verified message is read.
    pub(crate) fn open(
        &self,
        name: &str,
        value: &[u8],
        max_age: u64,
        future_skew: u64,
        now: u64,
    ) -> Result<Verified, Rejection> {
        if value.len() < super::encoded_len(OVERHEAD) {
            return Err(Rejection::Malformed);
        }
        // `NAME VERSION` is the associated data; decoding right behind the name makes it one
        // slice without another buffer.
        let at = name.len();
        let mut buffer = Vec::with_capacity(at + value.len() / 4 * 3 + 2);
        buffer.extend_from_slice(name.as_bytes());
        base64url::decode_append(value, &mut buffer).ok_or(Rejection::Malformed)?;
        if buffer.get(at) != Some(&VERSION) || buffer.len() - at < OVERHEAD {
            return Err(Rejection::Malformed);
        }
        let (aad, sealed) = buffer.split_at_mut_checked(at + 1).ok_or(Rejection::Malformed)?;
        let (nonce, rest) = sealed.split_at_mut_checked(NONCE_LEN).ok_or(Rejection::Malformed)?;
        let tag_at = rest.len().checked_sub(TAG_LEN).ok_or(Rejection::Malformed)?;
        let (message, tag) = rest.split_at_mut_checked(tag_at).ok_or(Rejection::Malformed)?;
        let nonce = Nonce::try_from(&*nonce).map_err(|_| Rejection::Malformed)?;
        let tag = Tag::try_from(&*tag).map_err(|_| Rejection::Malformed)?;
        // A failed attempt leaves the ciphertext as it was (aes-gcm-siv re-encrypts in place), so
        // the next key sees the original bytes.
        let key = self.ring.find(|key| {
            #[cfg(any(test, feature = "testing"))]
            attempts::count();
            key.decrypt_inout_detached(&nonce, aad, (&mut *message).into(), &tag).is_ok()
        })?;
        let signed_at = message.first_chunk::<SIGNED_AT_LEN>().ok_or(Rejection::Malformed)?;
        let signed_at = u64::from_be_bytes(*signed_at);
        timestamp::check_age(signed_at, now, max_age, future_skew)?;
        // The JSON, moved to the front of the same buffer (no allocation).
        let json_at = at + 1 + NONCE_LEN + SIGNED_AT_LEN;
        buffer.truncate(at + 1 + NONCE_LEN + tag_at);
        buffer.drain(..json_at);
        Ok(self.ring.verified(buffer, key, signed_at))
    }
}

/// What opening an encrypted session needs of its config (the format does not depend on the
/// config module, which depends on it).
pub(crate) struct SealedOpening<'a> {
    /// The cookie name (associated data).
    pub(crate) name: &'a str,
    /// The lifetime in seconds.
    pub(crate) max_age: u64,
    /// Whether signed cookies are accepted (`accept_signed`) and re-written sealed.
    pub(crate) accept_signed: bool,
}

/// The open of an encrypted session: a sealed value, or, with `accept_signed`, a signed value of
/// the native format to be re-written sealed ([`Verified::rewrite`]); a signed value without the
/// opt-in is [`Rejection::NotEncrypted`], refused before any key is used.
pub(crate) fn open_encrypted(
    sealed: &SealedFormat,
    native: &native::NativeFormat,
    opening: SealedOpening<'_>,
    value: &[u8],
    future_skew: u64,
    now: u64,
) -> Result<Verified, Rejection> {
    let SealedOpening { name, max_age, accept_signed } = opening;
    if memchr::memchr(b'.', value).is_some() {
        if !accept_signed {
            return Err(Rejection::NotEncrypted);
        }
        // Accepted signed: written again sealed, whichever key verified it.
        let verified = native.unsign(name, value, max_age, future_skew, now)?;
        return Ok(Verified { rewrite: true, ..verified });
    }
    sealed.open(name, value, max_age, future_skew, now)
}

/// Whether `value` has the shape of a sealed value (no dot, long enough, version byte first),
/// without any key: it says nothing of whether the value opens.
pub(crate) fn looks_sealed(value: &[u8]) -> bool {
    memchr::memchr(b'.', value).is_none()
        && value.len() >= super::encoded_len(OVERHEAD)
        && value
            .get(..4)
            .and_then(base64url::decode_array::<3>)
            .is_some_and(|(head, _)| head.first() == Some(&VERSION))
}

/// Nonces fetched from the OS per system call (each thread keeps its own batch).
const NONCES_PER_FETCH: usize = 16;

/// A batch of nonces from the OS, handed out once each, by the process that fetched it.
struct NoncePool {
    bytes: [u8; NONCE_LEN * NONCES_PER_FETCH],
    /// How many of the batch are used; a full count means "fetch a new batch".
    used: usize,
    /// Sees a `fork()` since the batch was fetched: a child inherits the batch and must not hand
    /// out what its parent will hand out too. `None` until the first fetch, or when the fork
    /// handler could not be registered (then every write fetches: safe, one system call each).
    forks: Option<forkguard::Guard>,
}

thread_local! {
    /// This thread's batch; empty until the first write.
    static POOL: std::cell::RefCell<NoncePool> = const {
        std::cell::RefCell::new(NoncePool { bytes: [0; NONCE_LEN * NONCES_PER_FETCH], used: NONCES_PER_FETCH, forks: None })
    };
}

/// 12 bytes from the operating system's CSPRNG, never handed out twice: one `getrandom` call
/// serves 16 writes of a thread (a system call per write cost more than the encryption;
/// docs/design.md). A batch serves only the process that fetched it: a `pthread_atfork` child
/// handler (the `forkguard` crate) counts forks, so a forked child sees the count move and
/// fetches its own batch; checking it is one atomic load, where asking the process id is a
/// system call per write (docs/security.md, "Nonce policy").
fn fresh_nonce() -> Result<[u8; NONCE_LEN], Error> {
    POOL.with_borrow_mut(|pool| {
        let forked = match &mut pool.forks {
            Some(forks) => forks.detected_fork() || fork_seam::pretended(),
            None => true,
        };
        if pool.used >= NONCES_PER_FETCH || forked {
            if pool.forks.is_none() {
                pool.forks = forkguard::Guard::try_new().ok();
            }
            getrandom::fill(&mut pool.bytes).map_err(|_| Error::Random)?;
            pool.used = 0;
        }
        let slot = pool.bytes.chunks_exact_mut(NONCE_LEN).nth(pool.used).ok_or(Error::Random)?;
        let nonce = <[u8; NONCE_LEN]>::try_from(&*slot).map_err(|_| Error::Random)?;
        // Wiped once handed out, so the batch in memory never holds a nonce already used.
        slot.fill(0);
        pool.used += 1;
        Ok(nonce)
    })
}

/// The unit tests' stand-in for `fork()`: the thread's next write acts as a forked child's, with
/// its nonce batch as it was (tests/sealed_fork.rs forks for real). Outside unit tests, never.
mod fork_seam {
    #[cfg(test)]
    thread_local! {
        pub(super) static PRETEND: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Whether a unit test pretends this thread was just forked (once).
    #[cfg(test)]
    pub(super) fn pretended() -> bool {
        PRETEND.with(|pretend| pretend.replace(false))
    }

    #[cfg(not(test))]
    pub(super) const fn pretended() -> bool {
        false
    }
}

/// The test-only count of AEAD open attempts (feature `testing`), so "at most one attempt per key
/// of the ring" is measured: per thread, as an open runs on the caller's thread.
#[cfg(any(test, feature = "testing"))]
pub(crate) mod attempts {
    use std::cell::Cell;

    thread_local! {
        static ATTEMPTS: Cell<u64> = const { Cell::new(0) };
    }

    /// One more AEAD open attempt on this thread.
    pub(crate) fn count() {
        ATTEMPTS.with(|attempts| attempts.set(attempts.get() + 1));
    }

    /// The AEAD open attempts made on this thread so far.
    pub(crate) fn so_far() -> u64 {
        ATTEMPTS.with(Cell::get)
    }
}

/// `prefix`, then `b64(version nonce CIPHERTEXT TAG)` of the message `parts`, in a buffer with
/// room for `room` more bytes. One scratch buffer holds `NAME version nonce message tag`, so the
/// associated data is a slice of it and the message is encrypted in place.
fn seal_parts(
    sealer: &Aes256GcmSiv,
    prefix: &[&str],
    name: &str,
    version: u8,
    nonce: &[u8; NONCE_LEN],
    parts: &[&[u8]],
    room: usize,
) -> Result<String, Error> {
    let message_len: usize = parts.iter().map(|part| part.len()).sum();
    let sealed_len = 1 + NONCE_LEN + message_len + TAG_LEN;
    let at = name.len();
    let mut buffer = Vec::with_capacity(at + sealed_len);
    buffer.extend_from_slice(name.as_bytes());
    buffer.push(version);
    buffer.extend_from_slice(nonce);
    parts.iter().for_each(|part| buffer.extend_from_slice(part));
    let (aad, rest) = buffer.split_at_mut(at + 1);
    let message = rest.get_mut(NONCE_LEN..).unwrap_or_default();
    // Fails only past 2^36 bytes; `MAX_SESSION_JSON` keeps a session far below.
    let tag = sealer
        .encrypt_inout_detached(&Nonce::from(*nonce), aad, message.into())
        .map_err(|_| Error::Serialize("AES-GCM-SIV refused the message".to_owned()))?;
    buffer.extend_from_slice(&tag);
    let start: usize = prefix.iter().map(|part| part.len()).sum();
    let mut line = String::with_capacity(start + super::encoded_len(sealed_len) + room);
    prefix.iter().for_each(|part| line.push_str(part));
    base64url::encode_into(buffer.get(at..).unwrap_or_default(), &mut line);
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;

    fn format() -> SealedFormat {
        SealedFormat::new(&Keys::new(SecretKey::try_from(&[42u8; 32][..]).unwrap()), b"cookie-session")
    }

    #[test]
    fn nonces_are_never_repeated_across_batches() {
        let nonces: std::collections::HashSet<[u8; NONCE_LEN]> =
            (0..NONCES_PER_FETCH * 4 + 3).map(|_| fresh_nonce().unwrap()).collect();
        assert_eq!(nonces.len(), NONCES_PER_FETCH * 4 + 3);
        assert!(!nonces.contains(&[0; NONCE_LEN]), "a wiped slot is never handed out");
    }

    /// A child of `fork()` inherits the thread's batch: it must fetch its own rather than hand
    /// out the nonces its parent will.
    #[test]
    fn a_fork_fetches_a_new_batch() {
        // The nonce this thread's batch hands out next (all zero past its end).
        let peek_next = || {
            POOL.with_borrow(|pool| {
                let at = pool.used.min(NONCES_PER_FETCH - 1) * NONCE_LEN;
                <[u8; NONCE_LEN]>::try_from(&pool.bytes[at..at + NONCE_LEN]).unwrap()
            })
        };
        fresh_nonce().unwrap();
        if POOL.with_borrow(|pool| pool.used) == NONCES_PER_FETCH {
            fresh_nonce().unwrap();
        }
        let parent_next = peek_next();
        assert_ne!(parent_next, [0; NONCE_LEN]);
        fork_seam::PRETEND.with(|pretend| pretend.set(true));
        let child = fresh_nonce().unwrap();
        assert_ne!(child, parent_next, "the child took its parent's next nonce");
        assert_eq!(POOL.with_borrow(|pool| pool.used), 1, "the child fetched a batch of its own");
        // Without a fork the batch serves on.
        let next = peek_next();
        assert_eq!(fresh_nonce().unwrap(), next);
    }

    #[test]
    fn aead_attempts_are_counted_per_key_tried() {
        let ring = Keys::new(SecretKey::try_from(&[2u8; 32][..]).unwrap()).with_fallbacks([
            SecretKey::try_from(&[3u8; 32][..]).unwrap(),
            SecretKey::try_from(&[1u8; 32][..]).unwrap(),
        ]);
        let old = Keys::new(SecretKey::try_from(&[1u8; 32][..]).unwrap());
        let value = SealedFormat::new(&old, b"s").seal_after(&[], "s", b"{}", 5, 0).unwrap();
        let before = attempts::so_far();
        SealedFormat::new(&ring, b"s").open("s", value.as_bytes(), 10, 0, 5).unwrap();
        assert_eq!(attempts::so_far() - before, 3);
    }

    #[test]
    fn round_trip_name_binding_and_fresh_nonces() {
        let f = format();
        let json = br#"{"v":{"a":1}}"#;
        let value = f.seal_after(&[], "session", json, 1_000, 0).unwrap();
        assert!(looks_sealed(value.as_bytes()), "{value}");
        assert!(!value.contains('.'));
        assert_eq!(value.len(), super::super::encoded_len(OVERHEAD + json.len()));
        assert_eq!(f.open("session", value.as_bytes(), 10, 0, 1_005).unwrap().payload, json);
        assert_eq!(f.open("other", value.as_bytes(), 10, 0, 1_005), Err(Rejection::BadSignature));
        assert_eq!(f.open("session", value.as_bytes(), 10, 0, 1_011), Err(Rejection::Expired));
        assert_eq!(f.open("session", value.as_bytes(), 10, 0, 999), Err(Rejection::NotYetValid));
        let again = f.seal_after(&[], "session", json, 1_000, 0).unwrap();
        assert_ne!(value, again, "a fresh nonce per write");
        let salted = SealedFormat::new(&Keys::new(SecretKey::try_from(&[42u8; 32][..]).unwrap()), b"x");
        assert_eq!(salted.open("session", value.as_bytes(), 10, 0, 1_005), Err(Rejection::BadSignature));
    }

    #[test]
    fn fallback_keys_open_and_short_keys_cannot_seal() {
        let old = Keys::new(SecretKey::try_from(&[1u8; 32][..]).unwrap());
        let value = SealedFormat::new(&old, b"s").seal_after(&[], "s", b"{}", 5, 0).unwrap();
        let ring = Keys::new(SecretKey::try_from(&[2u8; 32][..]).unwrap())
            .with_fallbacks([SecretKey::try_from(&[1u8; 32][..]).unwrap()]);
        assert_eq!(
            SealedFormat::new(&ring, b"s").open("s", value.as_bytes(), 10, 0, 5).unwrap().payload,
            b"{}"
        );
        let short = SealedFormat::new(&Keys::new(SecretKey::from_legacy(b"dev").unwrap()), b"s");
        assert!(matches!(short.seal_after(&[], "s", b"{}", 1, 0), Err(Error::WeakKey { len: 3, min: 32 })));
        assert_eq!(short.open("s", value.as_bytes(), 10, 0, 5), Err(Rejection::BadSignature));
    }

    #[test]
    fn versions_other_than_1_are_refused_before_any_key() {
        let f = format();
        for version in [0x00, 0x02, 0xff] {
            let value = f.seal_raw("s", version, &[7; NONCE_LEN], &[&5u64.to_be_bytes(), b"{}"]).unwrap();
            assert_eq!(f.open("s", value.as_bytes(), 10, 0, 5), Err(Rejection::Malformed), "{version}");
            assert!(!looks_sealed(value.as_bytes()));
        }
    }
}
