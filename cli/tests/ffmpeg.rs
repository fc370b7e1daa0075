//! ffmpeg.wasm (a real WASI program, 6.6 MB) through `regwasm run`: every
//! output must be bit-identical to the oracle.
//!
//! The fixture comes from `$REGWASM_FFMPEG_DIR` (default
//! `../shared/fixtures/ffmpeg` next to this checkout). These runs take
//! minutes in an unoptimised build, so they run in release builds only
//! (`cargo test --release`); CI runs them there.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn fixture_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("REGWASM_FFMPEG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/ffmpeg")
        });
    if dir.join("ffmpeg.wasm").is_file() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("the ffmpeg fixture is missing at {}", dir.display());
    }
    println!(
        "SKIPPED: no ffmpeg.wasm in {}; set REGWASM_FFMPEG_DIR to a copy of shared/fixtures/ffmpeg",
        dir.display()
    );
    None
}

fn release_only() -> bool {
    if cfg!(debug_assertions) {
        println!("SKIPPED: ffmpeg runs take minutes in a debug build; run `cargo test --release`");
        return false;
    }
    true
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `ffmpeg ARGS` in a fresh directory holding only `input`, preopened
/// as the guest's `.`; returns the directory.
fn ffmpeg(fixtures: &Path, name: &str, input: &str, args: &[&str]) -> PathBuf {
    let work = std::env::temp_dir().join(format!("regwasm-ffmpeg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(fixtures.join(input), work.join(input)).unwrap();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_regwasm"))
        .arg("run")
        .arg("--dir")
        .arg(format!("{}::.", work.display()))
        .args(["--argv0", "ffmpeg"])
        .arg(fixtures.join("ffmpeg.wasm"))
        .arg("--")
        .args(args)
        .output()
        .expect("regwasm runs");
    let elapsed = start.elapsed();
    let line = format!(
        "ffmpeg {name}: {:.2} s wall ({})",
        elapsed.as_secs_f64(),
        args.join(" ")
    );
    println!("{line}");
    // Also kept in target/tmp, where CI prints it (test output is captured).
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ffmpeg-times.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        use std::io::Write;
        let _ = writeln!(f, "{line}");
    }
    assert!(
        out.status.success(),
        "ffmpeg {name} exited with {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "unexpected stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stderr.is_empty(),
        "unexpected stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    work
}

const VIDEO: &str = "video-1080p-60fps-2s.mp4";

/// EXPECTED.md: the PNG thumbnail of the first frame at t >= 1 s.
#[test]
fn thumbnail_png_matches_oracle() {
    let (Some(fixtures), true) = (fixture_dir(), release_only()) else {
        return;
    };
    let args = [
        "-loglevel",
        "error",
        "-i",
        VIDEO,
        "-ss",
        "1",
        "-vframes",
        "1",
        "out-%03d.png",
    ];
    let work = ffmpeg(&fixtures, "png", VIDEO, &args);
    assert_eq!(
        sha256(&work.join("out-001.png")),
        "f53da2af97aa7149809bdc6ee290ea66049650602d0da7cebf09225166de8884"
    );
    let _ = std::fs::remove_dir_all(work);
}

/// EXPECTED.md: the same frame as raw rgb24.
#[test]
fn rawvideo_rgb24_matches_oracle() {
    let (Some(fixtures), true) = (fixture_dir(), release_only()) else {
        return;
    };
    let args = [
        "-loglevel",
        "error",
        "-i",
        VIDEO,
        "-ss",
        "1",
        "-vframes",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "out.rgb",
    ];
    let work = ffmpeg(&fixtures, "rgb", VIDEO, &args);
    assert_eq!(
        sha256(&work.join("out.rgb")),
        "a84faef14664625389fae980f8a2fd0feaf1d9a7afa163ea9ac79f6b1eefd4c9"
    );
    let _ = std::fs::remove_dir_all(work);
}

/// Every frame of the 15 s Indeo 4 AVI, converted to rgb24, as per-frame
/// MD5 sums (550 frames).
///
/// Oracle: the same ffmpeg.wasm under wasmtime 50.0.1 from PyPI
/// (`pip install wasmtime`), with the work directory preopened as `.` and
/// argv `ffmpeg -loglevel error -i video-15s.avi -pix_fmt rgb24 -f framemd5
/// out.framemd5` (wasmtime.WasiConfig: argv, preopen_dir(work, ".");
/// Linker.define_wasi; call `_start`), then `sha256sum out.framemd5`.
#[test]
fn avi_all_frames_match_wasmtime() {
    let (Some(fixtures), true) = (fixture_dir(), release_only()) else {
        return;
    };
    let input = "video-15s.avi";
    let args = [
        "-loglevel",
        "error",
        "-i",
        input,
        "-pix_fmt",
        "rgb24",
        "-f",
        "framemd5",
        "out.framemd5",
    ];
    let work = ffmpeg(&fixtures, "avi", input, &args);
    assert_eq!(
        sha256(&work.join("out.framemd5")),
        "b4d3a7f7ee66ece4bbccd51016c528d9386dd3643a5bcb2f5f1585502089c096"
    );
    let _ = std::fs::remove_dir_all(work);
}
