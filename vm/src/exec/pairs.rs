//! Dynamic instruction-pair counts (the `pair-profile` feature): which
//! instruction follows which, and how often, in the programs actually run.
//! Superinstructions are chosen from these counts (benches/FINDINGS.md).
//!
//! The feature forces the loop dispatcher, which records every executed
//! opcode after its predecessor; builds without it count nothing.

use regwasm_ir::Opcode;
use std::cell::RefCell;
use std::sync::Mutex;

const N: usize = Opcode::COUNT;

/// Counts per (previous, current) opcode, `N * N`, gathered from every
/// thread's own table when it leaves the dispatcher.
static PAIRS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

thread_local! {
    static LOCAL: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Records that `cur` executed right after `prev` (encoded `u16`s: counted
/// by opcode, accumulator modes merged).
#[inline(always)]
pub(super) fn record(prev: u16, cur: u16) {
    let (prev, cur) = (prev >> 3, cur >> 3);
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        if l.is_empty() {
            l.resize(N * N, 0);
        }
        l[prev as usize * N + cur as usize] += 1;
    });
}

/// Moves this thread's pair counts into the global table.
pub(super) fn flush() {
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        if l.is_empty() {
            return;
        }
        let mut g = PAIRS.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_empty() {
            g.resize(N * N, 0);
        }
        for (g, l) in g.iter_mut().zip(l.iter_mut()) {
            *g += std::mem::take(l);
        }
    });
}

/// The counts gathered so far (and resets them): executed instructions per
/// opcode, and executed pairs, both sorted by count, highest first.
pub fn take_counts() -> (Vec<(Opcode, u64)>, Vec<((Opcode, Opcode), u64)>) {
    flush();
    let table = std::mem::take(&mut *PAIRS.lock().unwrap_or_else(|e| e.into_inner()));
    let mut singles: Vec<(Opcode, u64)> = Opcode::ALL
        .iter()
        .map(|&op| {
            let n = (0..N).map(|prev| table.get(prev * N + op as usize).copied().unwrap_or(0));
            (op, n.sum())
        })
        .filter(|&(_, n)| n > 0)
        .collect();
    singles.sort_by(|a, b| b.1.cmp(&a.1));
    let mut pairs: Vec<((Opcode, Opcode), u64)> = table
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(i, &n)| ((Opcode::ALL[i / N], Opcode::ALL[i % N]), n))
        .collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1));
    (singles, pairs)
}
