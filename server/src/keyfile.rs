//! The receipt (and checkpoint) signing key lives in a file, never in the database: someone who can edit the
//! records must not also be able to sign new receipts or checkpoints for them.
//!
//! The file (`KUKI_KEY_FILE`) holds the 32-byte Ed25519 secret as hex on one line, mode 0600. It is created on
//! first start when missing; replicas on PostgreSQL are each given the same file by the operator. The database
//! keeps only the public key, so a replica started with another key refuses to start instead of signing with it.
//! A database from before the key file held the secret in `server_keys`: it is moved to the file once (written and
//! synced first), then dropped from the database.

use crate::chain::ReceiptSigner;
use crate::store::{Store, StoreError};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum KeyError {
    Io(PathBuf, std::io::Error),
    /// The file is readable by others than its owner.
    Permissions(PathBuf, u32),
    Malformed(PathBuf),
    /// The file's key is not the one the database's records were signed with.
    Mismatch(PathBuf),
    Store(StoreError),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Io(p, e) => write!(f, "key file {}: {e}", p.display()),
            KeyError::Permissions(p, mode) => write!(
                f,
                "key file {} has mode {mode:o}: others may read it; run `chmod 600 {}`",
                p.display(),
                p.display()
            ),
            KeyError::Malformed(p) => write!(f, "key file {}: expected 64 hex digits (an Ed25519 secret)", p.display()),
            KeyError::Mismatch(p) => write!(
                f,
                "key file {} holds another key than the one this database's records were signed with (every replica \
                 needs the same KUKI_KEY_FILE)",
                p.display()
            ),
            KeyError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for KeyError {}

impl From<StoreError> for KeyError {
    fn from(e: StoreError) -> KeyError {
        KeyError::Store(e)
    }
}

/// Reads the key at `path`; `Ok(None)` when there is no file.
pub fn read(path: &Path) -> Result<Option<ReceiptSigner>, KeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(KeyError::Io(path.to_owned(), e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(|e| KeyError::Io(path.to_owned(), e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(KeyError::Permissions(path.to_owned(), mode & 0o777));
        }
    }
    ReceiptSigner::from_secret_hex(text.trim()).map(Some).ok_or_else(|| KeyError::Malformed(path.to_owned()))
}

/// Writes `signer`'s secret to a new file at `path` (mode 0600, synced with its folder). Never overwrites.
pub fn write_new(path: &Path, signer: &ReceiptSigner) -> Result<(), KeyError> {
    let io = |e| KeyError::Io(path.to_owned(), e);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    file.write_all(format!("{}\n", signer.secret_hex()).as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    if let Some(dir) = dir {
        // The new name is durable only once its folder is synced.
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    }
    Ok(())
}

/// The signer for a serving process: the key file's key (created, or moved out of an old database, as needed),
/// checked against the public key the database recorded.
pub async fn load_for_serving(path: &Path, store: &Store) -> Result<ReceiptSigner, KeyError> {
    let legacy = store.legacy_secret().await?;
    let legacy =
        legacy.map(|s| ReceiptSigner::from_secret_hex(&s).ok_or(StoreError::Corrupt("the stored receipt key".into())));
    let legacy = legacy.transpose()?;
    let signer = match (read(path)?, legacy.as_ref()) {
        (Some(file), Some(old)) if file.public_hex() != old.public_hex() => {
            return Err(KeyError::Mismatch(path.to_owned()));
        }
        (Some(file), _) => file,
        (None, Some(old)) => {
            write_new(path, old)?;
            tracing::warn!(key_file = %path.display(), "moved the receipt key out of the database into the key file");
            old.clone()
        }
        (None, None) => {
            let fresh = ReceiptSigner::generate();
            write_new(path, &fresh)?;
            tracing::info!(key_file = %path.display(), "created a new receipt key");
            fresh
        }
    };
    if store.register_public_key(&signer.public_hex()).await? != signer.public_hex() {
        return Err(KeyError::Mismatch(path.to_owned()));
    }
    if legacy.is_some() {
        store.forget_legacy_secret().await?;
    }
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_file_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/kuki.key");
        assert!(read(&path).unwrap().is_none());
        let signer = ReceiptSigner::generate();
        write_new(&path, &signer).unwrap();
        assert_eq!(read(&path).unwrap().unwrap().public_hex(), signer.public_hex());
        assert!(write_new(&path, &ReceiptSigner::generate()).is_err(), "never overwritten");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(read(&path), Err(KeyError::Permissions(..))));
        }
    }
}
