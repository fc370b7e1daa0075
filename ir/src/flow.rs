//! The control flow and register effects of a body, decoded once for every
//! analysis (the definedness verifier and the symbolic checker).
//!
//! - [`Flow::decode`]: every instruction, its branch targets as instruction
//!   indices (with the entry number of each, so `br_table` entries stay
//!   apart) and its fallthrough; a branch that lands inside an instruction
//!   or code that runs off the end is an error here, once.
//! - [`Instr::effects`]: the registers an instruction reads and writes,
//!   implicit spans included: a call reads its arguments from `base` up and
//!   clobbers everything from `base` up (the callee's frame lives there)
//!   before defining its results; returns read the results; `copy_many`
//!   reads the sources that follow it.

use crate::{Access, CallArity, FuncBody, Instr, Reg};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlowError {
    /// The bytes at `at` do not decode as an instruction.
    BadInstr { at: usize },
    /// The branch at `at` lands at `target`, which starts no instruction.
    BadBranchTarget { at: usize, target: i64 },
    /// Control falls past the last instruction (or there is none).
    FallsOffEnd,
    /// The call at `at` names a function or type the module lacks.
    UnknownCallee { at: usize },
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::BadInstr { at } => write!(f, "{at:04x}: invalid instruction"),
            FlowError::BadBranchTarget { at, target } => {
                write!(
                    f,
                    "{at:04x}: branch target {target:#x} is not an instruction"
                )
            }
            FlowError::FallsOffEnd => write!(f, "control falls off the end of the code"),
            FlowError::UnknownCallee { at } => write!(f, "{at:04x}: unknown call target"),
        }
    }
}

impl std::error::Error for FlowError {}

/// One decoded instruction and where control goes after it.
#[derive(Clone, Debug)]
pub struct Node {
    /// Its code offset.
    pub at: usize,
    pub instr: Instr,
    /// `(target index, entry)` of each branch it may take.
    pub taken: Vec<(usize, u32)>,
    /// The next instruction's index, unless this one never falls through.
    pub fall: Option<usize>,
}

impl Node {
    /// Every successor: the taken branches, then the fallthrough.
    pub fn successors(&self) -> impl Iterator<Item = usize> + '_ {
        self.taken.iter().map(|&(t, _)| t).chain(self.fall)
    }
}

/// A body's instructions in code order, with their control flow.
#[derive(Clone, Debug)]
pub struct Flow {
    pub nodes: Vec<Node>,
}

impl Flow {
    /// Decodes `body` and resolves every branch to an instruction index.
    pub fn decode(body: &FuncBody) -> Result<Flow, FlowError> {
        let mut nodes = Vec::new();
        for item in body.instrs() {
            let (at, instr) = item.map_err(|b| FlowError::BadInstr { at: b.0 })?;
            nodes.push(Node {
                at,
                instr,
                taken: Vec::new(),
                fall: None,
            });
        }
        if nodes.is_empty() {
            return Err(FlowError::FallsOffEnd);
        }
        let starts: Vec<usize> = nodes.iter().map(|n| n.at).collect();
        let count = nodes.len();
        for (i, n) in nodes.iter_mut().enumerate() {
            for (entry, t) in body.branch_targets(n.at, &n.instr).into_iter().enumerate() {
                let idx = usize::try_from(t)
                    .ok()
                    .and_then(|t| starts.binary_search(&t).ok())
                    .ok_or(FlowError::BadBranchTarget {
                        at: n.at,
                        target: t,
                    })?;
                n.taken.push((idx, entry as u32));
            }
            if !n.instr.is_terminator() {
                if i + 1 == count {
                    return Err(FlowError::FallsOffEnd);
                }
                n.fall = Some(i + 1);
            }
        }
        Ok(Flow { nodes })
    }
}

/// What an instruction writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Writes {
    /// These registers (the accumulator included, as [`Reg::ACC`]).
    Regs(Vec<Reg>),
    /// A call: every register from `base` up (and the accumulator) is
    /// clobbered, then `results` registers from `base` hold the results.
    Call { base: Reg, results: u32 },
}

/// The registers an instruction reads and writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effects {
    pub reads: Vec<Reg>,
    pub writes: Writes,
}

impl Instr {
    /// This instruction's register effects, implicit spans included. `body`
    /// supplies the return arity and the sources after a `copy_many` at
    /// `at`; `arity` the calls' signatures.
    pub fn effects(
        &self,
        body: &FuncBody,
        at: usize,
        arity: &dyn CallArity,
    ) -> Result<Effects, FlowError> {
        let span = |base: Reg, len: u32| (0..len).map(move |k| Reg(base.0.wrapping_add(k as u16)));
        let call = |base: Reg, (params, results): (u32, u32), mut reads: Vec<Reg>| {
            reads.extend(span(base, params));
            Effects {
                reads,
                writes: Writes::Call { base, results },
            }
        };
        Ok(match self {
            Instr::Call(o) => {
                let sig = arity.func(o.func).ok_or(FlowError::UnknownCallee { at })?;
                call(o.base, sig, Vec::new())
            }
            Instr::CallIndirect(o) => {
                let sig = arity.ty(o.ty).ok_or(FlowError::UnknownCallee { at })?;
                call(o.base, sig, vec![o.index])
            }
            Instr::Return(_) => Effects {
                reads: span(Reg(0), u32::from(body.num_results)).collect(),
                writes: Writes::Regs(Vec::new()),
            },
            Instr::ReturnSpan(o) => Effects {
                reads: span(o.src, u32::from(o.len)).collect(),
                writes: Writes::Regs(Vec::new()),
            },
            Instr::CopyMany(o) => Effects {
                reads: crate::copy_many_sources(&body.code, at, o.len)
                    .ok_or(FlowError::BadInstr { at })?,
                writes: Writes::Regs(span(o.dst, u32::from(o.len)).collect()),
            },
            instr => {
                let mut reads = Vec::new();
                let mut writes = Vec::new();
                instr.for_each_reg(|r, access| match access {
                    Access::Read => reads.push(r),
                    Access::Write => writes.push(r),
                });
                Effects {
                    reads,
                    writes: Writes::Regs(writes),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{op, BrOff};

    struct NoCalls;
    impl CallArity for NoCalls {
        fn func(&self, _: u32) -> Option<(u32, u32)> {
            Some((2, 1))
        }
        fn ty(&self, _: u32) -> Option<(u32, u32)> {
            None
        }
    }

    fn body(instrs: &[Instr]) -> FuncBody {
        let mut code = Vec::new();
        for i in instrs {
            i.encode(&mut code);
        }
        FuncBody {
            code,
            frame_size: 8,
            num_results: 1,
            ..FuncBody::default()
        }
    }

    #[test]
    fn branches_resolve_to_instruction_indices() {
        let b = body(&[
            op::BrNez {
                cond: Reg(0),
                off: BrOff(op::Br::SIZE as i32),
            }
            .into(),
            op::Br { off: BrOff(0) }.into(),
            op::ReturnReg { src: Reg(0) }.into(),
        ]);
        let flow = Flow::decode(&b).unwrap();
        assert_eq!(flow.nodes[0].taken, vec![(2, 0)]);
        assert_eq!(flow.nodes[0].fall, Some(1));
        assert_eq!(flow.nodes[1].successors().collect::<Vec<_>>(), vec![2]);
        assert_eq!(flow.nodes[2].fall, None);
    }

    #[test]
    fn a_branch_into_an_instruction_or_off_the_end_is_an_error() {
        let inside = body(&[
            op::Br { off: BrOff(1) }.into(),
            op::ReturnReg { src: Reg(0) }.into(),
        ]);
        assert!(matches!(
            Flow::decode(&inside),
            Err(FlowError::BadBranchTarget { at: 0, .. })
        ));
        let off_end = body(&[op::Copy {
            dst: Reg(1),
            src: Reg(0),
        }
        .into()]);
        assert_eq!(Flow::decode(&off_end).unwrap_err(), FlowError::FallsOffEnd);
    }

    #[test]
    fn a_call_reads_its_arguments_and_clobbers_from_its_base() {
        let b = body(&[]);
        let call: Instr = op::Call {
            func: 0,
            base: Reg(3),
        }
        .into();
        let e = call.effects(&b, 0, &NoCalls).unwrap();
        assert_eq!(e.reads, vec![Reg(3), Reg(4)]);
        assert_eq!(
            e.writes,
            Writes::Call {
                base: Reg(3),
                results: 1
            }
        );
        let add: Instr = op::I32Add {
            dst: Reg::ACC,
            a: Reg(1),
            b: Reg(2),
        }
        .into();
        let e = add.effects(&b, 0, &NoCalls).unwrap();
        assert_eq!(e.reads, vec![Reg(1), Reg(2)]);
        assert_eq!(e.writes, Writes::Regs(vec![Reg::ACC]));
    }
}
