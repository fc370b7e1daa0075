//! Control frames: blocks, loops and ifs, their labels and phis, the moves
//! of values into a target frame, branches, returns, fuel and interruption
//! checks.

use super::*;

impl Emitter<'_, '_> {
    /// Emits a branch instruction (its offset field last) towards `label`,
    /// renaming `pairs` into the label's phis; returns the edge's note.
    pub(super) fn emit_branch(
        &mut self,
        instr: Instr,
        label: Label,
        pairs: Vec<(Sym, Sym)>,
    ) -> Option<usize> {
        let at = self.emit_instr(instr);
        let end = self.code.len();
        self.labels
            .use_label(&mut self.code, label, end - BrOff::SIZE, end);
        self.notes.edge(at, 0, label, pairs)
    }

    /// Binds `label` here; `fall` renames for control falling into it
    /// (`None` when the code above cannot fall through).
    pub(super) fn bind(&mut self, label: Label, fall: Option<Vec<(Sym, Sym)>>) {
        self.last = None;
        let pos = self.code.len();
        self.labels.bind(&mut self.code, label, pos);
        self.notes.bind(label, pos, fall);
    }

    /// The renaming for a branch to frame `idx` carrying the top `arity`
    /// values (empty without notes).
    pub(super) fn frame_pairs(&self, idx: usize, arity: usize) -> Vec<(Sym, Sym)> {
        self.notes
            .pairs(&self.ctrl[idx].phis, self.stack.len() - arity)
    }

    /// At function entries and loop headers, which every non-terminating
    /// execution passes again and again: charge fuel and check for an
    /// interrupt, when the engine asks for them.
    pub(super) fn safepoint(&mut self) {
        if self.interruptible {
            self.emit(op::CheckInterrupt {});
        }
        self.fuel_point();
    }

    /// Starts a new fuel charge here, closing the previous one.
    pub(super) fn fuel_point(&mut self) {
        if !self.fuel {
            return;
        }
        self.close_fuel_point();
        let at = self.emit(op::ConsumeFuel { amount: 0 });
        self.fuel_point = Some((at + 2, self.op_index));
    }

    /// Patches the open charge with the operators it covers.
    pub(super) fn close_fuel_point(&mut self) {
        if let Some((field, first)) = self.fuel_point.take() {
            let amount = (self.op_index - first).max(1) as u32;
            self.code[field..field + 4].copy_from_slice(&amount.to_le_bytes());
        }
    }

    /// Emits "branch to `label` if `cond` holds" (`when = true`) or "if it
    /// does not hold" (`when = false`); `pairs` rename into the label's
    /// phis. Returns the edge's note, if a branch was emitted and noted.
    pub(super) fn branch_on(
        &mut self,
        slot: Slot,
        pos: usize,
        when: bool,
        label: Label,
        pairs: Vec<(Sym, Sym)>,
    ) -> Option<usize> {
        if let Slot::Pending(_) = slot {
            self.notes.unstash_reads(pos);
        }
        if let Some((at, fused, dst)) = self.step_branch(slot, pos, when) {
            // The fused test reads the value it computes, not register `dst`.
            self.notes.forget_reads_of(dst);
            // Re-emitted in the step's place (and with its source position),
            // so the branch sits at `at`; the step is gone, nothing may fuse
            // with it any more.
            self.code.truncate(at);
            self.last = None;
            return self.emit_branch(fused, label, pairs);
        }
        let off = BrOff(0);
        let instr: Instr = match slot {
            Slot::Pending(Pending::Cmp { is64, cmp, a, b }) => {
                let cmp = if when { cmp } else { cmp.inverse() };
                match b {
                    Rhs::Reg(b) => cmp::br_rr(is64, cmp, a, b),
                    Rhs::Imm(b) => cmp::br_ri(is64, cmp, a, b),
                }
            }
            Slot::Pending(Pending::FCmp { is64, cmp, a, b }) => cmp::br_f(is64, cmp, when, a, b),
            Slot::Pending(Pending::And { a, b, eqz }) => cmp::br_and(when != eqz, a, b),
            // `eqz` holds when the operand is zero.
            Slot::Pending(Pending::Eqz { is64, a: cond }) => match (is64, when) {
                (false, true) => op::BrEqz { cond, off }.into(),
                (false, false) => op::BrNez { cond, off }.into(),
                (true, true) => op::BrEqz64 { cond, off }.into(),
                (true, false) => op::BrNez64 { cond, off }.into(),
            },
            Slot::Const(c) => {
                if (c as u32 != 0) == when {
                    op::Br { off }.into()
                } else {
                    return None;
                }
            }
            _ => {
                let cond = self.operand(slot, pos);
                if when {
                    op::BrNez { cond, off }.into()
                } else {
                    op::BrEqz { cond, off }.into()
                }
            }
        };
        self.emit_branch(instr, label, pairs)
    }

    pub(super) fn block_arity(&self, bt: BlockType) -> R<(usize, usize)> {
        Ok(match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(idx) => {
                let ty = self
                    .env
                    .type_at(idx)
                    .ok_or(TranslateError::Env("block type index out of range"))?;
                (ty.params().len(), ty.results().len())
            }
        })
    }

    pub(super) fn current(&mut self) -> &mut Ctrl {
        self.ctrl
            .last_mut()
            .expect("the function frame is never popped early")
    }

    pub(super) fn set_unreachable(&mut self) {
        let height = self.ctrl.last().map_or(0, |c| c.height);
        self.truncate(height);
        self.current().unreachable = true;
    }

    /// Values a branch to `depth` carries: (frame index, arity).
    pub(super) fn target(&self, depth: u32) -> (usize, usize) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let f = &self.ctrl[idx];
        let arity = if f.kind == NodeKind::Loop {
            f.params
        } else {
            f.results
        };
        (idx, arity)
    }

    /// Whether branching to frame `idx` needs value moves first.
    pub(super) fn needs_moves(&self, idx: usize, arity: usize) -> bool {
        let f = &self.ctrl[idx];
        if f.kind == NodeKind::Func {
            return true;
        }
        let len = self.stack.len();
        (0..arity).any(|k| {
            let pos = len - arity + k;
            pos != f.height + k || self.stack[pos] != Slot::Temp
        })
    }

    /// Whether the moves for a branch to frame `idx` only write registers
    /// nothing on the stack lives in: each destination home is either the
    /// value's own home or the home of a slot whose value is elsewhere
    /// (a local or a constant). Destinations lie below the stack top, so the
    /// branch condition, popped from the top, is never overwritten either.
    pub(super) fn moves_dead_on_fallthrough(&self, idx: usize, arity: usize) -> bool {
        let f = &self.ctrl[idx];
        if f.kind == NodeKind::Func {
            return false;
        }
        let len = self.stack.len();
        (0..arity).all(|k| {
            let dst = f.height + k;
            dst == len - arity + k || self.stack[dst] != Slot::Temp
        })
    }

    /// Moves the top `arity` values into the result homes of frame `idx`
    /// (ascending, which the Temp-at-home invariant makes safe).
    pub(super) fn emit_moves(&mut self, idx: usize, arity: usize) {
        let height = self.ctrl[idx].height;
        let len = self.stack.len();
        for k in 0..arity {
            let pos = len - arity + k;
            let dst = self.home(height + k);
            match self.stack[pos] {
                Slot::Temp if pos == height + k => {}
                Slot::Temp => {
                    let src = self.home(pos);
                    self.emit(op::Copy { dst, src });
                }
                Slot::Local(l) => {
                    self.emit(op::Copy { dst, src: Reg(l) });
                }
                Slot::Const(c) => self.emit_const_of(dst, c, pos),
                Slot::Pending(p) => self.emit_pending_of(dst, p, pos),
            }
        }
    }

    /// Unconditional branch to `depth` with its values (a return for the
    /// function frame).
    pub(super) fn emit_br(&mut self, depth: u32) {
        let (idx, arity) = self.target(depth);
        if self.ctrl[idx].kind == NodeKind::Func {
            self.emit_return();
            return;
        }
        self.emit_moves(idx, arity);
        let label = self.ctrl[idx].label;
        let pairs = self.frame_pairs(idx, arity);
        self.emit_branch(op::Br { off: BrOff(0) }.into(), label, pairs);
    }

    pub(super) fn emit_return(&mut self) {
        let m = self.num_results;
        let len = self.stack.len();
        match m {
            0 => {
                self.emit(op::Return {});
            }
            1 => match self.stack[len - 1] {
                Slot::Local(l) => {
                    self.note_read(Reg(l), len - 1);
                    self.emit(op::ReturnReg { src: Reg(l) });
                }
                Slot::Temp => {
                    let src = self.home(len - 1);
                    self.note_read(src, len - 1);
                    self.emit(op::ReturnReg { src });
                }
                Slot::Const(c) => match u32::try_from(c) {
                    Ok(imm) => {
                        self.emit(op::ReturnImm32 { imm });
                    }
                    Err(_) => {
                        self.emit(op::ReturnImm64 { imm: c });
                    }
                },
                Slot::Pending(p) => {
                    let src = self.home(len - 1);
                    self.emit_pending_of(src, p, len - 1);
                    self.note_read(src, len - 1);
                    self.emit(op::ReturnReg { src });
                }
            },
            _ => {
                // Locals `k..k + m` in order (a function returning its own
                // parameters): the span is already in place.
                let first = match self.stack[len - m] {
                    Slot::Local(k) => Some(k),
                    _ => None,
                };
                if let Some(k) = first.filter(|&k| {
                    (0..m).all(|i| self.stack[len - m + i] == Slot::Local(k + i as u16))
                }) {
                    for pos in len - m..len {
                        self.note_read(Reg(k + (pos - (len - m)) as u16), pos);
                    }
                    if k == 0 {
                        self.emit(op::Return {});
                    } else {
                        self.emit(op::ReturnSpan {
                            src: Reg(k),
                            len: m as u16,
                        });
                    }
                    return;
                }
                // Copy every value to its home first (a no-op for temps), so
                // the span copy cannot read a local it already overwrote.
                for pos in len - m..len {
                    let dst = self.home(pos);
                    match self.stack[pos] {
                        Slot::Temp => {}
                        Slot::Local(l) => {
                            self.emit(op::Copy { dst, src: Reg(l) });
                        }
                        Slot::Const(c) => self.emit_const_of(dst, c, pos),
                        Slot::Pending(p) => self.emit_pending_of(dst, p, pos),
                    }
                }
                for pos in len - m..len {
                    self.note_read(self.home(pos), pos);
                }
                let src = self.home(len - m);
                self.emit(op::ReturnSpan { src, len: m as u16 });
            }
        }
    }

    pub(super) fn enter(&mut self, kind: NodeKind, bt: BlockType) -> R<usize> {
        if self.current().unreachable {
            let label = self.labels.new_label();
            self.ctrl.push(Ctrl {
                kind,
                height: self.stack.len(),
                params: 0,
                results: 0,
                label,
                else_label: None,
                unreachable: true,
                dead: true,
                phis: FramePhis::default(),
                rotate: None,
            });
            return Ok(1);
        }
        let (params, results) = self.block_arity(bt)?;
        let node = *self
            .an
            .node_at(self.op_index)
            .ok_or(TranslateError::Env("control node missing from analysis"))?;
        let cond = if kind == NodeKind::If {
            Some(self.pop())
        } else {
            None
        };
        self.preserve_for_node(&node);
        if kind != NodeKind::Block {
            self.materialize_top(params);
        }
        let label = self.labels.new_label();
        let height = self.stack.len() - params;
        let an = self.an;
        let mut rotate = (kind == NodeKind::Loop)
            .then(|| self.rotation(&node, params, results))
            .flatten();
        let mut phis = match self.notes.on() {
            Some(n) => {
                let locals = n.written_locals(an, &node);
                let values = if kind == NodeKind::Loop {
                    params
                } else {
                    results
                };
                if let Some(r) = &mut rotate {
                    r.phis = n.phis(0, locals.clone());
                }
                n.phis(values, locals)
            }
            None => FramePhis::default(),
        };
        let mut else_label = None;
        match kind {
            NodeKind::Loop => {
                let fall = self.notes.is_on().then(|| self.notes.pairs(&phis, height));
                self.bind(label, fall);
                self.notes.enter_phis(&phis, height);
                self.safepoint();
            }
            NodeKind::If => {
                if let Some(n) = self.notes.get() {
                    phis.entry_values = (0..params).map(|k| n.sym(height + k)).collect();
                    phis.entry_locals = phis
                        .locals
                        .iter()
                        .map(|&(x, _)| n.locals[x as usize])
                        .collect();
                }
                let l = self.labels.new_label();
                let (slot, pos) = cond.expect("popped above");
                phis.else_edge = self.branch_on(slot, pos, false, l, Vec::new());
                // The `else` reads the parameters again: nothing the `then`
                // branch reads may come through the accumulator from here.
                self.last = None;
                else_label = Some(l);
            }
            _ => {}
        }
        self.ctrl.push(Ctrl {
            kind,
            height,
            params,
            results,
            label,
            else_label,
            unreachable: false,
            dead: false,
            phis,
            rotate,
        });
        Ok(1)
    }

    pub(super) fn else_op(&mut self) -> R<usize> {
        let f = self.ctrl.last().expect("else inside if");
        if f.dead {
            return Ok(1);
        }
        let (height, params, results, label, else_label, reachable) = (
            f.height,
            f.params,
            f.results,
            f.label,
            f.else_label,
            !f.unreachable,
        );
        let idx = self.ctrl.len() - 1;
        if reachable {
            self.emit_moves(idx, results);
            let pairs = self.frame_pairs(idx, results);
            self.emit_branch(op::Br { off: BrOff(0) }.into(), label, pairs);
        }
        if let Some(l) = else_label {
            self.bind(l, None);
        }
        self.truncate(height);
        // The else path starts from the state at the `if`.
        let f = &self.ctrl[idx];
        let entry_values = f.phis.entry_values.clone();
        let entry_locals: Vec<(u32, Sym)> = f
            .phis
            .locals
            .iter()
            .zip(&f.phis.entry_locals)
            .map(|(&(x, _), &s)| (x, s))
            .collect();
        for k in 0..params {
            let sym = entry_values.get(k).copied().unwrap_or_default();
            self.push_sym(Slot::Temp, sym)?;
        }
        for (x, s) in entry_locals {
            self.notes.set_local(x, s);
        }
        let f = self.current();
        f.else_label = None;
        f.unreachable = false;
        Ok(1)
    }

    pub(super) fn end_op(&mut self) -> R<usize> {
        let idx = self.ctrl.len() - 1;
        let f = &self.ctrl[idx];
        if f.dead {
            self.ctrl.pop();
            return Ok(1);
        }
        let reachable = !f.unreachable;
        if f.kind == NodeKind::Func {
            if reachable {
                self.emit_return();
            }
            self.ctrl.pop();
            return Ok(1);
        }
        let (kind, height, results, label, else_label) =
            (f.kind, f.height, f.results, f.label, f.else_label);
        if reachable {
            self.emit_moves(idx, results);
        }
        // What falls out of the node's last instruction: into the label, or
        // (a loop) straight on with the values just moved.
        let mut fall = reachable.then(|| self.frame_pairs(idx, results));
        let fallen: Vec<Sym> = match (self.notes.get(), reachable) {
            (Some(n), true) => {
                let top = self.stack.len() - results;
                (0..results).map(|k| n.sym(top + k)).collect()
            }
            _ => Vec::new(),
        };
        let mut reaches_end = reachable;
        if let Some(l) = else_label {
            // `if` without `else`: the false path carries the parameters,
            // already in the result homes, to the end: its edge renames the
            // state at the `if` into the end label's phis.
            let pos = self.code.len();
            self.last = None;
            self.labels.bind(&mut self.code, l, pos);
            if let Some(n) = self.notes.on() {
                let phis = &self.ctrl[idx].phis;
                if let Some(edge) = phis.else_edge {
                    let mut pairs: Vec<(Sym, Sym)> = phis
                        .entry_values
                        .iter()
                        .copied()
                        .zip(phis.values.iter().copied())
                        .collect();
                    pairs.extend(
                        phis.entry_locals
                            .iter()
                            .zip(&phis.locals)
                            .map(|(&s, &(_, phi))| (s, phi)),
                    );
                    n.retarget_edge(edge, label, pairs);
                }
            }
            reaches_end = true;
        }
        if kind != NodeKind::Loop {
            reaches_end |= self.labels.has_uses(label);
            if let Some(n) = self.notes.on() {
                n.prune(label, &mut fall, &mut self.ctrl[idx].phis);
            }
            self.bind(label, fall);
        }
        let f = self.ctrl.pop().expect("checked above");
        self.truncate(height);
        if reaches_end {
            for k in 0..results {
                let sym = if kind == NodeKind::Loop {
                    fallen.get(k).copied().unwrap_or_default()
                } else {
                    f.phis.values.get(k).copied().unwrap_or_default()
                };
                self.push_sym(Slot::Temp, sym)?;
            }
            if kind != NodeKind::Loop {
                for &(x, phi) in &f.phis.locals {
                    self.notes.set_local(x, phi);
                }
            }
        } else {
            self.set_unreachable();
        }
        Ok(1)
    }

    pub(super) fn br_if(&mut self, depth: u32) -> R<usize> {
        let (slot, pos) = self.pop();
        let (idx, arity) = self.target(depth);
        if !self.needs_moves(idx, arity) {
            let label = self.ctrl[idx].label;
            let pairs = self.frame_pairs(idx, arity);
            self.branch_on(slot, pos, true, label, pairs);
        } else if self.fuse && self.moves_dead_on_fallthrough(idx, arity) {
            // Moving first costs nothing on the fallthrough path, and the
            // taken path needs no extra jump over the moves.
            self.emit_moves(idx, arity);
            let label = self.ctrl[idx].label;
            let pairs = self.frame_pairs(idx, arity);
            self.branch_on(slot, pos, true, label, pairs);
        } else {
            let skip = self.labels.new_label();
            self.branch_on(slot, pos, false, skip, Vec::new());
            self.emit_br(depth);
            self.bind(skip, None);
        }
        Ok(1)
    }

    pub(super) fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> R<usize> {
        let index = self.pop_reg();
        let mut depths = Vec::with_capacity(targets.len() as usize + 1);
        for t in targets.targets() {
            depths.push(t?);
        }
        depths.push(targets.default());
        let at = self.emit(op::BrTable {
            index,
            len: depths.len() as u32,
        });
        let base = at + op::BrTable::SIZE;
        self.code.resize(base + depths.len() * BrOff::SIZE, 0);
        self.last = None;
        let mut stubs: HashMap<u32, Label> = HashMap::new();
        let mut stub_order = Vec::new();
        for (i, &depth) in depths.iter().enumerate() {
            let (idx, arity) = self.target(depth);
            let (label, pairs) = if self.needs_moves(idx, arity) {
                let stub = *stubs.entry(depth).or_insert_with(|| {
                    stub_order.push(depth);
                    self.labels.new_label()
                });
                (stub, Vec::new())
            } else {
                (self.ctrl[idx].label, self.frame_pairs(idx, arity))
            };
            self.labels
                .use_label(&mut self.code, label, base + i * BrOff::SIZE, base);
            self.notes.edge(at, i as u32, label, pairs);
        }
        for depth in stub_order {
            self.bind(stubs[&depth], None);
            self.emit_br(depth);
        }
        self.set_unreachable();
        Ok(1)
    }
}
