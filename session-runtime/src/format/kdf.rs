//! Per-purpose keys derived from the secret keys of the ring. The encrypted format never uses a
//! secret as an AES key: it uses HKDF-SHA256 (RFC 5869) with its own `info`, so the cipher key and
//! the native format's MAC key (`HMAC(secret, "session-runtime/native/v1" 0 salt)`, format/native.rs)
//! are independent even though both come from the same secret.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The HKDF `info` of the encrypted format's key: the purpose, the format version and the
/// algorithm. A later version or another algorithm gets another `info`, hence another key.
pub(crate) const SEALING_INFO: &[u8] = b"session-runtime/sealed/v1 aes-256-gcm-siv";

/// The length of an AES-256 key.
pub(crate) const SEALING_KEY_LEN: usize = 32;

/// `HKDF-SHA256(ikm = secret, salt = salt, info = SEALING_INFO)`, 32 bytes: the AES-256-GCM-SIV key
/// of the encrypted format for one key of the ring. `salt` is the backend's salt (Flask's
/// `"cookie-session"` by default), so backends with different salts never share a key. `None`
/// never happens (HKDF refuses only outputs over 255 × 32 bytes); the caller then leaves the key
/// out of the ring rather than use a made-up one. The bytes are zeroized when dropped, once the
/// cipher has its key schedule (which zeroizes itself: the `aes` crate's `zeroize` feature).
pub(crate) fn sealing_key(secret: &[u8], salt: &[u8]) -> Option<Zeroizing<[u8; SEALING_KEY_LEN]>> {
    let mut okm = Zeroizing::new([0u8; SEALING_KEY_LEN]);
    Hkdf::<Sha256>::new(Some(salt), secret).expand(SEALING_INFO, &mut okm[..]).ok()?;
    Some(okm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869 test case 1 (HKDF-SHA256): our use of the crate computes the standard function.
    #[test]
    fn rfc5869_case_1() {
        let ikm = [0x0bu8; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let mut okm = [0u8; 42];
        Hkdf::<Sha256>::new(Some(&salt), &ikm).expand(&info, &mut okm).unwrap();
        let expected = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
        let hex: String = okm.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }

    /// A 32-byte output never fails; keys differ per secret and per salt.
    #[test]
    fn keys_depend_on_secret_and_salt() {
        let key = |secret: &[u8], salt: &[u8]| sealing_key(secret, salt).map(|key| *key);
        let a = key(&[1; 32], b"cookie-session").unwrap();
        assert_ne!(a, [0; 32]);
        assert_ne!(Some(a), key(&[2; 32], b"cookie-session"));
        assert_ne!(Some(a), key(&[1; 32], b"other"));
        assert_ne!(Some(a), key(&[1; 32], b""));
    }
}
