//! The operand stack: each slot a lazy value (a local, a constant, a
//! pending comparison) or a temporary in its home register; reading an
//! operand materializes it.

use super::*;

impl Emitter<'_, '_> {
    /// The register of pooled constant `k`.
    pub(super) fn const_reg(&self, k: usize) -> Reg {
        Reg((self.an.num_locals as usize + k) as u16)
    }

    pub(super) fn home(&self, pos: usize) -> Reg {
        // Bounded by the push check below.
        Reg((self.temp_base as usize + pos) as u16)
    }

    /// Pushes a new value: a local's current value or a fresh one.
    pub(super) fn push(&mut self, slot: Slot) -> R {
        let sym = match slot {
            Slot::Local(l) => self.notes.local(u32::from(l)),
            _ => self.notes.fresh(),
        };
        self.push_sym(slot, sym)
    }

    /// Pushes the value `sym` (meaningful only with notes).
    pub(super) fn push_sym(&mut self, slot: Slot, sym: Sym) -> R {
        let pos = self.stack.len();
        self.notes.push(pos, sym, matches!(slot, Slot::Pending(_)));
        if self.temp_base as usize + pos + 2 > u16::MAX as usize {
            return Err(TranslateError::TooManyRegisters(
                self.temp_base as u64 + pos as u64 + 2,
            ));
        }
        if let Slot::Local(l) = slot {
            let list = &mut self.refs[l as usize];
            if list.is_empty() {
                let key = self
                    .an
                    .next_write_after(u32::from(l), self.op_index)
                    .unwrap_or(u32::MAX);
                self.ref_key[l as usize] = key;
                if key != u32::MAX {
                    self.heap.push(Reverse((key, u32::from(l))));
                }
            }
            list.push(pos as u32);
        }
        self.stack.push(slot);
        self.max_height = self.max_height.max(self.stack.len() + 1);
        Ok(())
    }

    pub(super) fn pop(&mut self) -> (Slot, usize) {
        let slot = self.stack.pop().unwrap_or(Slot::Temp);
        let pos = self.stack.len();
        if let Slot::Local(l) = slot {
            let popped = self.refs[l as usize].pop();
            debug_assert_eq!(popped, Some(pos as u32));
        }
        (slot, pos)
    }

    pub(super) fn truncate(&mut self, height: usize) {
        while self.stack.len() > height {
            self.pop();
        }
    }

    /// The register holding the popped `slot` from position `pos`,
    /// materializing constants and pending comparisons into its home.
    pub(super) fn operand(&mut self, slot: Slot, pos: usize) -> Reg {
        let reg = match slot {
            Slot::Local(l) => Reg(l),
            Slot::Temp => self.home(pos),
            Slot::Const(c) => {
                if let Some(k) = self.consts.iter().position(|&x| x == c) {
                    let reg = self.const_reg(k);
                    // Symbols of pooled constants exist only with notes on.
                    if let Some(&sym) = self.const_syms.get(k) {
                        self.notes.read_sym(reg, sym);
                    }
                    return reg;
                }
                let dst = self.home(pos);
                self.emit_const_of(dst, c, pos);
                dst
            }
            Slot::Pending(p) => {
                let dst = self.home(pos);
                self.emit_pending_of(dst, p, pos);
                dst
            }
        };
        self.notes.read(reg, pos);
        reg
    }

    /// The next instruction reads the value at stack position `pos` from `reg`.
    pub(super) fn note_read(&mut self, reg: Reg, pos: usize) {
        self.notes.read(reg, pos);
    }

    pub(super) fn pop_reg(&mut self) -> Reg {
        let (slot, pos) = self.pop();
        self.operand(slot, pos)
    }

    pub(super) fn emit_const(&mut self, dst: Reg, c: u64) {
        match u32::try_from(c) {
            Ok(imm) => self.emit(op::CopyImm32 { dst, imm }),
            Err(_) => self.emit(op::CopyImm64 { dst, imm: c }),
        };
    }

    /// Materializes the constant value at stack position `pos` into `dst`.
    pub(super) fn emit_const_of(&mut self, dst: Reg, c: u64, pos: usize) {
        self.notes.def_pos(dst, pos);
        self.emit_const(dst, c);
    }

    /// Materializes the pending comparison at stack position `pos` into `dst`.
    pub(super) fn emit_pending_of(&mut self, dst: Reg, p: Pending, pos: usize) {
        self.notes.unstash_reads(pos);
        self.notes.def_pos(dst, pos);
        self.emit_pending(dst, p);
    }

    pub(super) fn emit_pending(&mut self, dst: Reg, p: Pending) {
        let instr = match p {
            Pending::Cmp {
                is64,
                cmp,
                a,
                b: Rhs::Reg(b),
            } => cmp::set_rr(is64, cmp, dst, a, b),
            Pending::Cmp {
                is64,
                cmp,
                a,
                b: Rhs::Imm(b),
            } => cmp::set_ri(is64, cmp, dst, a, b),
            Pending::Eqz { is64: false, a } => op::I32Eqz { dst, src: a }.into(),
            Pending::Eqz { is64: true, a } => op::I64Eqz { dst, src: a }.into(),
            Pending::FCmp { is64, cmp, a, b } => cmp::set_f(is64, cmp, dst, a, b),
            Pending::And { a, b, eqz } => {
                match b {
                    Rhs::Reg(b) => self.emit(op::I32And { dst, a, b }),
                    Rhs::Imm(b) => self.emit(op::I32AndImm { dst, a, b }),
                };
                if !eqz {
                    return;
                }
                op::I32Eqz { dst, src: dst }.into()
            }
        };
        self.emit_instr(instr);
    }

    /// Makes the slot at `pos` a temporary in its home register.
    pub(super) fn materialize(&mut self, pos: usize) {
        let slot = self.stack[pos];
        let dst = self.home(pos);
        match slot {
            Slot::Temp => return,
            Slot::Local(l) => {
                self.emit(op::Copy { dst, src: Reg(l) });
                let list = &mut self.refs[l as usize];
                let i = list.iter().rposition(|&p| p as usize == pos);
                if let Some(i) = i {
                    list.remove(i);
                }
            }
            Slot::Const(c) => self.emit_const_of(dst, c, pos),
            Slot::Pending(p) => self.emit_pending_of(dst, p, pos),
        }
        self.stack[pos] = Slot::Temp;
    }

    /// Materializes the top `n` slots (from the top down, so each removed
    /// local reference is the last of its list).
    pub(super) fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for pos in (len - n.min(len)..len).rev() {
            self.materialize(pos);
        }
    }
}
