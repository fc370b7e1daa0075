//! The recorder: every claim the emitter makes for the symbolic checker
//! goes through here. With notes off (the default) each call is one branch
//! and records nothing.

use crate::labels::Label;
use crate::notes::{FramePhis, NoteState};
use regwasm_ir::{CheckNotes, Instr, Reg, Sym};

pub(super) struct Recorder(Option<Box<NoteState>>);

impl Recorder {
    pub(super) fn new(on: bool, num_locals: u32) -> Recorder {
        Recorder(on.then(|| Box::new(NoteState::new(num_locals))))
    }

    pub(super) fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// The notes themselves, for the few claims that take several steps.
    pub(super) fn on(&mut self) -> Option<&mut NoteState> {
        self.0.as_deref_mut()
    }

    pub(super) fn get(&self) -> Option<&NoteState> {
        self.0.as_deref()
    }

    pub(super) fn finish(self) -> Option<Box<CheckNotes>> {
        self.0.map(|n| Box::new(n.finish()))
    }

    /// The symbol of stack position `pos` (default without notes).
    pub(super) fn sym(&self, pos: usize) -> Sym {
        self.get().map_or_else(Sym::default, |n| n.sym(pos))
    }

    /// The current symbol of `local`.
    pub(super) fn local(&self, local: u32) -> Sym {
        self.get()
            .map_or_else(Sym::default, |n| n.locals[local as usize])
    }

    pub(super) fn set_local(&mut self, local: u32, sym: Sym) {
        if let Some(n) = self.on() {
            n.locals[local as usize] = sym;
        }
    }

    pub(super) fn fresh(&mut self) -> Sym {
        self.on().map_or_else(Sym::default, |n| n.fresh())
    }

    pub(super) fn entry_value(&mut self, reg: Reg) -> Sym {
        self.on().map_or_else(Sym::default, |n| n.entry_value(reg))
    }

    /// Stack position `pos` now holds `sym`; a pending test keeps its
    /// operand reads until the instruction it fuses into.
    pub(super) fn push(&mut self, pos: usize, sym: Sym, pending: bool) {
        if let Some(n) = self.on() {
            n.set_sym(pos, sym);
            if pending {
                n.stash_reads(pos);
            }
        }
    }

    pub(super) fn read(&mut self, reg: Reg, pos: usize) {
        if let Some(n) = self.on() {
            n.read(reg, pos);
        }
    }

    pub(super) fn read_sym(&mut self, reg: Reg, sym: Sym) {
        if let Some(n) = self.on() {
            n.read_sym(reg, sym);
        }
    }

    /// The next instruction reads local register `reg` at its current value.
    pub(super) fn read_local(&mut self, reg: Reg) {
        if let Some(n) = self.on() {
            let sym = n.locals[reg.index()];
            n.read_sym(reg, sym);
        }
    }

    pub(super) fn def(&mut self, reg: Reg, sym: Sym) {
        if let Some(n) = self.on() {
            n.def(reg, sym);
        }
    }

    /// The next instruction writes the value of stack position `pos` to `reg`.
    pub(super) fn def_pos(&mut self, reg: Reg, pos: usize) {
        if let Some(n) = self.on() {
            let sym = n.sym(pos);
            n.def(reg, sym);
        }
    }

    pub(super) fn unstash_reads(&mut self, pos: usize) {
        if let Some(n) = self.on() {
            n.unstash_reads(pos);
        }
    }

    pub(super) fn forget_reads_of(&mut self, reg: Reg) {
        if let Some(n) = self.on() {
            n.forget_reads_of(reg);
        }
    }

    pub(super) fn clear_reads(&mut self) {
        if let Some(n) = self.on() {
            n.clear_reads();
        }
    }

    pub(super) fn move_to_acc(&mut self, at: usize, reg: Reg) {
        if let Some(n) = self.on() {
            n.move_to_acc(at, reg);
        }
    }

    pub(super) fn fuse_with_last(&mut self, at: usize, reg: Reg) {
        if let Some(n) = self.on() {
            n.fuse_with_last(at, reg);
        }
    }

    pub(super) fn attach(&mut self, at: usize, instr: &Instr) {
        if let Some(n) = self.on() {
            n.attach(at, instr);
        }
    }

    pub(super) fn bind(&mut self, label: Label, offset: usize, fall: Option<Vec<(Sym, Sym)>>) {
        if let Some(n) = self.on() {
            n.bind(label, offset, fall);
        }
    }

    /// A branch edge; its note's index.
    pub(super) fn edge(
        &mut self,
        at: usize,
        entry: u32,
        label: Label,
        pairs: Vec<(Sym, Sym)>,
    ) -> Option<usize> {
        self.on().map(|n| n.edge(at, entry, label, pairs))
    }

    /// The renaming of the stack from `top` up and of the locals into `phis`
    /// (empty without notes).
    pub(super) fn pairs(&self, phis: &FramePhis, top: usize) -> Vec<(Sym, Sym)> {
        self.get().map_or_else(Vec::new, |n| n.pairs(phis, top))
    }

    pub(super) fn enter_phis(&mut self, phis: &FramePhis, top: usize) {
        if let Some(n) = self.on() {
            n.enter_phis(phis, top);
        }
    }
}
