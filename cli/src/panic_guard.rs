//! Catching panics quietly.
//!
//! [`catch_quiet`] runs a closure under `catch_unwind` while a process-wide
//! panic hook (installed once) suppresses the default "thread panicked at"
//! message for the current thread and records it instead, so the caller can
//! report the panic as an ordinary failure. Panics on other threads, and on
//! this thread outside of `catch_quiet`, still go to the previous hook.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET_DEPTH: Cell<u32> = const { Cell::new(0) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET_DEPTH.with(Cell::get) > 0 {
                // `PanicHookInfo`'s Display is "panicked at FILE:LINE:COL:\nMESSAGE".
                let text = info.to_string().replace('\n', " ");
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, returning `Err(message)` if it panics. The panic message (with
/// its source location) is captured instead of being printed.
pub fn catch_quiet<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    QUIET_DEPTH.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET_DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|payload| {
        let recorded = LAST_PANIC.with(|p| p.borrow_mut().take());
        recorded.unwrap_or_else(|| {
            let msg = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "non-string panic payload".to_string()
            };
            format!("panicked: {msg}")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_and_records_message() {
        let err = catch_quiet(|| panic!("boom {}", 7)).unwrap_err();
        assert!(err.contains("boom 7"), "{err}");
        assert!(err.contains("panic_guard.rs"), "{err}");
        assert_eq!(catch_quiet(|| 5), Ok(5));
    }

    #[test]
    fn nested_guards() {
        let outer = catch_quiet(|| {
            let inner = catch_quiet(|| panic!("inner"));
            assert!(inner.unwrap_err().contains("inner"));
            panic!("outer")
        });
        assert!(outer.unwrap_err().contains("outer"));
    }
}
