//! Locating the external tools.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Result, err};

/// One of the external tools the harness drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// The Prometheus server (`/usr/bin/prometheus`, Debian package `prometheus`).
    Prometheus,
    /// `promtool` (Debian package `prometheus`).
    Promtool,
    /// The rotel OTLP collector's `rotel-agent` binary (PyPI package `rotel`).
    Rotel,
    /// Alertmanager (`/usr/bin/prometheus-alertmanager`, Debian package
    /// `prometheus-alertmanager`).
    Alertmanager,
    /// `amtool` (Debian package `prometheus-alertmanager`).
    Amtool,
    /// VictoriaMetrics single node (`/usr/bin/victoria-metrics`, Debian package
    /// `victoria-metrics`).
    VictoriaMetrics,
    /// The tools venv's Python, with the strict `prometheus_client` parsers
    /// (PyPI package `prometheus_client`).
    Python,
}

impl Tool {
    /// The environment variable that overrides the tool's path.
    pub fn env_var(self) -> &'static str {
        match self {
            Tool::Prometheus => "AUTOBOT_PROMETHEUS_BIN",
            Tool::Promtool => "AUTOBOT_PROMTOOL_BIN",
            Tool::Rotel => "AUTOBOT_ROTEL_BIN",
            Tool::Alertmanager => "AUTOBOT_ALERTMANAGER_BIN",
            Tool::Amtool => "AUTOBOT_AMTOOL_BIN",
            Tool::VictoriaMetrics => "AUTOBOT_VICTORIA_METRICS_BIN",
            Tool::Python => "AUTOBOT_PYTHON_BIN",
        }
    }

    /// The executable's file name, as looked up on `PATH`.
    pub fn file_name(self) -> &'static str {
        match self {
            Tool::Prometheus => "prometheus",
            Tool::Promtool => "promtool",
            Tool::Rotel => "rotel-agent",
            Tool::Alertmanager => "prometheus-alertmanager",
            Tool::Amtool => "amtool",
            Tool::VictoriaMetrics => "victoria-metrics",
            // Only the tools venv's Python has `prometheus_client`: never PATH's.
            Tool::Python => "autobot-tools-venv-python",
        }
    }
}

/// The repository root (the parent of the `tests` crate).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Finds a tool's executable.
///
/// Order: the tool's environment variable ([`Tool::env_var`]; if set it must
/// point at an executable file), then `<repo>/.tools/env` (written by
/// `scripts/install-tools.sh`), then for rotel
/// `<repo>/.tools/venv/lib/python3*/site-packages/rotel/rotel-agent`, then
/// `PATH`, then `/usr/bin`. The error tells to run `scripts/install-tools.sh`.
pub fn tool_path(tool: Tool) -> Result<PathBuf> {
    let var = tool.env_var();
    if let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(value);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(err!(
                "{var}={} is not an executable file; unset it or run scripts/install-tools.sh",
                p.display()
            ))
        };
    }

    let root = repo_root();
    let mut looked = vec![format!("${var}")];

    let env_file = root.join(".tools").join("env");
    looked.push(env_file.display().to_string());
    if let Some(p) = read_env_file(&env_file).remove(var).map(PathBuf::from)
        && is_executable(&p)
    {
        return Ok(p);
    }

    if tool == Tool::Python {
        let p = root.join(".tools").join("venv").join("bin").join("python");
        looked.push(p.display().to_string());
        if is_executable(&p) {
            return Ok(p);
        }
    }

    if tool == Tool::Rotel {
        let lib = root.join(".tools").join("venv").join("lib");
        looked.push(format!(
            "{}/python3*/site-packages/rotel/rotel-agent",
            lib.display()
        ));
        if let Ok(entries) = std::fs::read_dir(&lib) {
            let mut dirs: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
                .map(|e| e.path())
                .collect();
            dirs.sort();
            for d in dirs.iter().rev() {
                let p = d.join("site-packages").join("rotel").join("rotel-agent");
                if is_executable(&p) {
                    return Ok(p);
                }
            }
        }
    }

    looked.push("$PATH".to_string());
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(tool.file_name());
            if is_executable(&p) {
                return Ok(p);
            }
        }
    }
    let p = Path::new("/usr/bin").join(tool.file_name());
    looked.push(p.display().to_string());
    if is_executable(&p) {
        return Ok(p);
    }

    Err(err!(
        "{} not found (looked in: {}); run scripts/install-tools.sh",
        tool.file_name(),
        looked.join(", ")
    ))
}

/// Path of the Prometheus server binary; see [`tool_path`].
pub fn prometheus_bin() -> Result<PathBuf> {
    tool_path(Tool::Prometheus)
}

/// Path of `promtool`; see [`tool_path`].
pub fn promtool_bin() -> Result<PathBuf> {
    tool_path(Tool::Promtool)
}

/// Path of rotel's `rotel-agent` binary; see [`tool_path`].
pub fn rotel_bin() -> Result<PathBuf> {
    tool_path(Tool::Rotel)
}

/// Path of Alertmanager; see [`tool_path`].
pub fn alertmanager_bin() -> Result<PathBuf> {
    tool_path(Tool::Alertmanager)
}

/// Path of `amtool`; see [`tool_path`].
pub fn amtool_bin() -> Result<PathBuf> {
    tool_path(Tool::Amtool)
}

/// Path of the VictoriaMetrics single-node binary; see [`tool_path`].
pub fn victoria_metrics_bin() -> Result<PathBuf> {
    tool_path(Tool::VictoriaMetrics)
}

/// Path of the tools venv's Python (with `prometheus_client`); see [`tool_path`].
pub fn python_bin() -> Result<PathBuf> {
    tool_path(Tool::Python)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Parses `export KEY="VALUE"` / `KEY=VALUE` lines; ignores everything else.
fn read_env_file(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .map(|text| parse_env(&text))
        .unwrap_or_default()
}

fn parse_env(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        out.insert(key.trim().to_string(), value.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_parsing() {
        let m = parse_env(
            "# comment\nexport AUTOBOT_A=\"/x/y\"\nAUTOBOT_B='/z'\nexport AUTOBOT_C=/plain\njunk\n",
        );
        assert_eq!(m["AUTOBOT_A"], "/x/y");
        assert_eq!(m["AUTOBOT_B"], "/z");
        assert_eq!(m["AUTOBOT_C"], "/plain");
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn repo_root_has_workspace_manifest() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(repo_root().join("tests").join("Cargo.toml").is_file());
    }
}
