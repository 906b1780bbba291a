//! `kuki-server verify`: recomputes every record's hash and checks that each links to the one before it, then
//! rebuilds the log's Merkle tree from every leaf and holds it to the checkpoints and receipts it is given.
//!
//! A chain alone proves little against someone with write access to the database: they can rewrite a record and
//! recompute every hash after it, or drop a chain's last record. A checkpoint an auditor saved earlier (signed by
//! the key file's key, which the database does not hold) fixes the root of the first `treeSize` leaves, so any
//! such change to records stored before it fails here.

use crate::chain::{unhex, verify_bytes, verify_signature, GENESIS};
use crate::merkle::{erasure_digest, signed_message, verify_inclusion, Checkpoint, Frontier};
use crate::store::{Leaf, LeafKind, Row, Store, StoreError};
use kuki_core::wire::Receipt;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// One place where the evidence does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// The chain's consent id, or `(log)` for the tree, `(checkpoint)` and `(receipt)` for what was given.
    pub consent_id: String,
    /// The position in the chain, or the leaf index / tree size.
    pub pos: i64,
    pub reason: String,
}

/// What a walk over every chain and leaf found.
#[derive(Debug, Default)]
pub struct Report {
    pub records: u64,
    pub chains: u64,
    /// Leaves of the log: records, erased records' tombstones, erasures.
    pub leaves: u64,
    pub erasures: u64,
    /// The root hash of the whole log, hex.
    pub root: String,
    pub checkpoints: usize,
    pub receipts: usize,
    pub breaks: Vec<Break>,
}

/// What to hold the database to besides its own hashes.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Checkpoints an auditor kept.
    pub checkpoints: Vec<Checkpoint>,
    /// Receipts visitors (or an auditor) kept.
    pub receipts: Vec<Receipt>,
    /// The receipt key to trust (hex). `None`: the database's recorded one (trust it only as far as the database).
    pub public_key: Option<String>,
}

/// Checks one row against the row before it in the same chain (`None` for a chain's first row).
pub fn check(row: &Row, before: Option<&Row>) -> Option<String> {
    let (want_pos, want_prev) = match before {
        Some(b) => (b.pos + 1, b.hash.as_str()),
        None => (1, GENESIS),
    };
    if row.pos != want_pos {
        return Some(format!("position {} where {want_pos} was expected (a record is missing)", row.pos));
    }
    if row.prev_hash != want_prev {
        return Some("prev_hash is not the previous record's hash".into());
    }
    if row.link().hash() != row.hash {
        return Some("the stored hash does not match the record (it was altered)".into());
    }
    let event_seq = serde_json::from_str::<serde_json::Value>(&row.event).ok().and_then(|v| v["seq"].as_i64());
    if event_seq != Some(row.seq) {
        return Some(format!("the seq column ({}) is not the event's seq ({event_seq:?})", row.seq));
    }
    None
}

/// Checks a receipt by itself, as a visitor holding only it and the public key (hex) could: `None` when it holds.
/// A batched receipt (with `inclusion`) holds when the signature is over its tree head and the audit path leads
/// from the record's hash to that head's root; any other when the signature is over the hash.
pub fn receipt_problem(public_key: &str, r: &Receipt) -> Option<String> {
    let what = format!("the receipt for {} seq {}", r.consent_id, r.seq);
    let Some(inc) = &r.inclusion else {
        return (!verify_signature(public_key, &r.hash, &r.signature))
            .then(|| format!("{what} is not signed by the receipt key"));
    };
    let hash32 = |h: &str| unhex(h).and_then(|b| <[u8; 32]>::try_from(b).ok());
    let (Some(root), Some(hash)) = (hash32(&inc.root_hash), hash32(&r.hash)) else {
        return Some(format!("{what} has a hash or root that is not 32 bytes of hex"));
    };
    if !verify_bytes(public_key, &signed_message(inc.tree_size, &root, inc.timestamp), &r.signature) {
        return Some(format!("{what}: its tree head is not signed by the receipt key"));
    }
    let path: Option<Vec<[u8; 32]>> = inc.proof.iter().map(|p| hash32(p)).collect();
    if !path.is_some_and(|path| verify_inclusion(&hash, inc.leaf_index, inc.tree_size, &path, &root)) {
        return Some(format!("{what}: its inclusion proof does not lead from its hash to the signed root"));
    }
    None
}

/// Walks every chain in the store.
pub async fn verify(store: &Store) -> Result<Report, StoreError> {
    verify_with(store, &Evidence::default()).await
}

/// Walks every chain and the log's leaves, and holds them to `evidence`.
pub async fn verify_with(store: &Store, evidence: &Evidence) -> Result<Report, StoreError> {
    let public_key = match &evidence.public_key {
        Some(k) => Some(k.clone()),
        None => store.public_key().await?,
    };
    let mut report = chains(store, &evidence.receipts, public_key.as_deref()).await?;
    // A batched receipt's signed head is a checkpoint too: the log must still have that root at that size.
    let heads: Vec<(&Receipt, u64, &str)> = evidence
        .receipts
        .iter()
        .filter_map(|r| r.inclusion.as_ref().map(|i| (r, i.tree_size, i.root_hash.as_str())))
        .collect();
    leaves(store, &mut report, &evidence.checkpoints, &heads, public_key.as_deref()).await?;
    report.checkpoints = evidence.checkpoints.len();
    report.receipts = evidence.receipts.len();
    Ok(report)
}

/// Every chain, in one scan; each receipt is matched against the record it names.
async fn chains(store: &Store, receipts: &[Receipt], public_key: Option<&str>) -> Result<Report, StoreError> {
    let mut report = Report::default();
    // (consent id, seq) -> (hash, leaf index) of each receipt.
    let mut wanted: HashMap<(String, i64), (String, Option<u64>)> = HashMap::new();
    for r in receipts {
        let problem = match public_key {
            Some(k) => receipt_problem(k, r),
            None => Some(format!("no receipt key to check the receipt for {} seq {} with", r.consent_id, r.seq)),
        };
        if let Some(reason) = problem {
            report.breaks.push(Break { consent_id: "(receipt)".into(), pos: i64::from(r.seq), reason });
        }
        let leaf = r.inclusion.as_ref().map(|i| i.leaf_index);
        wanted.insert((r.consent_id.to_string(), i64::from(r.seq)), (r.hash.clone(), leaf));
    }
    let state = Arc::new(Mutex::new((report, None::<Row>, wanted)));
    let sink = state.clone();
    store
        .scan(move |row| {
            let mut guard = sink.lock().unwrap_or_else(|e| e.into_inner());
            let (report, last, wanted) = &mut *guard;
            let before = last.as_ref().filter(|l| l.consent_id == row.consent_id);
            if before.is_none() {
                report.chains += 1;
            }
            if let Some(reason) = check(&row, before) {
                report.breaks.push(Break { consent_id: row.consent_id.clone(), pos: row.pos, reason });
            }
            if let Some((hash, leaf)) = wanted.remove(&(row.consent_id.clone(), row.seq)) {
                if hash != row.hash {
                    report.breaks.push(Break {
                        consent_id: row.consent_id.clone(),
                        pos: row.pos,
                        reason: format!("seq {} is stored with another hash than its receipt's", row.seq),
                    });
                } else if leaf.is_some_and(|l| l.checked_add(1) != u64::try_from(row.id).ok()) {
                    report.breaks.push(Break {
                        consent_id: row.consent_id.clone(),
                        pos: row.pos,
                        reason: format!("seq {} is stored at another leaf than its receipt's", row.seq),
                    });
                }
            }
            report.records += 1;
            *last = Some(row);
        })
        .await?;
    let (mut report, _, wanted) = Arc::try_unwrap(state)
        .map_err(|_| StoreError::Unavailable("scan still running".into()))?
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    for ((id, seq), _) in wanted {
        report.breaks.push(Break {
            consent_id: id,
            pos: seq,
            reason: format!("a receipted record (seq {seq}) is not stored (lost, or erased on request)"),
        });
    }
    Ok(report)
}

/// What the leaf scan keeps: the tree so far, the roots at the checkpoints' sizes, and erasures to check after.
#[derive(Default)]
struct LeafWalk {
    frontier: Frontier,
    /// Tree size -> root (hex) for each checkpoint size, filled as the walk passes it.
    roots: BTreeMap<u64, Option<String>>,
    erasures: HashMap<i64, String>,
    erased: BTreeMap<i64, Vec<i64>>,
    breaks: Vec<Break>,
}

async fn leaves(
    store: &Store,
    report: &mut Report,
    checkpoints: &[Checkpoint],
    receipt_heads: &[(&Receipt, u64, &str)],
    public_key: Option<&str>,
) -> Result<(), StoreError> {
    let mut walk = LeafWalk::default();
    for size in checkpoints.iter().map(|cp| cp.tree_size).chain(receipt_heads.iter().map(|h| h.1)) {
        walk.roots.insert(size, None);
    }
    if let Some(r) = walk.roots.get_mut(&0) {
        *r = Some(crate::chain::hex(&walk.frontier.root()));
    }
    let state = Arc::new(Mutex::new(walk));
    let sink = state.clone();
    store
        .scan_leaves(move |leaf: Leaf| {
            let mut walk = sink.lock().unwrap_or_else(|e| e.into_inner());
            let want = walk.frontier.size() as i64 + 1;
            if leaf.idx != want {
                walk.breaks.push(Break {
                    consent_id: "(log)".into(),
                    pos: want,
                    reason: format!("leaf {want} is missing (next is {}): a record was removed", leaf.idx),
                });
            }
            let Some(data) = unhex(&leaf.hash).filter(|d| d.len() == 32) else {
                walk.breaks.push(Break {
                    consent_id: "(log)".into(),
                    pos: leaf.idx,
                    reason: "a leaf is not a hash".into(),
                });
                return;
            };
            walk.frontier.push(&data);
            match leaf.kind {
                LeafKind::Record => {}
                LeafKind::Erasure => {
                    walk.erasures.insert(leaf.idx, leaf.hash);
                }
                LeafKind::Erased { by } => walk.erased.entry(by).or_default().push(leaf.idx),
            }
            let size = walk.frontier.size();
            if walk.roots.contains_key(&size) {
                let root = crate::chain::hex(&walk.frontier.root());
                walk.roots.insert(size, Some(root));
            }
        })
        .await?;
    let walk = Arc::try_unwrap(state)
        .map_err(|_| StoreError::Unavailable("scan still running".into()))?
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let mut breaks = walk.breaks;
    let log = |pos: i64, reason: String| Break { consent_id: "(log)".into(), pos, reason };

    // Each erasure's leaf covers exactly the tombstones that name it.
    for (by, indices) in &walk.erased {
        let (by, mut indices) = (*by, indices.clone());
        indices.sort_unstable();
        match walk.erasures.get(&by) {
            Some(hash) if *hash == crate::chain::hex(&erasure_digest(&indices)) => {}
            Some(_) => breaks.push(log(by, "the erasure's hash does not cover the records marked erased by it".into())),
            None => breaks.push(log(by, "records are marked erased by a leaf that is no erasure".into())),
        }
    }
    // Every erasure erases at least one record: one that no tombstone names has lost its marks.
    for idx in walk.erasures.keys().filter(|idx| !walk.erased.contains_key(idx)) {
        breaks.push(log(*idx, "an erasure whose erased records are not marked".into()));
    }

    // The tree the server keeps signing must be the tree of these leaves.
    let head = store.log_head().await?;
    if head.frontier != walk.frontier {
        breaks.push(log(
            head.frontier.size() as i64,
            format!(
                "log_state (size {}) is not the tree of the {} stored leaves",
                head.frontier.size(),
                walk.frontier.size()
            ),
        ));
    }

    for cp in checkpoints {
        let at = |reason: String| Break { consent_id: "(checkpoint)".into(), pos: cp.tree_size as i64, reason };
        match public_key {
            Some(k) if cp.signature_holds(k) => {}
            Some(_) => breaks.push(at("the checkpoint is not signed by the receipt key".into())),
            None => breaks.push(at("no receipt key to check the checkpoint's signature with".into())),
        }
        match walk.roots.get(&cp.tree_size).cloned().flatten() {
            None => breaks.push(at(format!(
                "the log has {} leaves, fewer than the checkpoint's {}: records were removed",
                walk.frontier.size(),
                cp.tree_size
            ))),
            Some(root) if root != cp.root_hash => breaks.push(at(format!(
                "the first {} leaves hash to {root}, not the checkpoint's {}: stored records were rewritten",
                cp.tree_size, cp.root_hash
            ))),
            Some(_) => {}
        }
    }
    for (r, size, want) in receipt_heads {
        let at = |reason: String| Break { consent_id: "(receipt)".into(), pos: i64::from(r.seq), reason };
        match walk.roots.get(size).cloned().flatten() {
            None => breaks.push(at(format!(
                "the receipt for {} seq {} was signed at {size} leaves; the log has {}: records were removed",
                r.consent_id,
                r.seq,
                walk.frontier.size()
            ))),
            Some(root) if root != *want => breaks.push(at(format!(
                "the first {size} leaves hash to {root}, not the root the receipt for {} seq {} was signed with: \
                 stored records were rewritten",
                r.consent_id, r.seq
            ))),
            Some(_) => {}
        }
    }
    report.leaves = walk.frontier.size();
    report.erasures = walk.erasures.len() as u64;
    report.root = crate::chain::hex(&walk.frontier.root());
    report.breaks.extend(breaks);
    Ok(())
}

/// Reads checkpoints or receipts from a file: one JSON value, a JSON array of them, or one per line.
pub fn read_json_values<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, String> {
    let text = text.trim();
    if let Ok(many) = serde_json::from_str::<Vec<T>>(text) {
        return Ok(many);
    }
    if let Ok(one) = serde_json::from_str::<T>(text) {
        return Ok(vec![one]);
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// `kuki-server verify [--checkpoint FILE]... [--receipts FILE] [--public-key HEX]`: prints each break and a
/// summary; exits 0 when there is none, 1 when there is one (or the database cannot be read), 2 on bad arguments.
///
/// The key to trust is `--public-key`, else the key file's (`KUKI_KEY_FILE`, read and never created here), else
/// the one the database recorded.
pub async fn cli(config: &crate::Config, args: &[String]) -> std::process::ExitCode {
    use std::process::ExitCode;
    let mut evidence = Evidence::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |what: &str| match args.next() {
            Some(v) => Ok(v.clone()),
            None => Err(format!("{arg} needs {what}")),
        };
        let read = |path: String| std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"));
        let parsed = match arg.as_str() {
            "--checkpoint" => {
                value("a file").and_then(read).and_then(|t| read_json_values::<Checkpoint>(&t)).map(|mut cps| {
                    evidence.checkpoints.append(&mut cps);
                })
            }
            "--receipts" => {
                value("a file").and_then(read).and_then(|t| read_json_values::<Receipt>(&t)).map(|mut rs| {
                    evidence.receipts.append(&mut rs);
                })
            }
            "--public-key" => value("64 hex digits").map(|k| evidence.public_key = Some(k)),
            other => Err(format!("unknown argument {other:?}")),
        };
        if let Err(e) = parsed {
            eprintln!("kuki-server verify: {e}");
            return ExitCode::from(2);
        }
    }
    if evidence.public_key.is_none() {
        match crate::keyfile::read(&config.key_file) {
            Ok(Some(signer)) => evidence.public_key = Some(signer.public_hex()),
            Ok(None) => eprintln!(
                "kuki-server verify: no key file at {}: trusting the public key the database recorded",
                config.key_file.display()
            ),
            Err(e) => {
                eprintln!("kuki-server verify: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let store = match Store::open(&config.db).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kuki-server verify: {e}");
            return ExitCode::from(1);
        }
    };
    match verify_with(&store, &evidence).await {
        Ok(report) => {
            for b in &report.breaks {
                println!("BREAK {} at {}: {}", b.consent_id, b.pos, b.reason);
            }
            let verdict = if report.breaks.is_empty() { "ok" } else { "BROKEN" };
            println!(
                "verify: {} records in {} chains, {} leaves ({} erasures), root {}, {} checkpoints, {} receipts, \
                 {} breaks: {verdict}",
                report.records,
                report.chains,
                report.leaves,
                report.erasures,
                report.root,
                report.checkpoints,
                report.receipts,
                report.breaks.len()
            );
            if report.breaks.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("kuki-server verify: {e}");
            ExitCode::from(1)
        }
    }
}
