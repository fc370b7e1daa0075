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

use crate::{Access, FuncBody, Instr, Reg};
use bitvec::prelude::*;
use std::collections::HashMap;
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
    BadInstr { at: usize },
    BadBranchTarget { at: usize, target: i64 },
    RegOutsideFrame { at: usize, reg: u32 },
    UndefinedRead { at: usize, reg: u32 },
    FallsOffEnd,
    UnknownCallee { at: usize },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::BadInstr { at } => write!(f, "{at:04x}: invalid instruction"),
            VerifyError::BadBranchTarget { at, target } => {
                write!(
                    f,
                    "{at:04x}: branch target {target:#x} is not an instruction"
                )
            }
            VerifyError::RegOutsideFrame { at, reg } => {
                write!(f, "{at:04x}: register r{reg} outside the frame")
            }
            VerifyError::UndefinedRead { at, reg } => {
                write!(f, "{at:04x}: r{reg} read where it may be undefined")
            }
            VerifyError::FallsOffEnd => write!(f, "control falls off the end of the code"),
            VerifyError::UnknownCallee { at } => write!(f, "{at:04x}: unknown call target"),
        }
    }
}

impl std::error::Error for VerifyError {}

struct Decoded {
    at: usize,
    instr: Instr,
    targets: Vec<usize>,
}

/// Verifies `body`; see the module documentation for what is checked.
pub fn verify(body: &FuncBody, arity: &dyn CallArity) -> Result<(), VerifyError> {
    let mut instrs = Vec::new();
    let mut index_of = HashMap::new();
    for item in body.instrs() {
        let (at, instr) = item.map_err(|b| VerifyError::BadInstr { at: b.0 })?;
        index_of.insert(at, instrs.len());
        instrs.push(Decoded {
            at,
            instr,
            targets: Vec::new(),
        });
    }
    for i in 0..instrs.len() {
        let d = &instrs[i];
        let mut targets = Vec::new();
        for t in body.branch_targets(d.at, &d.instr) {
            let idx = usize::try_from(t)
                .ok()
                .and_then(|t| index_of.get(&t).copied())
                .ok_or(VerifyError::BadBranchTarget {
                    at: d.at,
                    target: t,
                })?;
            targets.push(idx);
        }
        if !d.instr.is_terminator() {
            if i + 1 >= instrs.len() {
                return Err(VerifyError::FallsOffEnd);
            }
            targets.push(i + 1);
        }
        instrs[i].targets = targets;
    }
    if instrs.is_empty() {
        return Err(VerifyError::FallsOffEnd);
    }

    // Block leaders: the entry, every branch target, and every instruction
    // after one that branches.
    let mut leader = bitvec![0; instrs.len()];
    leader.set(0, true);
    for (i, d) in instrs.iter().enumerate() {
        let branches = d.instr.is_terminator() || d.targets.len() > 1;
        for &t in &d.targets {
            if branches {
                leader.set(t, true);
            }
        }
        if branches && i + 1 < instrs.len() {
            leader.set(i + 1, true);
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
            let falls_to_leader = d.targets.iter().all(|&t| leader[t]);
            if d.targets.len() == 1 && !falls_to_leader {
                i = d.targets[0];
                continue;
            }
            for &t in &d.targets {
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
    d: &Decoded,
    state: &mut BitVec,
) -> Result<(), VerifyError> {
    let at = d.at;
    let frame = body.frame_size as usize;
    // The accumulator's bit follows the frame's.
    let slot = |r: Reg| if r.is_acc() { frame } else { r.index() };
    let read = |state: &BitVec, r: usize| -> Result<(), VerifyError> {
        if r >= frame {
            return Err(VerifyError::RegOutsideFrame { at, reg: r as u32 });
        }
        if !state[r] {
            return Err(VerifyError::UndefinedRead { at, reg: r as u32 });
        }
        Ok(())
    };
    let span = |base: Reg, params: u32, results: u32, state: &mut BitVec| {
        let base = base.index();
        for r in base..base + params as usize {
            read(state, r)?;
        }
        let end = base + results as usize;
        if end > frame {
            return Err(VerifyError::RegOutsideFrame {
                at,
                reg: end as u32 - 1,
            });
        }
        state[base..].fill(false);
        state[base..end].fill(true);
        Ok(())
    };
    match &d.instr {
        Instr::Call(o) => {
            let (p, r) = arity
                .func(o.func)
                .ok_or(VerifyError::UnknownCallee { at })?;
            return span(o.base, p, r, state);
        }
        Instr::CallIndirect(o) => {
            read(state, o.index.index())?;
            let (p, r) = arity.ty(o.ty).ok_or(VerifyError::UnknownCallee { at })?;
            return span(o.base, p, r, state);
        }
        Instr::Return(_) => {
            for r in 0..body.num_results as usize {
                read(state, r)?;
            }
            return Ok(());
        }
        Instr::ReturnSpan(o) => {
            for r in o.src.index()..o.src.index() + o.len as usize {
                read(state, r)?;
            }
            return Ok(());
        }
        Instr::CopyMany(o) => {
            let sources = crate::copy_many_sources(&body.code, at, o.len)
                .ok_or(VerifyError::BadInstr { at })?;
            for (k, src) in sources.iter().enumerate() {
                read(state, src.index())?;
                let dst = o.dst.index() + k;
                if dst >= frame {
                    return Err(VerifyError::RegOutsideFrame {
                        at,
                        reg: dst as u32,
                    });
                }
                state.set(dst, true);
            }
            return Ok(());
        }
        _ => {}
    }
    let mut result = Ok(());
    let mut writes = Vec::new();
    d.instr.for_each_reg(|r, access| {
        if result.is_err() {
            return;
        }
        match access {
            Access::Read if r.is_acc() => {
                if !state[frame] {
                    result = Err(VerifyError::UndefinedRead {
                        at,
                        reg: r.0 as u32,
                    });
                }
            }
            Access::Read => result = read(state, r.index()),
            Access::Write if !r.is_acc() && r.index() >= frame => {
                result = Err(VerifyError::RegOutsideFrame {
                    at,
                    reg: r.0 as u32,
                })
            }
            Access::Write => writes.push(slot(r)),
        }
    });
    result?;
    for w in writes {
        state.set(w, true);
    }
    Ok(())
}
