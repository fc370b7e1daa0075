//! Runs the WASI preview 1 conformance suite (WebAssembly/wasi-testsuite,
//! prebuilt binaries) against regwasm-wasi, following the suite's runner
//! rules: `args` after the program name, `env` as the whole environment,
//! `root` copied to a scratch directory and preopened as `/`, then the exit
//! code and (if given) stdout compared.
//!
//! The suite is read from `$REGWASM_WASI_TESTSUITE` (default:
//! `../shared/wasi-testsuite` next to the workspace); without it the test
//! says so and passes. `REGWASM_WASI_FILTER=substring` runs a subset;
//! `REGWASM_WASI_VERBOSE=1` shows every test's output;
//! `REGWASM_WASI_INHERIT_STDIO=1` gives the guests the host's stdio (stdout
//! is still captured where the test checks it).

use regwasm::{Engine, Linker, Module, Store};
use regwasm_wasi::{add_to_linker, I32Exit, OutputBuffer, WasiCtx, WasiCtxBuilder};
use std::path::{Path, PathBuf};

const SUITES: [&str; 3] = ["assemblyscript", "c", "rust"];

fn suite_root() -> PathBuf {
    match std::env::var_os("REGWASM_WASI_TESTSUITE") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasi-testsuite"),
    }
}

#[derive(Default)]
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
}

fn read_spec(wasm: &Path) -> Spec {
    let mut spec = Spec::default();
    let Ok(text) = std::fs::read_to_string(wasm.with_extension("json")) else {
        return spec;
    };
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    if let Some(args) = json["args"].as_array() {
        spec.args = args
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
    }
    if let Some(env) = json["env"].as_object() {
        spec.env = env
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
    }
    spec.root = json["root"].as_str().map(str::to_string);
    spec.exit_code = json["exit_code"].as_i64().unwrap_or(0) as i32;
    spec.stdout = json["stdout"].as_str().map(str::to_string);
    spec
}

/// Copies a directory tree, making everything writable (the suite's data
/// files are read-only), and drops `*.cleanup` leftovers.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().ends_with(".cleanup") {
            continue;
        }
        let ty = entry.file_type().unwrap();
        let dest = to.join(&name);
        if ty.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), &dest).unwrap();
            let mut perms = std::fs::metadata(&dest).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&dest, perms).unwrap();
        }
    }
    let mut perms = std::fs::metadata(to).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(to, perms).unwrap();
}

fn run_one(engine: &Engine, wasm: &Path) -> Result<(), String> {
    let spec = read_spec(wasm);
    let name = wasm.file_name().unwrap().to_string_lossy().to_string();
    let mut builder = WasiCtxBuilder::new();
    builder.arg(&name).args(&spec.args);
    for (k, v) in &spec.env {
        builder.env(k, v);
    }
    let inherit = std::env::var_os("REGWASM_WASI_INHERIT_STDIO").is_some();
    if !inherit {
        builder.stdin_bytes(Vec::new());
    }
    let stdout = if inherit && spec.stdout.is_none() {
        OutputBuffer::default()
    } else {
        builder.stdout_capture()
    };
    let stderr = if inherit {
        OutputBuffer::default()
    } else {
        builder.stderr_capture()
    };
    let scratch = spec.root.as_ref().map(|root| {
        let dir = std::env::temp_dir().join(format!(
            "regwasm-wasi-suite-{}-{}",
            std::process::id(),
            name
        ));
        let _ = std::fs::remove_dir_all(&dir);
        copy_tree(&wasm.parent().unwrap().join(root), &dir);
        dir
    });
    if let Some(dir) = &scratch {
        builder.preopened_dir(dir, "/").map_err(|e| e.to_string())?;
    }
    let result = (|| -> Result<i32, String> {
        let bytes = std::fs::read(wasm).map_err(|e| e.to_string())?;
        let module = Module::new(engine, bytes).map_err(|e| e.to_string())?;
        let mut store = Store::new(engine, builder.build());
        let mut linker = Linker::new(engine);
        add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).map_err(|e| e.to_string())?;
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| e.to_string())?;
        let start = instance
            .get_typed_func::<(), ()>(&store, "_start")
            .map_err(|e| e.to_string())?;
        match start.call(&mut store, ()) {
            Ok(()) => Ok(0),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => Ok(*code),
                None => Err(format!("error: {e}")),
            },
        }
    })();
    if let Some(dir) = &scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    let describe = |what: String| {
        format!(
            "{what}\n    stdout: {:?}\n    stderr: {}",
            String::from_utf8_lossy(&stdout.contents()),
            String::from_utf8_lossy(&stderr.contents())
                .trim_end()
                .replace('\n', "\n            ")
        )
    };
    if std::env::var_os("REGWASM_WASI_VERBOSE").is_some() {
        eprintln!("{}", describe(format!("{name}: {result:?}")));
    }
    let code = result.map_err(describe)?;
    if code != spec.exit_code {
        return Err(describe(format!(
            "exit code {code}, expected {}",
            spec.exit_code
        )));
    }
    if let Some(expected) = &spec.stdout {
        if stdout.contents() != expected.as_bytes() {
            return Err(describe("stdout differs".to_string()));
        }
    }
    Ok(())
}

#[test]
fn wasi_testsuite_preview1() {
    let root = suite_root();
    if !root.join("tests").is_dir() {
        eprintln!(
            "skipped: no wasi-testsuite at {} (set REGWASM_WASI_TESTSUITE)",
            root.display()
        );
        return;
    }
    let filter = std::env::var("REGWASM_WASI_FILTER").unwrap_or_default();
    let verbose = std::env::var_os("REGWASM_WASI_VERBOSE").is_some();
    let engine = Engine::default();
    let (mut passed, mut failed) = (0, Vec::new());
    for suite in SUITES {
        let dir = root
            .join("tests")
            .join(suite)
            .join("testsuite/wasm32-wasip1");
        let mut tests: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        tests.sort();
        for wasm in tests {
            let label = format!("{suite}/{}", wasm.file_stem().unwrap().to_string_lossy());
            if !label.contains(&filter) {
                continue;
            }
            match run_one(&engine, &wasm) {
                Ok(()) => {
                    passed += 1;
                    if verbose {
                        eprintln!("ok   {label}");
                    }
                }
                Err(why) => {
                    eprintln!("FAIL {label}: {why}");
                    failed.push(label);
                }
            }
        }
    }
    eprintln!("wasi-testsuite: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "failed: {failed:?}");
}
