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
use std::sync::OnceLock;

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
        self.append(data);
    }

    /// [`Frontier::push`], answering the new leaf's hash.
    pub fn append(&mut self, data: &[u8]) -> [u8; 32] {
        let leaf = leaf_hash(data);
        let mut node = leaf;
        // Each trailing one bit of the old size is a subtree of the new leaf's size to merge with.
        let mut merges = self.size.trailing_ones();
        while merges > 0 {
            let left = self.nodes.pop().expect("a set bit has its subtree");
            node = node_hash(&left, &node);
            merges -= 1;
        }
        self.nodes.push(node);
        self.size += 1;
        leaf
    }

    /// The frontier's subtree of `2^level` leaves, if the size has that bit set: the aligned subtree that ends
    /// where the next smaller one (or the log) begins.
    pub fn node_at_level(&self, level: u32) -> Option<[u8; 32]> {
        if level >= 64 || self.size & (1 << level) == 0 {
            return None;
        }
        // Nodes are stored largest first, one per set bit: this one follows those of the higher bits.
        let higher = (self.size >> level >> 1).count_ones() as usize;
        self.nodes.get(higher).copied()
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

/// RFC 9162's check of an inclusion proof (2.1.3.2): does `path` lead from the leaf holding `data` at `index`
/// to `root`, in a tree of `size` leaves?
pub fn verify_inclusion(data: &[u8], index: u64, size: u64, path: &[[u8; 32]], root: &[u8; 32]) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = leaf_hash(data);
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// The leaves one group commit appended, and what proving each one's inclusion in the tree after the batch needs:
/// the tree's right edge before the batch, and the batch's own leaf hashes. The inner nodes over the batch are
/// computed once, by the first proof asked for (on a request thread, not the writer), about two hashes a leaf.
pub struct BatchTree {
    before: Frontier,
    leaves: Vec<[u8; 32]>,
    upper: OnceLock<Upper>,
}

/// The nodes above the batch's leaves.
struct Upper {
    /// `levels[j - 1]`: the complete nodes of `2^j` leaves that end after the batch's start, in order.
    levels: Vec<Vec<[u8; 32]>>,
    /// `edge[k]`: the hash of the leaves from `((size - 1) >> k) << k` to the end (the tree's right edge at
    /// height `k`, the one node of a proof that is not a complete subtree).
    edge: Vec<[u8; 32]>,
}

impl BatchTree {
    /// A batch appended to the tree `before`.
    pub fn new(before: Frontier) -> BatchTree {
        BatchTree { before, leaves: Vec::new(), upper: OnceLock::new() }
    }

    /// Adds the next leaf, given its leaf hash (what [`Frontier::append`] answers).
    pub fn push(&mut self, leaf_hash: [u8; 32]) {
        self.leaves.push(leaf_hash);
    }

    /// The index of the batch's first leaf.
    pub fn start(&self) -> u64 {
        self.before.size()
    }

    /// The tree's size after the batch.
    pub fn size(&self) -> u64 {
        self.before.size() + self.leaves.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The complete node `i` of `2^j` leaves, if the batch knows it: nodes that end after the batch's start are
    /// computed; those before it are the old frontier's.
    fn node(&self, levels: &[Vec<[u8; 32]>], j: u32, i: u64) -> Option<[u8; 32]> {
        let lo = self.start() >> j;
        if i >= lo {
            let level = if j == 0 { &self.leaves } else { levels.get(j as usize - 1)? };
            level.get(usize::try_from(i - lo).ok()?).copied()
        } else if i + 1 == lo {
            self.before.node_at_level(j)
        } else {
            None
        }
    }

    fn upper(&self) -> &Upper {
        self.upper.get_or_init(|| {
            let (start, size) = (self.start(), self.size());
            let mut levels: Vec<Vec<[u8; 32]>> = Vec::new();
            for j in 1..64u32 {
                let (lo, hi) = (start >> j, size >> j);
                if lo >= hi {
                    break;
                }
                let level = (lo..hi)
                    .map(|i| {
                        let left = self.node(&levels, j - 1, 2 * i).expect("a child before the batch is on its edge");
                        let right = self.node(&levels, j - 1, 2 * i + 1).expect("a right child is in the batch");
                        node_hash(&left, &right)
                    })
                    .collect();
                levels.push(level);
            }
            let mut edge = Vec::new();
            if let Some(last) = size.checked_sub(1).filter(|_| !self.leaves.is_empty()) {
                let mut acc = self.node(&levels, 0, last).expect("the last leaf is the batch's");
                edge.push(acc);
                for k in 0..(64 - last.leading_zeros()) {
                    if (last >> k) & 1 == 1 {
                        let left = self.node(&levels, k, (last >> k) - 1).expect("a complete node left of the edge");
                        acc = node_hash(&left, &acc);
                    }
                    edge.push(acc);
                }
            }
            Upper { levels, edge }
        })
    }

    /// The tree's root after the batch (what the batch's checkpoint signs).
    pub fn root(&self) -> [u8; 32] {
        if self.leaves.is_empty() {
            return self.before.root();
        }
        *self.upper().edge.last().expect("a batch with leaves has an edge")
    }

    /// The RFC 6962 audit path of leaf `index` (one of the batch's) in the tree after the batch, from the leaf up.
    pub fn path(&self, index: u64) -> Option<Vec<[u8; 32]>> {
        let size = self.size();
        if index < self.start() || index >= size {
            return None;
        }
        let upper = self.upper();
        // Below `inner` the leaf's ancestors are complete subtrees; the sibling at `inner - 1` is the right edge;
        // above it, the leaf's ancestor is on the right edge and has a sibling only where the index has a 1 bit.
        let inner = 64 - (index ^ (size - 1)).leading_zeros();
        let mut path = Vec::with_capacity(64 - size.leading_zeros() as usize);
        for j in 0..inner.saturating_sub(1) {
            path.push(self.node(&upper.levels, j, (index >> j) ^ 1)?);
        }
        if inner > 0 {
            path.push(*upper.edge.get(inner as usize - 1)?);
        }
        for j in inner..64 {
            if (index >> j) & 1 == 1 {
                path.push(self.node(&upper.levels, j, (index >> j) - 1)?);
            }
        }
        Some(path)
    }
}

/// A group commit's leaves with the checkpoint signed over the tree they end: every record of the batch gets a
/// receipt from it (the checkpoint's signature and the record's audit path), so a batch costs one signature.
pub struct SignedBatch {
    pub tree: BatchTree,
    /// What the head covers, fixed by the writer before the commit.
    tree_size: u64,
    root: [u8; 32],
    timestamp: i64,
    signer: ReceiptSigner,
    /// Signed once, by the first receipt that needs it: on that request's own task, not on the serial writer
    /// (an Ed25519 signature per batch was a fixed cost of every commit, and most of a small batch's).
    head: OnceLock<Checkpoint>,
}

impl SignedBatch {
    /// A batch whose head (`tree_size` leaves, `root`, `timestamp`) `signer` signs when first asked.
    pub fn new(tree: BatchTree, tree_size: u64, root: [u8; 32], timestamp: i64, signer: ReceiptSigner) -> SignedBatch {
        SignedBatch { tree, tree_size, root, timestamp, signer, head: OnceLock::new() }
    }

    pub fn tree_size(&self) -> u64 {
        self.tree_size
    }

    /// The batch's signed tree head.
    pub fn head(&self) -> &Checkpoint {
        self.head.get_or_init(|| Checkpoint::sign(&self.signer, self.tree_size, &self.root, self.timestamp))
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
            assert_eq!(f.append(leaf), leaf_hash(leaf));
            assert_eq!(f.size(), i as u64 + 1);
            for level in 0..8 {
                let want = (f.size() & (1 << level) != 0).then(|| {
                    let end = (f.size() >> level << level) as usize;
                    mth(&leaves[end - (1 << level)..end])
                });
                assert_eq!(f.node_at_level(level), want, "size {} level {level}", f.size());
            }
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

    /// RFC 6962's PATH(m, D[n]), recursively: the reference the batch's paths are held to.
    fn reference_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
        if m < k {
            let mut p = reference_path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = reference_path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    #[test]
    fn a_batch_gives_every_leaf_rfc_6962s_audit_path_and_each_verifies() {
        let leaves: Vec<[u8; 32]> = (0u16..300).map(|i| Sha256::digest(i.to_be_bytes()).into()).collect();
        for (start, end) in [(0, 1), (0, 7), (5, 6), (5, 13), (8, 16), (63, 64), (64, 65), (100, 300), (255, 257)] {
            let mut before = Frontier::default();
            leaves[..start].iter().for_each(|l| before.push(l));
            let mut f = before.clone();
            let mut batch = BatchTree::new(before);
            for l in &leaves[start..end] {
                batch.push(f.append(l));
            }
            assert_eq!(batch.size(), end as u64);
            assert_eq!(batch.root(), f.root(), "{start}..{end}");
            assert_eq!(batch.root(), mth(&leaves[..end]));
            for m in start..end {
                let path = batch.path(m as u64).unwrap();
                assert_eq!(path, reference_path(m, &leaves[..end]), "leaf {m} of {start}..{end}");
                assert!(verify_inclusion(&leaves[m], m as u64, end as u64, &path, &f.root()));
            }
            assert_eq!(batch.path(end as u64), None);
            if start > 0 {
                assert_eq!(batch.path(start as u64 - 1), None, "leaves before the batch are not its to prove");
            }
        }
    }

    #[test]
    fn an_inclusion_proof_fails_for_another_leaf_index_size_path_or_root() {
        let leaves: Vec<[u8; 32]> = (0u8..11).map(|i| Sha256::digest([i]).into()).collect();
        let mut f = Frontier::default();
        let mut batch = BatchTree::new(f.clone());
        for l in &leaves {
            batch.push(f.append(l));
        }
        let root = f.root();
        let path = batch.path(6).unwrap();
        assert!(verify_inclusion(&leaves[6], 6, 11, &path, &root));
        assert!(!verify_inclusion(&leaves[5], 6, 11, &path, &root), "another leaf");
        assert!(!verify_inclusion(&leaves[6], 7, 11, &path, &root), "another index");
        // (Sizes whose paths take the same turns, 11 and 12 here, cannot be told apart by the path: the head's
        // signature binds the size to the root.)
        assert!(!verify_inclusion(&leaves[6], 6, 7, &path, &root), "another size");
        assert!(!verify_inclusion(&leaves[6], 6, 11, &path[..path.len() - 1], &root), "a step missing");
        let mut forged = path.clone();
        forged[1][0] ^= 1;
        assert!(!verify_inclusion(&leaves[6], 6, 11, &forged, &root), "a step changed");
        assert!(!verify_inclusion(&leaves[6], 6, 11, &path, &[0; 32]), "another root");
        assert!(!verify_inclusion(&leaves[6], 11, 11, &path, &root), "an index past the tree");
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
