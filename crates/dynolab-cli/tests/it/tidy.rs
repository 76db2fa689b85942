//! Repository conventions checked as a test: every Rust file starts with a `//!` comment that
//! says what it is for, and no file has trailing whitespace or tabs.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_documents_itself_and_is_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    assert!(files.len() > 30, "found only {} files", files.len());
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if !text.starts_with("//!") {
            problems.push(format!(
                "{}: does not start with a //! module comment",
                file.display()
            ));
        }
        for (i, line) in text.lines().enumerate() {
            if line.ends_with(' ') || line.contains('\t') {
                problems.push(format!(
                    "{}:{}: trailing whitespace or tab",
                    file.display(),
                    i + 1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The workspace has more than one binary (`dynolab`, `orders-app`), so a `cargo run` in the
/// docs that names no binary or package fails for a newcomer: every one must say which.
#[test]
fn every_cargo_run_in_the_docs_names_its_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut docs = vec![root.join("README.md")];
    for dir in ["docs", "docs/design", "crates/dynolab-client"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                docs.push(path);
            }
        }
    }
    let mut problems = Vec::new();
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (i, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("cargo run") {
                let rest = &line[at..];
                let command = rest.split(['#', '`', ';', '&']).next().unwrap_or(rest);
                if !["--bin", " -p ", "--package", "--example"]
                    .iter()
                    .any(|flag| command.contains(flag))
                {
                    problems.push(format!("{}:{}: {}", doc.display(), i + 1, command.trim()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// ARCHITECTURE.md, "Robustness": no `unwrap`, `expect`, `unreachable!` or `panic!` in the
/// code request bytes reach (the server, the engine, the expression and PartiQL crates),
/// outside `#[cfg(test)]` items. The one allowed `panic!` is the fault injection.
#[test]
fn request_paths_have_no_unwrap_expect_or_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut problems = Vec::new();
    for krate in ["server", "engine", "expr", "partiql"] {
        let mut files = Vec::new();
        rust_files(
            &root.join(format!("crates/dynolab-{krate}/src")),
            &mut files,
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let (mut depth, mut test_item_at, mut pending) = (0i64, None, false);
            for (i, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("#[cfg(test)]") {
                    pending = true;
                }
                let (opens, closes) = (
                    line.matches('{').count() as i64,
                    line.matches('}').count() as i64,
                );
                if test_item_at.is_none() && pending && opens > 0 {
                    test_item_at = Some(depth);
                    pending = false;
                }
                let banned = [".unwrap()", ".expect(\"", "unreachable!", "panic!("]
                    .iter()
                    .any(|b| code.contains(b));
                if test_item_at.is_none()
                    && !code.starts_with("//")
                    && banned
                    && !code.contains("injected fault")
                {
                    problems.push(format!("{}:{}: {code}", file.display(), i + 1));
                }
                depth += opens - closes;
                if test_item_at.is_some_and(|d| depth <= d) {
                    test_item_at = None;
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
