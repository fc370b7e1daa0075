//! Recording the claims the symbolic checker verifies (see
//! `regwasm_ir::check`), when [`crate::TranslateOptions::check`] asks.
//!
//! The emitter keeps, beside its operand stack of slots, a Wasm-level model
//! that knows nothing about registers: each stack position's symbol, each
//! local's current symbol, and per control label the phis its merged values
//! get. Whenever emission turns a slot into a register read, the pair
//! (register, symbol) becomes a `Use` of the instruction that reads it; every
//! produced value is a `Def`. The checker then proves the registers right.

use crate::analysis::{Analysis, Node};
use crate::labels::Label;
use regwasm_ir::{BindPoint, CheckNotes, Edge, Fact, Instr, Reg, Sym};
use std::collections::HashMap;
use wasmparser::Operator;

/// The phis of one control frame's label.
#[derive(Clone, Default)]
pub(crate) struct FramePhis {
    /// Branch values: results of a block or `if`, parameters of a loop.
    pub values: Vec<Sym>,
    /// Locals the node writes, each with its phi.
    pub locals: Vec<(u32, Sym)>,
    /// `if`: its parameters' symbols at entry.
    pub entry_values: Vec<Sym>,
    /// `if`: the symbols of `locals` at entry (the `else` path starts there).
    pub entry_locals: Vec<Sym>,
    /// `if`: the edge of its false branch, until an `else` is seen.
    pub else_edge: Option<usize>,
}

/// An edge noted before its label has a bind point.
struct LabelEdge {
    at: u32,
    entry: u32,
    label: Label,
    pairs: Vec<(Sym, Sym)>,
}

pub(crate) struct NoteState {
    out: CheckNotes,
    next: u32,
    /// Symbol of each stack position (entries above the top are stale).
    pub syms: Vec<Sym>,
    /// Current symbol of each local.
    pub locals: Vec<Sym>,
    /// Register reads resolved from slots, waiting for the instruction that
    /// performs them.
    reads: Vec<(Reg, Sym)>,
    /// The reads of pending comparisons, by stack position.
    stash: HashMap<usize, Vec<(Reg, Sym)>>,
    /// Values the next instruction writes.
    defs: Vec<(Reg, Sym)>,
    /// Edges whose label is resolved to a bind point at the end.
    edges: Vec<LabelEdge>,
    /// Edge indices by label, for [`NoteState::prune`].
    edges_to: HashMap<Label, Vec<usize>>,
    bind_of: HashMap<Label, u32>,
    /// Scratch for [`NoteState::written_locals`].
    stamp: Vec<u32>,
    stamp_gen: u32,
}

impl NoteState {
    pub fn new(num_locals: u32) -> NoteState {
        let mut n = NoteState {
            out: CheckNotes::default(),
            next: 0,
            syms: Vec::new(),
            locals: Vec::new(),
            reads: Vec::new(),
            stash: HashMap::new(),
            defs: Vec::new(),
            edges: Vec::new(),
            edges_to: HashMap::new(),
            bind_of: HashMap::new(),
            stamp: vec![0; num_locals as usize],
            stamp_gen: 0,
        };
        for x in 0..num_locals {
            let s = n.fresh();
            n.locals.push(s);
            n.out.entry.push((Reg(x as u16), s));
        }
        n
    }

    /// A value register `reg` holds from function entry on (a pooled
    /// constant).
    pub fn entry_value(&mut self, reg: Reg) -> Sym {
        let s = self.fresh();
        self.out.entry.push((reg, s));
        s
    }

    pub fn fresh(&mut self) -> Sym {
        self.next += 1;
        Sym(self.next)
    }

    pub fn set_sym(&mut self, pos: usize, sym: Sym) {
        if self.syms.len() <= pos {
            self.syms.resize(pos + 1, Sym::default());
        }
        self.syms[pos] = sym;
    }

    pub fn sym(&self, pos: usize) -> Sym {
        self.syms.get(pos).copied().unwrap_or_default()
    }

    /// The operand at `pos` is read from `reg` by an instruction about to
    /// be emitted.
    pub fn read(&mut self, reg: Reg, pos: usize) {
        let sym = self.sym(pos);
        self.reads.push((reg, sym));
    }

    /// Drops the waiting reads of `reg` (an instruction that computes the
    /// value itself instead of reading it).
    pub fn forget_reads_of(&mut self, reg: Reg) {
        self.reads.retain(|&(r, _)| r != reg);
    }

    /// The instruction at `at` (the last one attached) writes its result
    /// to the accumulator instead of `reg`, and the next one reads it there.
    pub fn move_to_acc(&mut self, at: usize, reg: Reg) {
        for (off, fact) in self.out.facts.iter_mut().rev() {
            if *off != at as u32 {
                break;
            }
            if let Fact::Def(r, _) = fact {
                if *r == reg {
                    *r = Reg::ACC;
                }
            }
        }
        if let Some(read) = self.reads.iter_mut().rev().find(|(r, _)| *r == reg) {
            read.0 = Reg::ACC;
        }
    }

    /// The instruction at `at` (the last one attached) and the next one
    /// become one instruction at `at`: the value the first wrote to `reg`
    /// and the second read is computed inside it and never exists.
    pub fn fuse_with_last(&mut self, at: usize, reg: Reg) {
        let from = self
            .out
            .facts
            .iter()
            .rposition(|(off, _)| *off != at as u32)
            .map_or(0, |i| i + 1);
        let mut i = from;
        while i < self.out.facts.len() {
            if matches!(self.out.facts[i].1, Fact::Def(r, _) if r == reg) {
                self.out.facts.remove(i);
            } else {
                i += 1;
            }
        }
        if let Some(i) = self.reads.iter().rposition(|(r, _)| *r == reg) {
            self.reads.remove(i);
        }
    }

    pub fn read_sym(&mut self, reg: Reg, sym: Sym) {
        self.reads.push((reg, sym));
    }

    pub fn def(&mut self, reg: Reg, sym: Sym) {
        self.defs.push((reg, sym));
    }

    /// A comparison left pending at `pos` keeps its operand reads until the
    /// instruction it fuses into.
    pub fn stash_reads(&mut self, pos: usize) {
        let reads = std::mem::take(&mut self.reads);
        self.stash.insert(pos, reads);
    }

    pub fn unstash_reads(&mut self, pos: usize) {
        if let Some(r) = self.stash.get(&pos) {
            self.reads.extend_from_slice(r);
        }
    }

    /// Forgets reads no instruction performed (an operator boundary).
    pub fn clear_reads(&mut self) {
        self.reads.clear();
    }

    /// Attaches the waiting reads and defs to the instruction at `at`.
    pub fn attach(&mut self, at: usize, instr: &Instr) {
        let at32 = at as u32;
        match instr {
            Instr::Copy(_) | Instr::CopyMany(_) => {}
            // Implicit register spans: every waiting read is theirs.
            Instr::Call(_) | Instr::CallIndirect(_) | Instr::ReturnSpan(_) | Instr::Return(_) => {
                for (reg, sym) in self.reads.drain(..) {
                    self.out.facts.push((at32, Fact::Use(reg, sym)));
                }
            }
            _ => {
                let mut regs = Vec::new();
                instr.for_each_reg(|r, access| {
                    if access == regwasm_ir::Access::Read {
                        regs.push(r);
                    }
                });
                for r in regs {
                    if let Some(i) = self.reads.iter().rposition(|&(x, _)| x == r) {
                        let (reg, sym) = self.reads.remove(i);
                        self.out.facts.push((at32, Fact::Use(reg, sym)));
                    }
                }
            }
        }
        for (reg, sym) in self.defs.drain(..) {
            self.out.facts.push((at32, Fact::Def(reg, sym)));
        }
    }

    /// A branch (entry `entry` of the instruction at `at`) to `label`.
    /// Returns the edge's index, so an `if` can retarget its false edge.
    pub fn edge(&mut self, at: usize, entry: u32, label: Label, pairs: Vec<(Sym, Sym)>) -> usize {
        self.edges.push(LabelEdge {
            at: at as u32,
            entry,
            label,
            pairs,
        });
        let i = self.edges.len() - 1;
        self.edges_to.entry(label).or_default().push(i);
        i
    }

    pub fn retarget_edge(&mut self, edge: usize, label: Label, pairs: Vec<(Sym, Sym)>) {
        let e = &mut self.edges[edge];
        e.label = label;
        e.pairs = pairs;
        self.edges_to.entry(label).or_default().push(edge);
    }

    /// At a forward label, every incoming edge is known: a phi all of them
    /// (and `fall`) fill with the same value is that value, so it is
    /// dropped from the edges and `phis` names the value instead. Without
    /// this, values untouched on every path would pick up one phi per
    /// enclosing label, quadratic in the nesting depth.
    pub fn prune(
        &mut self,
        label: Label,
        fall: &mut Option<Vec<(Sym, Sym)>>,
        phis: &mut FramePhis,
    ) {
        let incoming = self.edges_to.remove(&label).unwrap_or_default();
        let mut agreed: HashMap<Sym, Option<Sym>> = HashMap::new();
        let edge_pairs = incoming.iter().map(|&i| &self.edges[i].pairs);
        for pairs in edge_pairs.chain(fall.iter()) {
            for &(value, phi) in pairs {
                agreed
                    .entry(phi)
                    .and_modify(|v| {
                        if *v != Some(value) {
                            *v = None;
                        }
                    })
                    .or_insert(Some(value));
            }
        }
        let same: HashMap<Sym, Sym> = agreed
            .into_iter()
            .filter_map(|(phi, v)| v.map(|v| (phi, v)))
            .collect();
        if same.is_empty() {
            return;
        }
        let keep = |p: &(Sym, Sym)| !same.contains_key(&p.1);
        for &i in &incoming {
            self.edges[i].pairs.retain(keep);
        }
        if let Some(f) = fall.as_mut() {
            f.retain(keep);
        }
        for v in phis.values.iter_mut() {
            if let Some(&s) = same.get(v) {
                *v = s;
            }
        }
        for (_, v) in phis.locals.iter_mut() {
            if let Some(&s) = same.get(v) {
                *v = s;
            }
        }
    }

    /// `label` is bound at `offset`; `fall` renames for control falling in.
    pub fn bind(&mut self, label: Label, offset: usize, fall: Option<Vec<(Sym, Sym)>>) {
        self.bind_of.insert(label, self.out.binds.len() as u32);
        self.out.binds.push(BindPoint {
            offset: offset as u32,
            fall,
        });
    }

    /// The distinct locals written inside `node`, in first-write order.
    pub fn written_locals(&mut self, an: &Analysis<'_>, node: &Node) -> Vec<u32> {
        self.stamp_gen += 1;
        let mut out = Vec::new();
        let end = (node.end as usize).min(an.ops.len());
        for (op, _) in &an.ops[node.start as usize..end] {
            if let Operator::LocalSet { local_index } | Operator::LocalTee { local_index } = *op {
                let s = &mut self.stamp[local_index as usize];
                if *s != self.stamp_gen {
                    *s = self.stamp_gen;
                    out.push(local_index);
                }
            }
        }
        out
    }

    /// Fresh phis for a frame with `values` branch values over `locals`.
    pub fn phis(&mut self, values: usize, locals: Vec<u32>) -> FramePhis {
        FramePhis {
            values: (0..values).map(|_| self.fresh()).collect(),
            locals: locals.into_iter().map(|x| (x, self.fresh())).collect(),
            ..FramePhis::default()
        }
    }

    /// The renaming for a branch into a label with `phis`, carrying the
    /// values at stack positions `top..top + phis.values.len()`.
    pub fn pairs(&self, phis: &FramePhis, top: usize) -> Vec<(Sym, Sym)> {
        let mut out: Vec<(Sym, Sym)> = phis
            .values
            .iter()
            .enumerate()
            .map(|(k, &phi)| (self.sym(top + k), phi))
            .collect();
        out.extend(
            phis.locals
                .iter()
                .map(|&(x, phi)| (self.locals[x as usize], phi)),
        );
        out
    }

    /// After a label: its merged values and locals are the phis.
    pub fn enter_phis(&mut self, phis: &FramePhis, top: usize) {
        for (k, &phi) in phis.values.iter().enumerate() {
            self.set_sym(top + k, phi);
        }
        for &(x, phi) in &phis.locals {
            self.locals[x as usize] = phi;
        }
    }

    pub fn finish(mut self) -> CheckNotes {
        for LabelEdge {
            at,
            entry,
            label,
            pairs,
        } in self.edges
        {
            if let Some(&bind) = self.bind_of.get(&label) {
                self.out.edges.push(Edge {
                    at,
                    entry,
                    bind,
                    pairs,
                });
            }
        }
        self.out
    }
}
