//! The file system sandbox: a guest holding one preopened directory tries
//! every way out of it and gets the exact errno, and nothing outside the
//! directory changes.
//!
//! Layout on the host (all inside a fresh temp dir):
//!
//! ```text
//! base/
//!   outside.txt             the secret
//!   jail/                   preopened as fd 3
//!     file.txt
//!     sub/
//!     abs_link   -> /etc/passwd       (made by the host)
//!     rel_link   -> ../outside.txt    (made by the host)
//!     up_link    -> ..                (made by the host)
//! ```

mod common;

use common::*;
use regwasm::Val;
use regwasm_wasi::WasiCtxBuilder;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

const SECRET: &[u8] = b"do not touch";

struct Jail {
    base: TempDir,
    guest: Guest,
}

fn jail() -> Jail {
    let base = TempDir::new("sandbox");
    let root = base.path();
    std::fs::write(root.join("outside.txt"), SECRET).unwrap();
    let jail = root.join("jail");
    std::fs::create_dir(&jail).unwrap();
    std::fs::write(jail.join("file.txt"), b"inside").unwrap();
    std::fs::create_dir(jail.join("sub")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", jail.join("abs_link")).unwrap();
    std::os::unix::fs::symlink("../outside.txt", jail.join("rel_link")).unwrap();
    std::os::unix::fs::symlink("..", jail.join("up_link")).unwrap();
    let ctx = WasiCtxBuilder::new()
        .preopened_dir(&jail, "/sandbox")
        .unwrap()
        .build();
    Jail {
        guest: Guest::new(ctx),
        base,
    }
}

/// Everything under `dir` (names → contents or "<dir>"/"<link>"), with the
/// mtime of the secret, to compare before and after.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, Option<SystemTime>)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            out.insert(name.clone(), (b"<dir>".to_vec(), None));
            for (k, v) in snapshot(&path) {
                out.insert(format!("{name}/{k}"), v);
            }
        } else if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            out.insert(name, (target.to_string_lossy().as_bytes().to_vec(), None));
        } else {
            out.insert(name, (std::fs::read(&path).unwrap(), meta.modified().ok()));
        }
    }
    out
}

/// The host side outside the jail: the base dir minus the jail itself.
fn outside(base: &Path) -> BTreeMap<String, (Vec<u8>, Option<SystemTime>)> {
    snapshot(base)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("jail/"))
        .collect()
}

#[test]
fn the_preopen_is_fd_3() {
    let mut j = jail();
    assert_eq!(j.guest.call("fd_prestat_get", &[i(3), i(OUT)]), SUCCESS);
    assert_eq!(j.guest.read(OUT, 1), [0]); // preopentype dir
    assert_eq!(j.guest.u32_at(OUT + 4), "/sandbox".len() as u32);
    assert_eq!(
        j.guest.call("fd_prestat_dir_name", &[i(3), i(OUT), i(8)]),
        SUCCESS
    );
    assert_eq!(j.guest.read(OUT, 8), b"/sandbox");
    assert_eq!(j.guest.call("fd_prestat_get", &[i(4), i(OUT)]), EBADF);
    // Opening something inside works.
    let fd = j.guest.open(3, 0, "sub/../file.txt", 0, 0).unwrap();
    assert_eq!(j.guest.read_fd(fd, 100).unwrap(), b"inside");
}

#[test]
fn opening_outside_paths_is_not_capable() {
    let mut j = jail();
    let before = outside(j.base.path());
    for path in [
        "../outside.txt",
        "/etc/passwd",
        "/",
        "sub/../../outside.txt",
        "sub/../../jail/../outside.txt",
        "..",
    ] {
        assert_eq!(j.guest.open(3, 0, path, 0, 0), Err(ENOTCAPABLE), "{path}");
        assert_eq!(
            j.guest.open(3, LOOKUP_FOLLOW, path, 0, 0),
            Err(ENOTCAPABLE),
            "{path}"
        );
    }
    // Creating through an escape fails too, and creates nothing.
    assert_eq!(
        j.guest.open(3, 0, "../created.txt", OFLAGS_CREAT, 0),
        Err(ENOTCAPABLE)
    );
    assert_eq!(
        j.guest
            .open(3, LOOKUP_FOLLOW, "up_link/created.txt", OFLAGS_CREAT, 0),
        Err(ENOTCAPABLE)
    );
    assert_eq!(outside(j.base.path()), before);
}

#[test]
fn symlinks_pointing_outside_are_not_followed() {
    let mut j = jail();
    let before = outside(j.base.path());
    for link in ["abs_link", "rel_link", "up_link/outside.txt"] {
        assert_eq!(
            j.guest.open(3, LOOKUP_FOLLOW, link, 0, 0),
            Err(ENOTCAPABLE),
            "{link}"
        );
    }
    // Without symlink_follow the final link itself is refused.
    assert_eq!(j.guest.open(3, 0, "abs_link", 0, 0), Err(ELOOP));
    assert_eq!(j.guest.open(3, 0, "rel_link", 0, 0), Err(ELOOP));
    // An intermediate component is always followed, and still checked.
    assert_eq!(
        j.guest.open(3, 0, "up_link/outside.txt", 0, 0),
        Err(ENOTCAPABLE)
    );
    assert_eq!(
        j.guest
            .open(3, LOOKUP_FOLLOW, "up_link", OFLAGS_DIRECTORY, 0),
        Err(ENOTCAPABLE)
    );

    // Stat and set-times through the links.
    let [p, len] = j.guest.string(SCRATCH, "rel_link");
    let follow = Val::I32(LOOKUP_FOLLOW);
    assert_eq!(
        j.guest
            .call("path_filestat_get", &[i(3), follow, p, len, i(OUT)]),
        ENOTCAPABLE
    );
    // Without following, the link itself is visible (it is in the jail).
    assert_eq!(
        j.guest
            .call("path_filestat_get", &[i(3), Val::I32(0), p, len, i(OUT)]),
        SUCCESS
    );
    assert_eq!(j.guest.read(OUT + 16, 1), [7]); // symbolic_link
    let atim_mtim_now = Val::I32(0b1010);
    assert_eq!(
        j.guest.call(
            "path_filestat_set_times",
            &[
                i(3),
                follow,
                p,
                len,
                Val::I64(0),
                Val::I64(0),
                atim_mtim_now
            ]
        ),
        ENOTCAPABLE
    );
    assert_eq!(outside(j.base.path()), before);
}

#[test]
fn renames_and_links_cannot_leave() {
    let mut j = jail();
    let before = outside(j.base.path());
    let rename = |g: &mut Guest, from: &str, to: &str| {
        let [fp, fl] = g.string(SCRATCH, from);
        let [tp, tl] = g.string(SCRATCH + 256, to);
        g.call("path_rename", &[i(3), fp, fl, i(3), tp, tl])
    };
    let link = |g: &mut Guest, from: &str, to: &str| {
        let [fp, fl] = g.string(SCRATCH, from);
        let [tp, tl] = g.string(SCRATCH + 256, to);
        g.call("path_link", &[i(3), Val::I32(0), fp, fl, i(3), tp, tl])
    };
    assert_eq!(
        rename(&mut j.guest, "file.txt", "../moved.txt"),
        ENOTCAPABLE
    );
    assert_eq!(
        rename(&mut j.guest, "file.txt", "up_link/moved.txt"),
        ENOTCAPABLE
    );
    assert_eq!(
        rename(&mut j.guest, "file.txt", "/tmp/moved.txt"),
        ENOTCAPABLE
    );
    assert_eq!(
        rename(&mut j.guest, "../outside.txt", "stolen.txt"),
        ENOTCAPABLE
    );
    assert_eq!(rename(&mut j.guest, "sub", "../sub"), ENOTCAPABLE);
    assert_eq!(link(&mut j.guest, "file.txt", "../linked.txt"), ENOTCAPABLE);
    assert_eq!(
        link(&mut j.guest, "file.txt", "up_link/linked.txt"),
        ENOTCAPABLE
    );
    assert_eq!(
        link(&mut j.guest, "../outside.txt", "stolen.txt"),
        ENOTCAPABLE
    );
    assert_eq!(
        link(&mut j.guest, "up_link/outside.txt", "stolen.txt"),
        ENOTCAPABLE
    );
    assert!(j.base.path().join("jail/file.txt").exists());
    assert!(!j.base.path().join("jail/stolen.txt").exists());
    // Inside the jail both work.
    assert_eq!(rename(&mut j.guest, "file.txt", "sub/moved.txt"), SUCCESS);
    assert_eq!(link(&mut j.guest, "sub/moved.txt", "linked.txt"), SUCCESS);
    assert_eq!(
        std::fs::read(j.base.path().join("jail/linked.txt")).unwrap(),
        b"inside"
    );
    assert_eq!(outside(j.base.path()), before);
}

#[test]
fn other_path_calls_cannot_leave() {
    let mut j = jail();
    let before = outside(j.base.path());
    assert_eq!(
        j.guest.path_call("path_create_directory", 3, "../newdir"),
        ENOTCAPABLE
    );
    assert_eq!(
        j.guest
            .path_call("path_create_directory", 3, "up_link/newdir"),
        ENOTCAPABLE
    );
    assert_eq!(
        j.guest.path_call("path_unlink_file", 3, "../outside.txt"),
        ENOTCAPABLE
    );
    assert_eq!(
        j.guest
            .path_call("path_unlink_file", 3, "up_link/outside.txt"),
        ENOTCAPABLE
    );
    assert_eq!(
        j.guest.path_call("path_unlink_file", 3, "/etc/passwd"),
        ENOTCAPABLE
    );
    assert_eq!(
        j.guest.path_call("path_remove_directory", 3, "../jail"),
        ENOTCAPABLE
    );
    // A symlink with an absolute target could only ever point outside.
    let [tp, tl] = j.guest.string(SCRATCH + 256, "/etc/passwd");
    let [lp, ll] = j.guest.string(SCRATCH, "new_link");
    assert_eq!(
        j.guest.call("path_symlink", &[tp, tl, i(3), lp, ll]),
        ENOTCAPABLE
    );
    // A relative one may be created but not followed out.
    let [tp, tl] = j.guest.string(SCRATCH + 256, "../outside.txt");
    let [lp, ll] = j.guest.string(SCRATCH, "new_link");
    assert_eq!(
        j.guest.call("path_symlink", &[tp, tl, i(3), lp, ll]),
        SUCCESS
    );
    assert_eq!(
        j.guest.open(3, LOOKUP_FOLLOW, "new_link", 0, 0),
        Err(ENOTCAPABLE)
    );
    // Creating a link outside is refused.
    let [tp, tl] = j.guest.string(SCRATCH + 256, "file.txt");
    let [lp, ll] = j.guest.string(SCRATCH, "../evil_link");
    assert_eq!(
        j.guest.call("path_symlink", &[tp, tl, i(3), lp, ll]),
        ENOTCAPABLE
    );
    // Reading a link's contents is fine: it is data inside the jail.
    let [p, l] = j.guest.string(SCRATCH, "rel_link");
    assert_eq!(
        j.guest
            .call("path_readlink", &[i(3), p, l, i(OUT), i(64), i(OUT + 64)]),
        SUCCESS
    );
    assert_eq!(
        j.guest.read(OUT, j.guest.u32_at(OUT + 64)),
        b"../outside.txt"
    );
    assert_eq!(outside(j.base.path()), before);
    assert_eq!(
        std::fs::read(j.base.path().join("outside.txt")).unwrap(),
        SECRET
    );
}

#[test]
fn directories_opened_inside_are_jailed_too() {
    let mut j = jail();
    let sub = j.guest.open(3, 0, "sub", OFLAGS_DIRECTORY, 0).unwrap();
    assert_eq!(j.guest.open(sub, 0, "../file.txt", 0, 0), Err(ENOTCAPABLE));
    assert_eq!(
        j.guest.open(sub, 0, "../../outside.txt", 0, 0),
        Err(ENOTCAPABLE)
    );
    assert_eq!(j.guest.call("fd_prestat_get", &[i(sub), i(OUT)]), EBADF);
    // Not a preopen, but a path base: files inside open normally.
    let f = j.guest.open(sub, 0, "new.txt", OFLAGS_CREAT, 0).unwrap();
    assert_eq!(j.guest.write_fd(f, b"x"), SUCCESS);
    assert!(j.base.path().join("jail/sub/new.txt").exists());
}
