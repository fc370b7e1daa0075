//! The fusion plan: the decisions that look at the value IR (is the next
//! operator this value's consumer?) or rewrite the instruction just
//! emitted (the accumulator, grouped copies, counter steps fused into their
//! branch, address additions fused into their load).

use super::*;

impl Emitter<'_, '_> {
    /// The accumulator: when the instruction just emitted (no label since)
    /// wrote a temporary that `next` reads and nothing reads after it (its
    /// stack position is gone), the value goes through the dispatcher's
    /// accumulator register instead of a store to the frame and a load back.
    /// Rewrites the previous instruction in place (same size) and returns
    /// `next` reading the accumulator; else `next` unchanged. When the two
    /// are an integer pair of the op list (`ipair`), the previous one is
    /// removed instead and the fused instruction returned: it goes where
    /// the previous one was.
    pub(super) fn through_acc(&mut self, next: Instr) -> Instr {
        if !self.fuse {
            return next;
        }
        let Some((at, prev)) = self.last else {
            return next;
        };
        let Some(r) = prev.acc_dst_candidate() else {
            return next;
        };
        let Some(pos) = (r.index()).checked_sub(self.temp_base as usize) else {
            return next;
        };
        // Still on the stack: read again later. A return ends the frame.
        if pos < self.stack.len() && !matches!(next, Instr::ReturnReg(_)) {
            return next;
        }
        let Some(next) = next.with_acc_read(r) else {
            return next;
        };
        // `prev` is the last instruction: re-encode it in its place.
        self.code.truncate(at);
        let prev = prev.with_acc_dst();
        if let Some(fused) = ipair::fuse(&prev, &next) {
            self.notes.fuse_with_last(at, r);
            return fused;
        }
        prev.encode(&mut self.code);
        self.notes.move_to_acc(at, r);
        next
    }

    /// A copy followed by a branch on another register (a loop's
    /// `local.set` and its `br_if`): when the instruction just emitted (no
    /// label since) is a `copy` and `next` a `br_nez`/`br_eqz` that does not
    /// test the copy's destination, the copy is removed and the fused
    /// `copy_br_*` returned, to be emitted in its place.
    pub(super) fn copy_branch(&mut self, next: &Instr) -> Option<Instr> {
        if !self.fuse {
            return None;
        }
        let (at, Instr::Copy(c)) = self.last? else {
            return None;
        };
        let (dst, src) = (c.dst, c.src);
        let fused: Instr = match *next {
            Instr::BrNez(b) if { b.cond } != dst => op::CopyBrNez {
                dst,
                src,
                cond: b.cond,
                off: b.off,
            }
            .into(),
            Instr::BrEqz(b) if { b.cond } != dst => op::CopyBrEqz {
                dst,
                src,
                cond: b.cond,
                off: b.off,
            }
            .into(),
            _ => return None,
        };
        if dst.is_acc() || src.is_acc() || !fused.acc_allowed() {
            return None;
        }
        self.code.truncate(at);
        Some(fused)
    }

    /// Two independent steps by a constant (a loop advancing two pointers):
    /// when the instruction just emitted (no label since) is `d = a + k`
    /// and `next` is `d2 = a2 + k2` that neither reads `d` nor writes it,
    /// the first is removed and `i32_add_imm2` returned, to be emitted in
    /// its place. Both read their operands before either writes, in the
    /// handler as in the verifier and the checker.
    pub(super) fn add_pair(&mut self, next: &Instr) -> Option<Instr> {
        if !self.fuse {
            return None;
        }
        let (at, Instr::I32AddImm(p)) = self.last? else {
            return None;
        };
        let Instr::I32AddImm(n) = *next else {
            return None;
        };
        let [d, a, d2, a2] = [p.dst, p.a, n.dst, n.a];
        if [d, a, d2, a2].iter().any(|r| r.is_acc()) || a2 == d || d2 == d {
            return None;
        }
        self.code.truncate(at);
        Some(
            op::I32AddImm2 {
                dst: p.dst,
                a: p.a,
                b: p.b,
                dst2: n.dst,
                a2: n.a,
                b2: n.b,
            }
            .into(),
        )
    }

    /// Adjacent independent copies (call arguments, multi-value moves) as
    /// one `copy_many`: when `next` is a copy whose destination extends the
    /// run of destinations of the copy or `copy_many` just emitted (no
    /// label since), and neither reads what the other writes, the previous
    /// instruction is re-encoded with one more source. Returns its offset.
    pub(super) fn merge_copy(&mut self, next: &Instr) -> Option<usize> {
        const MAX_RUN: u16 = 256;
        if !self.fuse {
            return None;
        }
        let Instr::Copy(c) = *next else {
            return None;
        };
        let (d, s) = (c.dst, c.src);
        if d.is_acc() || s.is_acc() {
            return None;
        }
        let (at, prev) = self.last?;
        let (base, srcs) = match prev {
            Instr::Copy(p) if !p.src.is_acc() && !p.dst.is_acc() => (p.dst, vec![p.src]),
            Instr::CopyMany(p) if p.len < MAX_RUN => {
                (p.dst, regwasm_ir::copy_many_sources(&self.code, at, p.len)?)
            }
            _ => return None,
        };
        let len = srcs.len() as u16;
        let dsts = base.0..base.0 + len;
        if dsts.contains(&s.0) || srcs.contains(&d) {
            return None;
        }
        let (base, srcs) = if d.0 == base.0 + len {
            let mut v = srcs;
            v.push(s);
            (base, v)
        } else if d.0.checked_add(1) == Some(base.0) {
            let mut v = vec![s];
            v.extend(srcs);
            (d, v)
        } else {
            return None;
        };
        let group = op::CopyMany {
            dst: base,
            len: srcs.len() as u16,
        };
        self.code.truncate(at);
        Instr::from(group).encode(&mut self.code);
        for r in &srcs {
            r.write(&mut self.code);
        }
        self.last = Some((at, group.into()));
        Some(at)
    }

    /// Whether the IR says the current operator's result is consumed by the
    /// very next operator (so fusing them changes no observable order).
    pub(super) fn consumed_by_next(&self) -> bool {
        self.an.values.consumer_of(self.op_index) == Some(self.op_index + 1)
    }

    pub(super) fn imm_of(&self, slot: Slot, is64: bool) -> Option<i32> {
        match slot {
            Slot::Const(c) if !is64 => Some(c as u32 as i32),
            Slot::Const(c) => i32::try_from(c as i64).ok(),
            _ => None,
        }
    }

    /// Whether the stack value `slot` at position `pos` is register `reg`
    /// itself (a lazy reference to it, or the temporary living there).
    fn slot_is_reg(&self, slot: Slot, pos: usize, reg: Reg) -> bool {
        match slot {
            Slot::Local(l) => Reg(l) == reg,
            Slot::Temp => self.home(pos) == reg,
            _ => false,
        }
    }

    /// A step and the test of the value it produced in one instruction,
    /// when the instruction just emitted (no label since) wrote `dst` and
    /// the branch tests `dst`:
    /// - a counted loop's `dst = a + imm` and a `br_if` on `dst` or on its
    ///   comparison with a register or an immediate, or its `eqz`:
    ///   `i32_add_imm_br_*`;
    /// - an `i32.load` into `dst` and a `br_if` on `dst` (`while (p =
    ///   p->next)`): `i32_load_br_*`, which keeps the load's source
    ///   position, so a trap still points at the load.
    ///
    /// Returns the offset of the step, the fused instruction and `dst`.
    pub(super) fn step_branch(
        &self,
        slot: Slot,
        pos: usize,
        when: bool,
    ) -> Option<(usize, Instr, Reg)> {
        if !self.fuse {
            return None;
        }
        let (at, last) = self.last?;
        let off = BrOff(0);
        let (dst, a, b) = match last {
            Instr::I32AddImm(o) => (o.dst, o.a, o.b),
            Instr::I32SubImm(o) => (o.dst, o.a, o.b.wrapping_neg()),
            Instr::I32Load(o) => {
                let (dst, addr, offset) = (o.dst, o.addr, o.offset);
                // The fused forms have no accumulator roles.
                if addr.is_acc() || dst.is_acc() || !self.slot_is_reg(slot, pos, dst) {
                    return None;
                }
                let fused: Instr = if when {
                    op::I32LoadBrNez {
                        dst,
                        addr,
                        offset,
                        off,
                    }
                    .into()
                } else {
                    op::I32LoadBrEqz {
                        dst,
                        addr,
                        offset,
                        off,
                    }
                    .into()
                };
                return Some((at, fused, dst));
            }
            _ => return None,
        };
        if a.is_acc() || dst.is_acc() {
            return None;
        }
        let fused = if self.slot_is_reg(slot, pos, dst) {
            if when {
                op::I32AddImmBrNez { dst, a, b, off }.into()
            } else {
                op::I32AddImmBrEqz { dst, a, b, off }.into()
            }
        } else if let Slot::Pending(Pending::Eqz { is64: false, a: x }) = slot {
            // `eqz` of the new value: a count-down loop's exit test.
            if x != dst {
                return None;
            }
            if when {
                op::I32AddImmBrEqz { dst, a, b, off }.into()
            } else {
                op::I32AddImmBrNez { dst, a, b, off }.into()
            }
        } else {
            let Slot::Pending(Pending::Cmp {
                is64: false,
                cmp,
                a: x,
                b: rhs,
            }) = slot
            else {
                return None;
            };
            if x != dst {
                return None;
            }
            let cmp = if when { cmp } else { cmp.inverse() };
            match rhs {
                Rhs::Imm(c) => cmp::add_imm_br_ri(cmp, dst, a, b, c),
                Rhs::Reg(c) if c != dst => cmp::add_imm_br_rr(cmp, dst, a, b, c),
                Rhs::Reg(_) => return None,
            }
        };
        Some((at, fused, dst))
    }

    /// Whether the current `i32.add` of two non-constant operands computes
    /// the address of the load right after it (then they fuse).
    pub(super) fn add_feeds_load(&self) -> bool {
        let len = self.stack.len();
        self.fuse
            && self.consumed_by_next()
            && len >= 2
            && self.stack[len - 2..]
                .iter()
                .all(|s| matches!(s, Slot::Local(_) | Slot::Temp))
            && self
                .an
                .ops
                .get(self.op_index + 1)
                .is_some_and(|(op, _)| load_idx(op).is_some())
    }

    /// `i32.add` and the load consuming it as one `*_idx` instruction.
    pub(super) fn add_load(&mut self) -> R<usize> {
        let index = self.pop_reg();
        let base = self.pop_reg();
        self.op_index += 1;
        self.wasm_offset = self.an.ops[self.op_index].1;
        let (memarg, make) =
            load_idx(&self.an.ops[self.op_index].0).ok_or(TranslateError::Env("load expected"))?;
        let offset = self.offset(memarg)?;
        let consumed = self.produce(|dst| make(dst, base, index, offset))?;
        Ok(1 + consumed)
    }
}

type MakeLoadIdx = fn(Reg, Reg, Reg, u32) -> Instr;

/// The memarg and the base+index form of a load operator.
fn load_idx(op: &Operator<'_>) -> Option<(wasmparser::MemArg, MakeLoadIdx)> {
    macro_rules! idx {
        ($m:expr, $I:ident) => {
            Some(($m, |dst, base, index, offset| {
                op::$I {
                    dst,
                    base,
                    index,
                    offset,
                }
                .into()
            }))
        };
    }
    use Operator as O;
    match *op {
        O::I32Load { memarg } => idx!(memarg, I32LoadIdx),
        O::I64Load { memarg } => idx!(memarg, I64LoadIdx),
        O::F32Load { memarg } => idx!(memarg, F32LoadIdx),
        O::F64Load { memarg } => idx!(memarg, F64LoadIdx),
        O::I32Load8S { memarg } => idx!(memarg, I32Load8SIdx),
        O::I32Load8U { memarg } => idx!(memarg, I32Load8UIdx),
        O::I32Load16S { memarg } => idx!(memarg, I32Load16SIdx),
        O::I32Load16U { memarg } => idx!(memarg, I32Load16UIdx),
        O::I64Load8S { memarg } => idx!(memarg, I64Load8SIdx),
        O::I64Load8U { memarg } => idx!(memarg, I64Load8UIdx),
        O::I64Load16S { memarg } => idx!(memarg, I64Load16SIdx),
        O::I64Load16U { memarg } => idx!(memarg, I64Load16UIdx),
        O::I64Load32S { memarg } => idx!(memarg, I64Load32SIdx),
        O::I64Load32U { memarg } => idx!(memarg, I64Load32UIdx),
        _ => None,
    }
}
