//! `cargo xtask gen` regenerates the files derived from the metric catalog and
//! the list of the facade's public items (`autobot-otel/public-api.txt`, from its
//! rustdoc output); `cargo xtask check` exits non-zero when one of them is out of
//! date, when one name is public at two paths, or when a locked dependency needs
//! a newer Rust than the stated MSRV.

use std::process::ExitCode;

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    match std::env::args().nth(1).as_deref() {
        Some("gen") => match generated_with_api(&root) {
            Ok(files) => {
                for file in files {
                    if let Err(e) = std::fs::write(root.join(&file.path), &file.content) {
                        eprintln!("cannot write {}: {e}", file.path.display());
                        return ExitCode::FAILURE;
                    }
                    println!("wrote {}", file.path.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Some("check") => match stale_with_api(&root) {
            Ok(stale) if stale.is_empty() => {
                println!("generated files are current");
                let api = std::fs::read_to_string(root.join(xtask::public_api::PUBLIC_API_FILE))
                    .unwrap_or_default();
                let twice = xtask::public_api::duplicates(&api);
                if !twice.is_empty() {
                    for d in twice {
                        eprintln!("one path per item: {d}");
                    }
                    return ExitCode::FAILURE;
                }
                let items = api.lines().filter(|l| !l.starts_with('#')).count();
                println!("public surface: {items} items and modules, each at one path");
                match xtask::msrv_violations(&root) {
                    Ok((msrv, newer)) if newer.is_empty() => {
                        println!("no locked dependency needs a Rust newer than the MSRV {msrv}");
                        ExitCode::SUCCESS
                    }
                    Ok((msrv, newer)) => {
                        for n in newer {
                            eprintln!("MSRV {msrv}: {n}");
                        }
                        ExitCode::FAILURE
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Ok(stale) => {
                for path in stale {
                    eprintln!("out of date: {} (run `cargo xtask gen`)", path.display());
                }
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo xtask gen | check");
            ExitCode::FAILURE
        }
    }
}

/// The catalog's generated files and the public-item list.
fn generated_with_api(root: &std::path::Path) -> Result<Vec<xtask::Generated>, String> {
    let mut files = xtask::generated_files(root)?;
    files.push(xtask::Generated {
        path: xtask::public_api::PUBLIC_API_FILE.into(),
        content: xtask::public_api::public_api(root)?,
    });
    Ok(files)
}

/// [`xtask::stale_files`], and the public-item list when it is out of date.
fn stale_with_api(root: &std::path::Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut stale = xtask::stale_files(root)?;
    let path = root.join(xtask::public_api::PUBLIC_API_FILE);
    if std::fs::read_to_string(&path).unwrap_or_default() != xtask::public_api::public_api(root)? {
        stale.push(xtask::public_api::PUBLIC_API_FILE.into());
    }
    Ok(stale)
}
