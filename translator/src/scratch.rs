//! Buffers that one translation leaves to the next on the same thread, so
//! that translating a module allocates little more than each function's
//! output: growing a fresh vector per function (and faulting in its pages)
//! cost about a quarter of eager translation before.

use crate::analysis::Node;
use std::cell::RefCell;
use wasmparser::Operator;

/// The reusable buffers of both passes, kept empty between translations.
#[derive(Default)]
pub(crate) struct Scratch {
    pub ops: Vec<(Operator<'static>, usize)>,
    pub nodes: Vec<Node>,
    pub node_at: Vec<u32>,
    pub write_start: Vec<u32>,
    pub write_pos: Vec<u32>,
    pub first_result: Vec<u32>,
    pub producer: Vec<u32>,
    pub consumer: Vec<u32>,
    pub code: Vec<u8>,
    pub ref_key: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Takes this thread's buffers (fresh ones if a translation on this thread
/// holds them already).
pub(crate) fn take() -> Scratch {
    SCRATCH.with(|s| {
        s.try_borrow_mut()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    })
}

/// Gives the buffers back for the next translation on this thread.
pub(crate) fn give(mut s: Scratch) {
    // One huge function should not pin its buffers for the thread's life.
    if s.ops.capacity() > 1 << 20 || s.code.capacity() > 16 << 20 {
        return;
    }
    s.clear();
    SCRATCH.with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = s;
        }
    });
}

impl Scratch {
    fn clear(&mut self) {
        self.ops.clear();
        self.nodes.clear();
        self.node_at.clear();
        self.write_start.clear();
        self.write_pos.clear();
        self.first_result.clear();
        self.producer.clear();
        self.consumer.clear();
        self.code.clear();
        self.ref_key.clear();
    }
}

/// The same (empty) allocation for operators of another lifetime; the
/// standard library collects `into_iter().filter_map(..)` in place when the
/// element layouts agree, as they do here.
pub(crate) fn relifetime<'b>(mut v: Vec<(Operator<'_>, usize)>) -> Vec<(Operator<'b>, usize)> {
    v.clear();
    // The element type changes (its lifetime), which `filter` cannot do.
    #[allow(clippy::unnecessary_filter_map)]
    v.into_iter().filter_map(|_| None).collect()
}
