//! Operators with results: where a result goes, and the numeric, compare,
//! select, call and memory operators.

use super::*;

impl Emitter<'_, '_> {
    /// Where the result of the current operator goes: straight into a local
    /// when the next operator is `local.set`/`local.tee` of it (that
    /// operator is then consumed too), else a new temporary.
    pub(super) fn result_dst(&mut self) -> (Reg, ResultKind) {
        if self.fuse && self.consumed_by_next() {
            if let Some((next, _)) = self.an.ops.get(self.op_index + 1) {
                match *next {
                    Operator::LocalSet { local_index } => {
                        self.preserve(local_index);
                        return (Reg(local_index as u16), ResultKind::Set(local_index as u16));
                    }
                    Operator::LocalTee { local_index } => {
                        self.preserve(local_index);
                        return (Reg(local_index as u16), ResultKind::Tee(local_index as u16));
                    }
                    _ => {}
                }
            }
        }
        (self.home(self.stack.len()), ResultKind::Temp)
    }

    /// A fresh symbol for a value the next instruction writes into `dst`.
    pub(super) fn def_fresh(&mut self, dst: Reg) -> Sym {
        let sym = self.notes.fresh();
        self.notes.def(dst, sym);
        sym
    }

    /// Finishes result `sym`; returns how many operators were consumed.
    pub(super) fn finish(&mut self, kind: ResultKind, sym: Sym) -> R<usize> {
        if let ResultKind::Set(l) | ResultKind::Tee(l) = kind {
            self.notes.set_local(u32::from(l), sym);
        }
        match kind {
            ResultKind::Temp => {
                self.push_sym(Slot::Temp, sym)?;
                Ok(1)
            }
            ResultKind::Set(_) => Ok(2),
            ResultKind::Tee(l) => {
                // The reference is made by the `local.tee`, the next
                // operator: its own write must not count as a later one.
                self.op_index += 1;
                let pushed = self.push(Slot::Local(l));
                self.op_index -= 1;
                pushed?;
                Ok(2)
            }
        }
    }

    pub(super) fn produce(&mut self, make: impl FnOnce(Reg) -> Instr) -> R<usize> {
        let (dst, kind) = self.result_dst();
        let sym = self.def_fresh(dst);
        self.emit_instr(make(dst));
        self.finish(kind, sym)
    }

    pub(super) fn unary(&mut self, make: impl FnOnce(Reg, Reg) -> Instr) -> R<usize> {
        let src = self.pop_reg();
        self.produce(|dst| make(dst, src))
    }

    pub(super) fn binary(&mut self, make: impl FnOnce(Reg, Reg, Reg) -> Instr) -> R<usize> {
        let b = self.pop_reg();
        let a = self.pop_reg();
        self.produce(|dst| make(dst, a, b))
    }

    /// Integer binary operator with an immediate form for a constant right
    /// operand (or a constant left operand of a commutative operator).
    pub(super) fn binary_imm(
        &mut self,
        is64: bool,
        commutes: bool,
        make: impl FnOnce(Reg, Reg, Reg) -> Instr,
        make_imm: impl FnOnce(Reg, Reg, i32) -> Instr,
    ) -> R<usize> {
        let (sb, pb) = self.pop();
        let (sa, pa) = self.pop();
        if self.fuse {
            if let Some(imm) = self.imm_of(sb, is64) {
                let a = self.operand(sa, pa);
                return self.produce(|dst| make_imm(dst, a, imm));
            }
            if commutes {
                if let Some(imm) = self.imm_of(sa, is64) {
                    let b = self.operand(sb, pb);
                    return self.produce(|dst| make_imm(dst, b, imm));
                }
            }
        }
        let a = self.operand(sa, pa);
        let b = self.operand(sb, pb);
        self.produce(|dst| make(dst, a, b))
    }

    /// `i32.and`: a pending test when a branch consumes it (directly or
    /// through an `i32.eqz`), else the plain instruction.
    pub(super) fn and(&mut self) -> R<usize> {
        let tested = self.feeds_branch(1)
            || (matches!(
                self.an.ops.get(self.op_index + 1),
                Some((Operator::I32Eqz, _))
            ) && self.feeds_branch(2));
        if !(self.fuse && tested && self.consumed_by_next()) {
            return self.binary_imm(
                false,
                true,
                |dst, a, b| op::I32And { dst, a, b }.into(),
                |dst, a, b| op::I32AndImm { dst, a, b }.into(),
            );
        }
        let (sb, pb) = self.pop();
        let (sa, pa) = self.pop();
        let (a, b) = if let Some(imm) = self.imm_of(sb, false) {
            (self.operand(sa, pa), Rhs::Imm(imm))
        } else if let Some(imm) = self.imm_of(sa, false) {
            (self.operand(sb, pb), Rhs::Imm(imm))
        } else {
            let a = self.operand(sa, pa);
            (a, Rhs::Reg(self.operand(sb, pb)))
        };
        self.pending_or_emit(Pending::And { a, b, eqz: false })
    }

    /// Whether the operator `k` after the current one is a `br_if` or an
    /// `if`, which take a pending test as their condition.
    fn feeds_branch(&self, k: usize) -> bool {
        matches!(
            self.an.ops.get(self.op_index + k),
            Some((Operator::BrIf { .. } | Operator::If { .. }, _))
        )
    }

    /// An integer comparison: pending (fused into the next operator) when
    /// that operator is its consumer and can fuse, else a plain instruction.
    pub(super) fn compare(&mut self, is64: bool, cmp: Cmp) -> R<usize> {
        let (sb, pb) = self.pop();
        let (sa, pa) = self.pop();
        let imm_b = if self.fuse {
            self.imm_of(sb, is64)
        } else {
            None
        };
        let imm_a = if self.fuse {
            self.imm_of(sa, is64)
        } else {
            None
        };
        let (cmp, a, b) = if let Some(imm) = imm_b {
            (cmp, self.operand(sa, pa), Rhs::Imm(imm))
        } else if let Some(imm) = imm_a {
            (cmp.mirror(), self.operand(sb, pb), Rhs::Imm(imm))
        } else {
            let a = self.operand(sa, pa);
            let b = self.operand(sb, pb);
            (cmp, a, Rhs::Reg(b))
        };
        self.pending_or_emit(Pending::Cmp { is64, cmp, a, b })
    }

    /// A float comparison: pending when a `br_if` or `if` consumes it next
    /// (`select` takes it materialized).
    pub(super) fn fcompare(&mut self, is64: bool, cmp: FCmp) -> R<usize> {
        let b = self.pop_reg();
        let a = self.pop_reg();
        self.pending_or_emit(Pending::FCmp { is64, cmp, a, b })
    }

    pub(super) fn eqz(&mut self, is64: bool) -> R<usize> {
        // `i32.eqz` of a pending integer test is the opposite test: `i32.eq;
        // i32.eqz; if` (a common shape of Rust's loops) becomes one
        // compare-and-branch. Float tests have no opposite (NaN).
        if !is64 {
            let inverse = match self.stack.last() {
                Some(Slot::Pending(Pending::Cmp { is64, cmp, a, b })) => Some(Pending::Cmp {
                    is64: *is64,
                    cmp: cmp.inverse(),
                    a: *a,
                    b: *b,
                }),
                Some(Slot::Pending(Pending::Eqz { is64, a })) => Some(Pending::Cmp {
                    is64: *is64,
                    cmp: Cmp::Ne,
                    a: *a,
                    b: Rhs::Imm(0),
                }),
                Some(Slot::Pending(Pending::And { a, b, eqz: false })) => Some(Pending::And {
                    a: *a,
                    b: *b,
                    eqz: true,
                }),
                _ => None,
            };
            if let Some(p) = inverse {
                let (_, pos) = self.pop();
                // The test's operand reads move on to the opposite test.
                self.notes.unstash_reads(pos);
                return self.pending_or_emit(p);
            }
        }
        let a = self.pop_reg();
        self.pending_or_emit(Pending::Eqz { is64, a })
    }

    /// Leaves test `p` pending when its only consumer, the next operator,
    /// fuses with it: a branch or an `if`, and for integer tests also a
    /// `select` or an `i32.eqz` (the opposite test). Else emits it as a
    /// value.
    pub(super) fn pending_or_emit(&mut self, p: Pending) -> R<usize> {
        let next = self.an.ops.get(self.op_index + 1).map(|o| &o.0);
        let consumer_fuses = match (next, p) {
            (Some(Operator::BrIf { .. } | Operator::If { .. }), _) => true,
            (_, Pending::FCmp { .. }) => false,
            // An `and` fuses into a branch only, through at most one `eqz`.
            (Some(Operator::I32Eqz), Pending::And { eqz: false, .. }) => self.feeds_branch(2),
            (_, Pending::And { .. }) => false,
            (Some(Operator::Select | Operator::TypedSelect { .. } | Operator::I32Eqz), _) => true,
            _ => false,
        };
        let fusable = self.fuse && self.consumed_by_next() && consumer_fuses;
        if fusable {
            self.push(Slot::Pending(p))?;
            return Ok(1);
        }
        let (dst, kind) = self.result_dst();
        let sym = self.def_fresh(dst);
        self.emit_pending(dst, p);
        self.finish(kind, sym)
    }

    pub(super) fn call(
        &mut self,
        params: usize,
        results: usize,
        make: impl FnOnce(Reg) -> Instr,
    ) -> R<usize> {
        self.materialize_top(params);
        let base_pos = self.stack.len() - params;
        let base = self.home(base_pos);
        let mut result_syms = Vec::new();
        if self.notes.is_on() {
            for pos in base_pos..base_pos + params {
                self.note_read(self.home(pos), pos);
            }
            for pos in base_pos..base_pos + results {
                result_syms.push(self.def_fresh(self.home(pos)));
            }
        }
        self.truncate(base_pos);
        self.emit_instr(make(base));
        for k in 0..results {
            let sym = result_syms.get(k).copied().unwrap_or_default();
            self.push_sym(Slot::Temp, sym)?;
        }
        // The callee's frame starts at `base`; it must fit the register space.
        if self.temp_base as usize + base_pos + params.max(results) + 2 > u16::MAX as usize {
            return Err(TranslateError::TooManyRegisters(u16::MAX as u64 + 1));
        }
        Ok(1)
    }

    pub(super) fn select(&mut self) -> R<usize> {
        let (sc, pc) = self.pop();
        let (sb, pb) = self.pop();
        let (sa, pa) = self.pop();
        let b = self.operand(sb, pb);
        let a = self.operand(sa, pa);
        if let Slot::Pending(_) = sc {
            self.notes.unstash_reads(pc);
        }
        match sc {
            Slot::Pending(Pending::Cmp {
                is64,
                cmp,
                a: x,
                b: y,
            }) => {
                let y = match y {
                    Rhs::Reg(r) => r,
                    Rhs::Imm(imm) => {
                        // The comparison's operands may live in the homes of
                        // `pc` and `pc + 1` (its own and its right operand's
                        // positions, a mirrored compare keeps its register
                        // operand in the latter); `pc + 2` is free and
                        // inside the frame, which covers every height the
                        // stack reached.
                        let r = self.home(pc + 2);
                        let sym = self.def_fresh(r);
                        self.emit_const(r, imm as i64 as u64);
                        self.notes.read_sym(r, sym);
                        r
                    }
                };
                self.produce(|dst| cmp::select(is64, cmp, dst, x, y, a, b))
            }
            Slot::Pending(Pending::Eqz { is64: false, a: x }) => self.produce(|dst| {
                op::Select {
                    dst,
                    cond: x,
                    a: b,
                    b: a,
                }
                .into()
            }),
            Slot::Pending(Pending::Eqz { is64: true, a: x }) => self.produce(|dst| {
                op::Select64 {
                    dst,
                    cond: x,
                    a: b,
                    b: a,
                }
                .into()
            }),
            _ => {
                let cond = self.operand(sc, pc);
                self.produce(|dst| op::Select { dst, cond, a, b }.into())
            }
        }
    }

    pub(super) fn load(
        &mut self,
        m: wasmparser::MemArg,
        make: impl FnOnce(Reg, Reg, u32) -> Instr,
    ) -> R<usize> {
        let addr = self.pop_reg();
        let offset = self.offset(m)?;
        self.produce(|dst| make(dst, addr, offset))
    }

    pub(super) fn store(
        &mut self,
        m: wasmparser::MemArg,
        make: impl FnOnce(Reg, Reg, u32) -> Instr,
    ) -> R<usize> {
        let val = self.pop_reg();
        let addr = self.pop_reg();
        let offset = self.offset(m)?;
        self.emit_instr(make(addr, val, offset));
        Ok(1)
    }

    pub(super) fn offset(&self, m: wasmparser::MemArg) -> R<u32> {
        u32::try_from(m.offset).map_err(|_| self.unsupported("64-bit memory offset"))
    }

    pub(super) fn unsupported(&self, what: &str) -> TranslateError {
        TranslateError::Unsupported {
            offset: self.wasm_offset,
            what: what.to_string(),
        }
    }

    pub(super) fn func_arity(&self, func: u32) -> R<(usize, usize)> {
        let ty = self
            .env
            .func_type(func)
            .ok_or(TranslateError::Env("function index out of range"))?;
        Ok((ty.params().len(), ty.results().len()))
    }

    /// `global.set`; followed by `global.get` of the same global (a counter
    /// kept in a global), the value stays on the stack where it was instead
    /// of being read back, and the `global.get` is consumed too.
    pub(super) fn global_set(&mut self, idx: u32) -> R<usize> {
        let tee = self.fuse
            && matches!(self.an.ops.get(self.op_index + 1),
                Some((Operator::GlobalGet { global_index }, _)) if *global_index == idx);
        let (slot, pos) = self.pop();
        let sym = self.notes.sym(pos);
        let src = self.operand(slot, pos);
        if !tee {
            self.emit(op::GlobalSet { idx, src });
            return Ok(1);
        }
        // Back on the stack before the store is emitted, so the accumulator
        // does not take a value that is read again.
        let kept = if src == self.home(pos) {
            Slot::Temp
        } else {
            slot
        };
        self.push_sym(kept, sym)?;
        self.emit(op::GlobalSet { idx, src });
        Ok(2)
    }
}
