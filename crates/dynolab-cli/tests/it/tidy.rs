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
