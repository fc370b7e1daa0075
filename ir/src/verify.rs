//! The bytecode verifier: checks emitted code independently of the translator.
//!
//! - every instruction decodes and control cannot run off the end;
//! - every branch target is an instruction boundary;
//! - every register operand lies inside the frame;
//! - every register read is defined on every path reaching it: parameters and
//!   locals at entry, anything else only after a write; at a join the defined
//!   sets intersect. A call clobbers every register from its base upward
//!   (the callee's frame lives there) and then defines its results.
//! - the accumulator ([`Reg::ACC`]) is one more register, past the frame's
//!   end: undefined at entry, defined by a write, clobbered by calls; the
//!   decoder has already checked that it appears only in the roles its
//!   instruction's mode names.

use crate::flow::{Flow, FlowError, Node, Writes};
use crate::{FuncBody, Reg};
use bitvec::prelude::*;
use std::fmt;

/// Parameter and result counts of call targets, supplied by the module.
pub trait CallArity {
    /// `(params, results)` of function `func` (module function index space).
    fn func(&self, func: u32) -> Option<(u32, u32)>;
    /// `(params, results)` of type `ty`.
    fn ty(&self, ty: u32) -> Option<(u32, u32)>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The code does not decode, a branch misses, control falls off the
    /// end, or a call names an unknown target.
    Flow(FlowError),
    RegOutsideFrame {
        at: usize,
        reg: u32,
    },
    UndefinedRead {
        at: usize,
        reg: u32,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Flow(e) => e.fmt(f),
            VerifyError::RegOutsideFrame { at, reg } => {
                write!(f, "{at:04x}: register r{reg} outside the frame")
            }
            VerifyError::UndefinedRead { at, reg } => {
                write!(f, "{at:04x}: r{reg} read where it may be undefined")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// Verifies `body`; see the module documentation for what is checked.
pub fn verify(body: &FuncBody, arity: &dyn CallArity) -> Result<(), VerifyError> {
    let flow = Flow::decode(body)?;
    let instrs = &flow.nodes;

    // Block leaders: the entry, every branch target, and every instruction
    // after one that branches.
    let mut leader = bitvec![0; instrs.len()];
    leader.set(0, true);
    for (i, d) in instrs.iter().enumerate() {
        let branches = d.instr.is_terminator() || !d.taken.is_empty();
        if branches {
            for t in d.successors() {
                leader.set(t, true);
            }
            if i + 1 < instrs.len() {
                leader.set(i + 1, true);
            }
        }
    }

    let frame = body.frame_size as usize;
    let mut entry_state: Vec<Option<BitVec>> = vec![None; instrs.len()];
    // One bit per frame register, then the accumulator's.
    let mut defined = bitvec![0; frame + 1];
    defined[..(body.num_locals as usize + body.consts.len()).min(frame)].fill(true);
    entry_state[0] = Some(defined);
    let mut worklist = vec![0usize];
    let mut queued = bitvec![0; instrs.len()];
    queued.set(0, true);

    while let Some(start) = worklist.pop() {
        queued.set(start, false);
        let mut state = entry_state[start]
            .clone()
            .expect("queued blocks have a state");
        let mut i = start;
        loop {
            let d = &instrs[i];
            transfer(body, arity, d, &mut state)?;
            if let (true, Some(f)) = (d.taken.is_empty(), d.fall) {
                if !leader[f] {
                    i = f;
                    continue;
                }
            }
            for t in d.successors() {
                let changed = match &mut entry_state[t] {
                    slot @ None => {
                        *slot = Some(state.clone());
                        true
                    }
                    Some(existing) => {
                        let before = existing.count_ones();
                        *existing &= &state;
                        existing.count_ones() != before
                    }
                };
                if changed && !queued[t] {
                    queued.set(t, true);
                    worklist.push(t);
                }
            }
            break;
        }
    }
    Ok(())
}

fn transfer(
    body: &FuncBody,
    arity: &dyn CallArity,
    d: &Node,
    state: &mut BitVec,
) -> Result<(), VerifyError> {
    let at = d.at;
    let frame = body.frame_size as usize;
    // The accumulator's bit follows the frame's.
    let slot = |r: Reg| if r.is_acc() { frame } else { r.index() };
    let effects = d.instr.effects(body, at, arity)?;
    for &r in &effects.reads {
        if !r.is_acc() && r.index() >= frame {
            return Err(VerifyError::RegOutsideFrame {
                at,
                reg: r.0 as u32,
            });
        }
        if !state[slot(r)] {
            return Err(VerifyError::UndefinedRead {
                at,
                reg: r.0 as u32,
            });
        }
    }
    match effects.writes {
        Writes::Regs(ws) => {
            for w in ws {
                if !w.is_acc() && w.index() >= frame {
                    return Err(VerifyError::RegOutsideFrame {
                        at,
                        reg: w.0 as u32,
                    });
                }
                state.set(slot(w), true);
            }
        }
        Writes::Call { base, results } => {
            let end = base.index() + results as usize;
            if end > frame {
                return Err(VerifyError::RegOutsideFrame {
                    at,
                    reg: end as u32 - 1,
                });
            }
            // Clears the accumulator's bit too: it lies past the frame.
            state[base.index()..].fill(false);
            state[base.index()..end].fill(true);
        }
    }
    Ok(())
}

impl From<FlowError> for VerifyError {
    fn from(e: FlowError) -> VerifyError {
        VerifyError::Flow(e)
    }
}
