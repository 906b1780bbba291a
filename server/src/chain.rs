//! Tamper evidence: each record's SHA-256 covers the previous record's hash of the same consent id, so editing,
//! removing or reordering a stored event breaks every hash after it ([`crate::verify`] finds the break).
//! A receipt signs the hash with Ed25519 where it is not batched ([`crate::merkle::SignedBatch`] signs one tree
//! head per group commit instead); signatures are deterministic, so each replay gets the same bytes.
//!
//! Two record formats exist: [`FORMAT_V1`] (before issue 12; the `seq` column was outside the hash) is still
//! verified where old records remain; every new record is [`FORMAT_V2`], whose hash also covers `seq`. A chain
//! alone cannot stop someone who rewrites a record and recomputes every hash after it: the signed checkpoints of
//! [`crate::merkle`] do.

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The `prev_hash` of a consent id's first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The first record format: `seq` (as a column) outside the hash.
pub const FORMAT_V1: i64 = 1;
/// The current format: every identifying field, `seq` included, inside the hash.
pub const FORMAT_V2: i64 = 2;

/// Everything a record's hash covers.
pub struct Link<'a> {
    /// [`FORMAT_V1`] or [`FORMAT_V2`].
    pub format: i64,
    pub prev_hash: &'a str,
    pub consent_id: &'a str,
    /// 1 for the first record of a consent id, then 2, 3, ...
    pub pos: i64,
    /// The event's `seq` (covered from [`FORMAT_V2`] on).
    pub seq: i64,
    /// The event's canonical JSON.
    pub event: &'a str,
    pub received_at: i64,
    pub origin: Option<&'a str>,
    pub ip_prefix: Option<&'a str>,
}

impl Link<'_> {
    /// The record's hash, hex. Fields are length-prefixed so no two different records share an input.
    pub fn hash(&self) -> String {
        hex(&self.digest())
    }

    /// The record's hash as bytes. An unknown format hashes as the current one (and so fails to verify if the
    /// format was edited).
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        if self.format == FORMAT_V1 {
            field(b"kuki-record-v1");
        } else {
            field(b"kuki-record-v2");
            field(&self.seq.to_be_bytes());
        }
        field(self.prev_hash.as_bytes());
        field(self.consent_id.as_bytes());
        field(&self.pos.to_be_bytes());
        field(self.event.as_bytes());
        field(&self.received_at.to_be_bytes());
        field(self.origin.unwrap_or("").as_bytes());
        field(self.ip_prefix.unwrap_or("").as_bytes());
        h.finalize().into()
    }
}

/// The server's receipt key.
#[derive(Clone)]
pub struct ReceiptSigner {
    key: SigningKey,
}

impl ReceiptSigner {
    pub fn generate() -> ReceiptSigner {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system provides randomness");
        ReceiptSigner { key: SigningKey::from_bytes(&secret) }
    }

    pub fn from_secret_hex(s: &str) -> Option<ReceiptSigner> {
        let secret: [u8; 32] = unhex(s)?.try_into().ok()?;
        Some(ReceiptSigner { key: SigningKey::from_bytes(&secret) })
    }

    pub fn secret_hex(&self) -> String {
        hex(&self.key.to_bytes())
    }

    pub fn public_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    /// Signs the 32 bytes of a record hash (given as hex), giving the signature as hex.
    pub fn sign(&self, hash_hex: &str) -> String {
        let msg = unhex(hash_hex).unwrap_or_default();
        self.sign_bytes(&msg)
    }

    /// Signs any message, giving the signature as hex.
    pub fn sign_bytes(&self, msg: &[u8]) -> String {
        hex(&self.key.sign(msg).to_bytes())
    }
}

/// Checks a receipt signature against a public key (all hex), as a client would.
pub fn verify_signature(public_hex: &str, hash_hex: &str, signature_hex: &str) -> bool {
    let Some(msg) = unhex(hash_hex) else { return false };
    verify_bytes(public_hex, &msg, signature_hex)
}

/// Checks an Ed25519 signature (hex) of `msg` against a public key (hex).
pub fn verify_bytes(public_hex: &str, msg: &[u8], signature_hex: &str) -> bool {
    let (Some(pk), Some(sig)) = (unhex(public_hex), unhex(signature_hex)) else {
        return false;
    };
    let (Ok(pk), Ok(sig)) = (<[u8; 32]>::try_from(pk), <[u8; 64]>::try_from(sig)) else { return false };
    let Ok(key) = VerifyingKey::from_bytes(&pk) else { return false };
    key.verify(msg, &ed25519_dalek::Signature::from_bytes(&sig)).is_ok()
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.extend(hex_pair(b).map(char::from));
    }
    s
}

/// The two lowercase hex digits of `b`: the one table behind every hex the server writes ([`hex`], the receipt's
/// JSON, a consent id's text on the writers' path).
pub fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [DIGITS[(b >> 4) as usize], DIGITS[(b & 15) as usize]]
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(prev: &str) -> Link<'_> {
        Link {
            format: FORMAT_V2,
            prev_hash: prev,
            consent_id: "02020202-0202-4202-8202-020202020202",
            pos: 1,
            seq: 1,
            event: "{}",
            received_at: 5,
            origin: Some("https://a.example"),
            ip_prefix: None,
        }
    }

    #[test]
    fn a_hash_depends_on_the_previous_hash_and_every_field() {
        let base = link(GENESIS).hash();
        assert_eq!(base.len(), 64);
        assert_eq!(base, link(GENESIS).hash());
        assert_ne!(base, link(&"1".repeat(64)).hash());
        assert_ne!(base, Link { pos: 2, ..link(GENESIS) }.hash());
        assert_ne!(base, Link { seq: 2, ..link(GENESIS) }.hash(), "seq is inside the hash");
        assert_ne!(base, Link { format: FORMAT_V1, ..link(GENESIS) }.hash());
        assert_eq!(
            Link { format: FORMAT_V1, ..link(GENESIS) }.hash(),
            Link { format: FORMAT_V1, seq: 9, ..link(GENESIS) }.hash(),
            "the first format left seq out"
        );
        assert_ne!(base, Link { origin: None, ip_prefix: Some("https://a.example"), ..link(GENESIS) }.hash());
    }

    #[test]
    fn a_receipt_signature_verifies_with_the_public_key_only_for_its_hash() {
        let signer = ReceiptSigner::generate();
        let hash = link(GENESIS).hash();
        let sig = signer.sign(&hash);
        assert_eq!(sig, signer.sign(&hash), "Ed25519 signatures are deterministic");
        assert!(verify_signature(&signer.public_hex(), &hash, &sig));
        assert!(!verify_signature(&signer.public_hex(), &link(&hash).hash(), &sig));
        let again = ReceiptSigner::from_secret_hex(&signer.secret_hex()).unwrap();
        assert_eq!(again.public_hex(), signer.public_hex());
    }

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])).unwrap(), vec![0, 1, 254, 255]);
        assert!(unhex("abc").is_none());
        assert!(unhex("zz").is_none());
    }
}
