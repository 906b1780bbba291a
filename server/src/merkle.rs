//! The whole log as one Merkle tree, hashed as RFC 6962 (Certificate Transparency) does, and its signed heads.
//!
//! Every record is a leaf, in the order the store assigned (`events.id`, 1, 2, ...); an erasure is a leaf too
//! ([`erasure_digest`]), and the records it erased keep their leaves as tombstones, so the tree only ever grows.
//! A [`Checkpoint`] signs (tree size, root hash, time) with the receipt key. An auditor keeps checkpoints; later,
//! `kuki-server verify --checkpoint FILE` recomputes the root of the first `treeSize` leaves from the database: a
//! record rewritten (even with its chain recomputed), removed, or moved fails against every checkpoint taken
//! after it was stored.
//!
//! The writer keeps only the [`Frontier`] (the roots of the perfect subtrees along the right edge, at most 64), so
//! an append costs a leaf hash and on average one node hash, whatever the size of the log.

use crate::chain::{hex, unhex, verify_bytes, ReceiptSigner};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The root of the empty tree: SHA-256 of nothing (RFC 6962, 2.1).
pub fn empty_root() -> [u8; 32] {
    Sha256::digest([]).into()
}

/// `SHA-256(0x00 || data)`: a leaf's hash; the data is a record's (or an erasure's) 32-byte hash.
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: an inner node.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// What an erasure leaf holds: a hash over the leaf indices of the records it erased (in ascending order). Who
/// was erased is gone; that an erasure happened, and which leaves it covered, stays in the tree.
pub fn erasure_digest(erased: &[i64]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"kuki-erasure-v1");
    h.update((erased.len() as u64).to_be_bytes());
    for idx in erased {
        h.update(idx.to_be_bytes());
    }
    h.finalize().into()
}

/// The right edge of a tree of `size` leaves: one perfect subtree root per set bit of `size`, largest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<[u8; 32]>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf given its data (a 32-byte record or erasure hash).
    pub fn push(&mut self, data: &[u8]) {
        let mut node = leaf_hash(data);
        // Each trailing one bit of the old size is a subtree of the new leaf's size to merge with.
        let mut merges = self.size.trailing_ones();
        while merges > 0 {
            let left = self.nodes.pop().expect("a set bit has its subtree");
            node = node_hash(&left, &node);
            merges -= 1;
        }
        self.nodes.push(node);
        self.size += 1;
    }

    /// The tree's root hash (RFC 6962's MTH).
    pub fn root(&self) -> [u8; 32] {
        let mut nodes = self.nodes.iter().rev();
        let Some(last) = nodes.next() else { return empty_root() };
        nodes.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// The stored form: the subtree roots, concatenated.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.nodes.concat()
    }

    /// Reads the stored form back; `None` when it cannot be the frontier of `size` leaves.
    pub fn from_bytes(size: u64, bytes: &[u8]) -> Option<Frontier> {
        if bytes.len() != size.count_ones() as usize * 32 {
            return None;
        }
        let nodes = bytes.chunks_exact(32).map(|c| c.try_into().expect("32-byte chunks")).collect();
        Some(Frontier { size, nodes })
    }
}

/// A signed tree head: `GET /api/v1/checkpoint`, and what `kuki-server verify --checkpoint` reads back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// How many leaves (records and erasures) the tree has.
    pub tree_size: u64,
    /// RFC 6962 Merkle tree hash of those leaves, hex.
    pub root_hash: String,
    /// When the server signed it, unix milliseconds.
    pub timestamp: i64,
    /// The receipt key (`GET /api/v1/receipt-key`), hex.
    pub public_key: String,
    /// Ed25519 (hex) over [`Checkpoint::signed_message`].
    pub signature: String,
}

impl Checkpoint {
    /// Signs the head of a tree of `tree_size` leaves with root `root`.
    pub fn sign(signer: &ReceiptSigner, tree_size: u64, root: &[u8; 32], timestamp: i64) -> Checkpoint {
        let msg = signed_message(tree_size, root, timestamp);
        Checkpoint {
            tree_size,
            root_hash: hex(root),
            timestamp,
            public_key: signer.public_hex(),
            signature: signer.sign_bytes(&msg),
        }
    }

    /// Does the signature hold for `public_key` (hex)? (The key must come from somewhere the auditor trusts, not
    /// from the checkpoint itself.)
    pub fn signature_holds(&self, public_key: &str) -> bool {
        let Some(root) = unhex(&self.root_hash).and_then(|r| <[u8; 32]>::try_from(r).ok()) else { return false };
        verify_bytes(public_key, &signed_message(self.tree_size, &root, self.timestamp), &self.signature)
    }
}

/// What a checkpoint's signature covers: a fixed label, then the timestamp, the tree size (both 8 bytes, big
/// endian) and the 32 root bytes, the fields of RFC 6962's `TreeHeadSignature`.
pub fn signed_message(tree_size: u64, root: &[u8; 32], timestamp: i64) -> Vec<u8> {
    let mut msg = Vec::with_capacity(64);
    msg.extend_from_slice(b"kuki-checkpoint-v1\0");
    msg.extend_from_slice(&timestamp.to_be_bytes());
    msg.extend_from_slice(&tree_size.to_be_bytes());
    msg.extend_from_slice(root);
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's definition, recursively: the reference the frontier is held to.
    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn the_frontier_root_is_rfc_6962s_tree_hash_at_every_size() {
        let leaves: Vec<[u8; 32]> = (0u8..70).map(|i| Sha256::digest([i]).into()).collect();
        let mut f = Frontier::default();
        assert_eq!(f.root(), mth(&[]));
        for (i, leaf) in leaves.iter().enumerate() {
            f.push(leaf);
            assert_eq!(f.size(), i as u64 + 1);
            assert_eq!(f.root(), mth(&leaves[..=i]), "size {}", i + 1);
            assert_eq!(Frontier::from_bytes(f.size(), &f.to_bytes()), Some(f.clone()));
        }
        assert_eq!(Frontier::from_bytes(3, &[0; 32]), None, "3 leaves need two subtree roots");
    }

    #[test]
    fn the_tree_hash_matches_a_known_certificate_transparency_vector() {
        // RFC 6962 test vectors (as in Go's and Trillian's CT code): leaves "" and "\x00", root of size 2.
        let mut f = Frontier::default();
        f.push(b"");
        assert_eq!(hex(&f.root()), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        f.push(&[0]);
        assert_eq!(hex(&f.root()), "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    }

    #[test]
    fn a_checkpoint_signature_covers_size_root_and_time() {
        let signer = ReceiptSigner::generate();
        let root = [7u8; 32];
        let cp = Checkpoint::sign(&signer, 10, &root, 1_700_000_000_000);
        assert!(cp.signature_holds(&signer.public_hex()));
        assert!(!cp.signature_holds(&ReceiptSigner::generate().public_hex()));
        assert!(!Checkpoint { tree_size: 9, ..cp.clone() }.signature_holds(&signer.public_hex()));
        assert!(!Checkpoint { timestamp: 1, ..cp.clone() }.signature_holds(&signer.public_hex()));
        assert!(!Checkpoint { root_hash: hex(&[8; 32]), ..cp }.signature_holds(&signer.public_hex()));
    }

    #[test]
    fn an_erasure_digest_depends_on_every_erased_index() {
        assert_ne!(erasure_digest(&[1, 2]), erasure_digest(&[1, 3]));
        assert_ne!(erasure_digest(&[1, 2]), erasure_digest(&[1]));
    }
}
