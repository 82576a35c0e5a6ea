//! A minimal self-deleting temporary directory.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Result, err};

const NAME_PREFIX: &str = "autobot-otel-tests-";

/// A fresh directory under the system temp dir, removed (recursively) on drop.
///
/// Directories left behind by test processes that died without running
/// destructors are swept the first time a process creates a `TempDir`.
///
/// Set `AUTOBOT_TEST_KEEP_TMP=1` to keep it for post-mortem debugging; its
/// path is then printed to stderr on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `$TMPDIR/autobot-otel-tests-<prefix>-<pid>-<n>-<nanos>`.
    pub fn new(prefix: &str) -> Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        static SWEEP: Once = Once::new();
        let base = std::env::temp_dir();
        SWEEP.call_once(|| sweep_stale(&base));
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let path = base.join(format!(
                "{NAME_PREFIX}{prefix}-{}-{n}-{nanos}",
                std::process::id()
            ));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(err!("cannot create temp dir {}: {e}", path.display())),
            }
        }
        Err(err!(
            "cannot create a unique temp dir under {}",
            base.display()
        ))
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The pid in `autobot-otel-tests-<prefix>-<pid>-<n>-<nanos>`.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(NAME_PREFIX)?;
    let mut parts = rest.rsplitn(4, '-');
    let (_nanos, _n, pid) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next()?;
    pid.parse().ok()
}

/// Removes temp dirs whose owning process no longer exists (Linux only).
fn sweep_stale(base: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = owner_pid(&name.to_string_lossy()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("AUTOBOT_TEST_KEEP_TMP").is_some_and(|v| !v.is_empty() && v != "0") {
            eprintln!("autobot-otel-tests: keeping {}", self.path.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pid_parsing() {
        assert_eq!(owner_pid("autobot-otel-tests-rotel-123-0-456"), Some(123));
        assert_eq!(owner_pid("autobot-otel-tests-my-prefix-77-1-2"), Some(77));
        assert_eq!(owner_pid("autobot-otel-tests-1-2"), None);
        assert_eq!(owner_pid("other-rotel-123-0-456"), None);
    }

    #[test]
    fn created_and_removed() {
        let dir = TempDir::new("unit").unwrap();
        let p = dir.path().to_path_buf();
        std::fs::write(p.join("f"), "x").unwrap();
        assert!(p.is_dir());
        drop(dir);
        if std::env::var_os("AUTOBOT_TEST_KEEP_TMP").is_none() {
            assert!(!p.exists());
        }
    }
}
