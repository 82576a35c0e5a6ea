//! Self-deleting temporary directories (the `tempfile` crate), named for the
//! test that made them.

use std::path::Path;

use crate::error::{Result, err};

/// A fresh directory under the system temp dir, removed (recursively) on drop.
///
/// Set `AUTOBOT_TEST_KEEP_TMP=1` to keep it for post-mortem debugging; its
/// path is then printed to stderr on drop.
#[derive(Debug)]
pub struct TempDir {
    dir: Option<tempfile::TempDir>,
}

impl TempDir {
    /// Creates `$TMPDIR/autobot-otel-tests-<prefix>-<random>`.
    pub fn new(prefix: &str) -> Result<TempDir> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("autobot-otel-tests-{prefix}-"))
            .tempdir()
            .map_err(|e| err!("cannot create a temp dir: {e}"))?;
        Ok(TempDir { dir: Some(dir) })
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let keep =
            std::env::var_os("AUTOBOT_TEST_KEEP_TMP").is_some_and(|v| !v.is_empty() && v != "0");
        if keep && let Some(dir) = self.dir.take() {
            eprintln!("autobot-otel-tests: keeping {}", dir.keep().display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_and_removed() {
        let dir = TempDir::new("unit").unwrap();
        let p = dir.path().to_path_buf();
        assert!(
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("autobot-otel-tests-unit-")
        );
        std::fs::write(p.join("f"), "x").unwrap();
        assert!(p.is_dir());
        drop(dir);
        if std::env::var_os("AUTOBOT_TEST_KEEP_TMP").is_none() {
            assert!(!p.exists());
        }
    }
}
