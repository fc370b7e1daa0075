//! Pass 2: register allocation and emission.
//!
//! Register layout of a frame: parameters and locals keep fixed registers
//! `0..num_locals`; the operand stack position `p` has the home register
//! `num_locals + p`. The translator keeps a compile-time operand stack of
//! [`Slot`]s: a value is either a lazy reference to a local register, a
//! constant, a pending comparison, or a temporary living in its home.
//! Invariant: a `Temp` slot at position `p` always lives in `home(p)`, so
//! branch moves into a target's result homes are safe in ascending order.

mod fpair;
mod ipair;

use self::fpair::FOp;
use crate::analysis::{Analysis, Node, NodeKind};
use crate::cmp::{self, Cmp, FCmp, Pending, Rhs};
use crate::labels::{Label, Labels};
use crate::notes::{FramePhis, NoteState};
use crate::scratch::{self, Scratch};
use crate::{ModuleEnv, TranslateError, TranslateOptions};
use regwasm_ir::{op, BrOff, FuncBody, Instr, Operand, Reg, SourceMap, Sym, TrapCode};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use wasmparser::{BlockType, FunctionBody, Operator};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Local(u16),
    Const(u64),
    Temp,
    Pending(Pending),
}

struct Ctrl {
    kind: NodeKind,
    /// Stack height below the node's parameters.
    height: usize,
    params: usize,
    results: usize,
    /// Loop: the header. Others: the end.
    label: Label,
    /// `if` whose `else` has not been seen: where the false path goes.
    else_label: Option<Label>,
    /// The current point inside this node is unreachable.
    unreachable: bool,
    /// The node itself was entered in unreachable code: emit nothing.
    dead: bool,
    /// The label's phis, when recording checker notes.
    phis: FramePhis,
}

type R<T = ()> = Result<T, TranslateError>;

/// Translates function `func_index` with explicit options.
pub fn translate_with(
    env: &dyn ModuleEnv,
    func_index: u32,
    body: &FunctionBody<'_>,
    opts: TranslateOptions,
) -> Result<FuncBody, TranslateError> {
    let ty = env
        .func_type(func_index)
        .ok_or(TranslateError::Env("function index out of range"))?;
    let mut scratch = scratch::take();
    let result = translate_in(env, body, ty, opts, &mut scratch);
    scratch::give(scratch);
    result
}

fn translate_in(
    env: &dyn ModuleEnv,
    body: &FunctionBody<'_>,
    ty: &wasmparser::FuncType,
    opts: TranslateOptions,
    scratch: &mut Scratch,
) -> Result<FuncBody, TranslateError> {
    let num_params = ty.params().len() as u32;
    let num_results = ty.results().len();
    let an = Analysis::run_in(env, body, ty, scratch)?;
    let result = emit(env, &an, num_params, num_results, opts, scratch);
    an.recycle(scratch);
    result
}

fn emit(
    env: &dyn ModuleEnv,
    an: &Analysis<'_>,
    num_params: u32,
    num_results: usize,
    opts: TranslateOptions,
    scratch: &mut Scratch,
) -> Result<FuncBody, TranslateError> {
    // Pooled constants sit between the locals and the temporaries; a frame
    // too big for them does without.
    let consts: &[u64] = if an.num_locals as usize + an.consts.len() + 2 > u16::MAX as usize {
        &[]
    } else {
        &an.consts
    };
    let mut ref_key = std::mem::take(&mut scratch.ref_key);
    ref_key.resize(an.num_locals as usize, u32::MAX);
    let mut e = Emitter {
        env,
        an,
        fuse: !opts.no_fusion,
        code: std::mem::take(&mut scratch.code),
        source_map: SourceMap::default(),
        labels: Labels::default(),
        stack: Vec::new(),
        max_height: 0,
        temp_base: an.num_locals + consts.len() as u32,
        consts,
        const_syms: Vec::new(),
        refs: vec![Vec::new(); an.num_locals as usize],
        ref_key,
        heap: BinaryHeap::new(),
        ctrl: Vec::new(),
        op_index: 0,
        wasm_offset: 0,
        num_results,
        fuel: opts.fuel,
        interruptible: opts.interruptible,
        fuel_point: None,
        notes: opts.check.then(|| Box::new(NoteState::new(an.num_locals))),
        last: None,
    };
    if e.notes.is_some() {
        let regs: Vec<Reg> = (0..consts.len()).map(|k| e.const_reg(k)).collect();
        if let Some(n) = e.notes.as_mut() {
            e.const_syms = regs.into_iter().map(|r| n.entry_value(r)).collect();
        }
    }
    let func_label = e.labels.new_label();
    e.ctrl.push(Ctrl {
        kind: NodeKind::Func,
        height: 0,
        params: 0,
        results: num_results,
        label: func_label,
        else_label: None,
        unreachable: false,
        dead: false,
        phis: FramePhis::default(),
    });
    e.wasm_offset = an.ops.first().map_or(0, |op| op.1);
    e.safepoint();
    let mut i = 0;
    while i < an.ops.len() {
        e.op_index = i;
        e.wasm_offset = an.ops[i].1;
        if let Some(n) = e.notes.as_mut() {
            n.clear_reads();
        }
        i += e.translate_op(&an.ops[i].0)?;
    }
    e.op_index = an.ops.len();
    e.close_fuel_point();
    let frame_size = u64::from(e.temp_base) + e.max_height as u64 + 1;
    // The output gets an exact-size copy; the buffers stay for the next
    // function.
    let code = e.code.clone();
    scratch.code = std::mem::take(&mut e.code);
    scratch.ref_key = std::mem::take(&mut e.ref_key);
    if frame_size > u64::from(u16::MAX) {
        return Err(TranslateError::TooManyRegisters(frame_size));
    }
    Ok(FuncBody {
        code,
        consts: consts.to_vec(),
        num_params: num_params as u16,
        num_locals: an.num_locals,
        num_results: num_results as u16,
        frame_size: frame_size as u32,
        source_map: e.source_map,
        notes: e.notes.map(|n| Box::new(n.finish())),
    })
}

struct Emitter<'a, 'e> {
    env: &'e dyn ModuleEnv,
    an: &'e Analysis<'a>,
    fuse: bool,
    code: Vec<u8>,
    source_map: SourceMap,
    labels: Labels,
    stack: Vec<Slot>,
    max_height: usize,
    temp_base: u32,
    /// Constants in registers of their own: `consts[k]` in register
    /// `num_locals + k`, from the call's frame setup on.
    consts: &'e [u64],
    /// Their symbols, when recording checker notes.
    const_syms: Vec<Sym>,
    /// Per local: stack positions holding a lazy reference to it, ascending.
    refs: Vec<Vec<u32>>,
    /// Per referenced local: the operator index of its next write (the key
    /// of its live entry in `heap`), `u32::MAX` if none is tracked.
    ref_key: Vec<u32>,
    /// Referenced locals by next write, so a node's entry finds exactly the
    /// references it must preserve without scanning the stack.
    heap: BinaryHeap<Reverse<(u32, u32)>>,
    ctrl: Vec<Ctrl>,
    op_index: usize,
    wasm_offset: usize,
    num_results: usize,
    fuel: bool,
    interruptible: bool,
    /// The open fuel charge: its amount field and first operator.
    fuel_point: Option<(usize, usize)>,
    /// Claims for the symbolic checker, when asked for.
    notes: Option<Box<NoteState>>,
    /// The last instruction emitted and its offset, while no label has been
    /// bound after it (so a branch may still fuse into it).
    last: Option<(usize, Instr)>,
}

macro_rules! un {
    ($s:ident, $I:ident) => {
        $s.unary(|dst, src| op::$I { dst, src }.into())
    };
}
macro_rules! bin {
    ($s:ident, $I:ident) => {
        $s.binary(|dst, a, b| op::$I { dst, a, b }.into())
    };
}
/// A float add/sub/mul: fused with its consumer as a float pair when it
/// can be, else the plain instruction.
macro_rules! fbin {
    ($s:ident, $is64:expr, $op:ident, $I:ident) => {
        match $s.float_pair($is64, FOp::$op)? {
            Some(n) => Ok(n),
            None => bin!($s, $I),
        }
    };
}
macro_rules! bin_imm {
    ($s:ident, $is64:expr, $commutes:expr, $I:ident, $Imm:ident) => {
        $s.binary_imm(
            $is64,
            $commutes,
            |dst, a, b| op::$I { dst, a, b }.into(),
            |dst, a, b| op::$Imm { dst, a, b }.into(),
        )
    };
}
macro_rules! load {
    ($s:ident, $I:ident, $m:expr) => {
        $s.load($m, |dst, addr, offset| op::$I { dst, addr, offset }.into())
    };
}
macro_rules! store {
    ($s:ident, $I:ident, $m:expr) => {
        $s.store($m, |addr, val, offset| op::$I { addr, val, offset }.into())
    };
}

impl<'a, 'e> Emitter<'a, 'e> {
    // ----- registers and the operand stack -----

    /// The register of pooled constant `k`.
    fn const_reg(&self, k: usize) -> Reg {
        Reg((self.an.num_locals as usize + k) as u16)
    }

    fn home(&self, pos: usize) -> Reg {
        // Bounded by the push check below.
        Reg((self.temp_base as usize + pos) as u16)
    }

    /// Pushes a new value: a local's current value or a fresh one.
    fn push(&mut self, slot: Slot) -> R {
        let sym = match (&mut self.notes, slot) {
            (Some(n), Slot::Local(l)) => n.locals[l as usize],
            (Some(n), _) => n.fresh(),
            (None, _) => Sym::default(),
        };
        self.push_sym(slot, sym)
    }

    /// Pushes the value `sym` (meaningful only with notes).
    fn push_sym(&mut self, slot: Slot, sym: Sym) -> R {
        let pos = self.stack.len();
        if let Some(n) = self.notes.as_mut() {
            n.set_sym(pos, sym);
            if let Slot::Pending(_) = slot {
                n.stash_reads(pos);
            }
        }
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

    fn pop(&mut self) -> (Slot, usize) {
        let slot = self.stack.pop().unwrap_or(Slot::Temp);
        let pos = self.stack.len();
        if let Slot::Local(l) = slot {
            let popped = self.refs[l as usize].pop();
            debug_assert_eq!(popped, Some(pos as u32));
        }
        (slot, pos)
    }

    fn truncate(&mut self, height: usize) {
        while self.stack.len() > height {
            self.pop();
        }
    }

    /// Copies every lazy reference to `local` into its home register.
    fn preserve(&mut self, local: u32) {
        let positions = std::mem::take(&mut self.refs[local as usize]);
        for &p in &positions {
            let dst = self.home(p as usize);
            self.emit(op::Copy {
                dst,
                src: Reg(local as u16),
            });
            self.stack[p as usize] = Slot::Temp;
        }
        self.refs[local as usize] = positions;
        self.refs[local as usize].clear();
        self.ref_key[local as usize] = u32::MAX;
    }

    /// Re-tracks the lazy references to `local` (if any) by its next write
    /// after the current operator.
    fn rekey(&mut self, local: u32) {
        if self.refs[local as usize].is_empty() {
            return;
        }
        let key = self
            .an
            .next_write_after(local, self.op_index)
            .unwrap_or(u32::MAX);
        self.ref_key[local as usize] = key;
        if key != u32::MAX {
            self.heap.push(Reverse((key, local)));
        }
    }

    /// Preserves, before the node opened by the current operator, every lazy
    /// reference to a local the node may write.
    fn preserve_for_node(&mut self, node: &Node) {
        while let Some(&Reverse((key, local))) = self.heap.peek() {
            if key > node.end {
                break;
            }
            self.heap.pop();
            if self.ref_key[local as usize] == key && !self.refs[local as usize].is_empty() {
                debug_assert!(self.an.node_writes(node, local));
                self.preserve(local);
            }
        }
    }

    /// The register holding the popped `slot` from position `pos`,
    /// materializing constants and pending comparisons into its home.
    fn operand(&mut self, slot: Slot, pos: usize) -> Reg {
        let reg = match slot {
            Slot::Local(l) => Reg(l),
            Slot::Temp => self.home(pos),
            Slot::Const(c) => {
                if let Some(k) = self.consts.iter().position(|&x| x == c) {
                    let reg = self.const_reg(k);
                    if let Some(n) = self.notes.as_mut() {
                        n.read_sym(reg, self.const_syms[k]);
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
        if let Some(n) = self.notes.as_mut() {
            n.read(reg, pos);
        }
        reg
    }

    /// The next instruction reads the value at stack position `pos` from `reg`.
    fn note_read(&mut self, reg: Reg, pos: usize) {
        if let Some(n) = self.notes.as_mut() {
            n.read(reg, pos);
        }
    }

    fn pop_reg(&mut self) -> Reg {
        let (slot, pos) = self.pop();
        self.operand(slot, pos)
    }

    fn emit_const(&mut self, dst: Reg, c: u64) {
        match u32::try_from(c) {
            Ok(imm) => self.emit(op::CopyImm32 { dst, imm }),
            Err(_) => self.emit(op::CopyImm64 { dst, imm: c }),
        };
    }

    /// Materializes the constant value at stack position `pos` into `dst`.
    fn emit_const_of(&mut self, dst: Reg, c: u64, pos: usize) {
        if let Some(n) = self.notes.as_mut() {
            let sym = n.sym(pos);
            n.def(dst, sym);
        }
        self.emit_const(dst, c);
    }

    /// Materializes the pending comparison at stack position `pos` into `dst`.
    fn emit_pending_of(&mut self, dst: Reg, p: Pending, pos: usize) {
        if let Some(n) = self.notes.as_mut() {
            n.unstash_reads(pos);
            let sym = n.sym(pos);
            n.def(dst, sym);
        }
        self.emit_pending(dst, p);
    }

    fn emit_pending(&mut self, dst: Reg, p: Pending) {
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
        };
        self.emit_instr(instr);
    }

    /// Makes the slot at `pos` a temporary in its home register.
    fn materialize(&mut self, pos: usize) {
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
    fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for pos in (len - n.min(len)..len).rev() {
            self.materialize(pos);
        }
    }

    // ----- emission -----

    fn emit(&mut self, instr: impl Into<Instr>) -> usize {
        self.emit_instr(instr.into())
    }

    fn emit_instr(&mut self, instr: Instr) -> usize {
        let (instr, fused) = self.through_acc(instr);
        if let Some(at) = self.merge_copy(&instr) {
            if let Some(n) = self.notes.as_mut() {
                n.attach(at, &instr);
            }
            return at;
        }
        let at = self.code.len();
        // A fused pair takes the place (and the source position) of its
        // first instruction.
        if !fused {
            self.source_map.push(at, self.wasm_offset);
        }
        instr.encode(&mut self.code);
        if let Some(n) = self.notes.as_mut() {
            n.attach(at, &instr);
        }
        self.last = Some((at, instr));
        at
    }

    /// The accumulator: when the instruction just emitted (no label since)
    /// wrote a temporary that `next` reads and nothing reads after it (its
    /// stack position is gone), the value goes through the dispatcher's
    /// accumulator register instead of a store to the frame and a load back.
    /// Rewrites the previous instruction in place (same size) and returns
    /// `next` reading the accumulator; else `next` unchanged. When the two
    /// are an integer pair of the op list (`ipair`), the previous one is
    /// removed instead and the fused instruction returned, with `true`:
    /// it goes where the previous one was.
    fn through_acc(&mut self, next: Instr) -> (Instr, bool) {
        if !self.fuse {
            return (next, false);
        }
        let Some((at, prev)) = self.last else {
            return (next, false);
        };
        let Some(r) = prev.acc_dst_candidate() else {
            return (next, false);
        };
        let Some(pos) = (r.index()).checked_sub(self.temp_base as usize) else {
            return (next, false);
        };
        // Still on the stack: read again later. A return ends the frame.
        if pos < self.stack.len() && !matches!(next, Instr::ReturnReg(_)) {
            return (next, false);
        }
        let Some(next) = next.with_acc_read(r) else {
            return (next, false);
        };
        // `prev` is the last instruction: re-encode it in its place.
        self.code.truncate(at);
        let prev = prev.with_acc_dst();
        if let Some(fused) = ipair::fuse(&prev, &next) {
            if let Some(n) = self.notes.as_mut() {
                n.fuse_with_last(at, r);
            }
            return (fused, true);
        }
        prev.encode(&mut self.code);
        if let Some(n) = self.notes.as_mut() {
            n.move_to_acc(at, r);
        }
        (next, false)
    }

    /// Adjacent independent copies (call arguments, multi-value moves) as
    /// one `copy_many`: when `next` is a copy whose destination extends the
    /// run of destinations of the copy or `copy_many` just emitted (no
    /// label since), and neither reads what the other writes, the previous
    /// instruction is re-encoded with one more source. Returns its offset.
    fn merge_copy(&mut self, next: &Instr) -> Option<usize> {
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

    /// Emits a branch instruction (its offset field last) towards `label`,
    /// renaming `pairs` into the label's phis; returns the edge's note.
    fn emit_branch(&mut self, instr: Instr, label: Label, pairs: Vec<(Sym, Sym)>) -> Option<usize> {
        let at = self.emit_instr(instr);
        let end = self.code.len();
        self.labels
            .use_label(&mut self.code, label, end - BrOff::SIZE, end);
        self.notes.as_mut().map(|n| n.edge(at, 0, label, pairs))
    }

    /// Binds `label` here; `fall` renames for control falling into it
    /// (`None` when the code above cannot fall through).
    fn bind(&mut self, label: Label, fall: Option<Vec<(Sym, Sym)>>) {
        self.last = None;
        let pos = self.code.len();
        self.labels.bind(&mut self.code, label, pos);
        if let Some(n) = self.notes.as_mut() {
            n.bind(label, pos, fall);
        }
    }

    /// The renaming for a branch to frame `idx` carrying the top `arity`
    /// values (empty without notes).
    fn frame_pairs(&self, idx: usize, arity: usize) -> Vec<(Sym, Sym)> {
        match &self.notes {
            Some(n) => n.pairs(&self.ctrl[idx].phis, self.stack.len() - arity),
            None => Vec::new(),
        }
    }

    // ----- fuel and interruption -----

    /// At function entries and loop headers, which every non-terminating
    /// execution passes again and again: charge fuel and check for an
    /// interrupt, when the engine asks for them.
    fn safepoint(&mut self) {
        if self.interruptible {
            self.emit(op::CheckInterrupt {});
        }
        self.fuel_point();
    }

    /// Starts a new fuel charge here, closing the previous one.
    fn fuel_point(&mut self) {
        if !self.fuel {
            return;
        }
        self.close_fuel_point();
        let at = self.emit(op::ConsumeFuel { amount: 0 });
        self.fuel_point = Some((at + 2, self.op_index));
    }

    /// Patches the open charge with the operators it covers.
    fn close_fuel_point(&mut self) {
        if let Some((field, first)) = self.fuel_point.take() {
            let amount = (self.op_index - first).max(1) as u32;
            self.code[field..field + 4].copy_from_slice(&amount.to_le_bytes());
        }
    }

    // ----- results -----

    /// Whether the IR says the current operator's result is consumed by the
    /// very next operator (so fusing them changes no observable order).
    fn consumed_by_next(&self) -> bool {
        self.an.values.consumer_of(self.op_index) == Some(self.op_index + 1)
    }

    /// Where the result of the current operator goes: straight into a local
    /// when the next operator is `local.set`/`local.tee` of it (that
    /// operator is then consumed too), else a new temporary.
    fn result_dst(&mut self) -> (Reg, ResultKind) {
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
    fn def_fresh(&mut self, dst: Reg) -> Sym {
        match self.notes.as_mut() {
            Some(n) => {
                let sym = n.fresh();
                n.def(dst, sym);
                sym
            }
            None => Sym::default(),
        }
    }

    /// Finishes result `sym`; returns how many operators were consumed.
    fn finish(&mut self, kind: ResultKind, sym: Sym) -> R<usize> {
        if let (Some(n), ResultKind::Set(l) | ResultKind::Tee(l)) = (self.notes.as_mut(), kind) {
            n.locals[l as usize] = sym;
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

    fn produce(&mut self, make: impl FnOnce(Reg) -> Instr) -> R<usize> {
        let (dst, kind) = self.result_dst();
        let sym = self.def_fresh(dst);
        self.emit_instr(make(dst));
        self.finish(kind, sym)
    }

    fn unary(&mut self, make: impl FnOnce(Reg, Reg) -> Instr) -> R<usize> {
        let src = self.pop_reg();
        self.produce(|dst| make(dst, src))
    }

    fn binary(&mut self, make: impl FnOnce(Reg, Reg, Reg) -> Instr) -> R<usize> {
        let b = self.pop_reg();
        let a = self.pop_reg();
        self.produce(|dst| make(dst, a, b))
    }

    fn imm_of(&self, slot: Slot, is64: bool) -> Option<i32> {
        match slot {
            Slot::Const(c) if !is64 => Some(c as u32 as i32),
            Slot::Const(c) => i32::try_from(c as i64).ok(),
            _ => None,
        }
    }

    /// Integer binary operator with an immediate form for a constant right
    /// operand (or a constant left operand of a commutative operator).
    fn binary_imm(
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

    /// An integer comparison: pending (fused into the next operator) when
    /// that operator is its consumer and can fuse, else a plain instruction.
    fn compare(&mut self, is64: bool, cmp: Cmp) -> R<usize> {
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
    fn fcompare(&mut self, is64: bool, cmp: FCmp) -> R<usize> {
        let b = self.pop_reg();
        let a = self.pop_reg();
        let p = Pending::FCmp { is64, cmp, a, b };
        let fusable = self.fuse
            && self.consumed_by_next()
            && matches!(
                self.an.ops.get(self.op_index + 1).map(|o| &o.0),
                Some(Operator::BrIf { .. } | Operator::If { .. })
            );
        if fusable {
            self.push(Slot::Pending(p))?;
            return Ok(1);
        }
        let (dst, kind) = self.result_dst();
        let sym = self.def_fresh(dst);
        self.emit_pending(dst, p);
        self.finish(kind, sym)
    }

    fn eqz(&mut self, is64: bool) -> R<usize> {
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
                _ => None,
            };
            if let Some(p) = inverse {
                let (_, pos) = self.pop();
                // The test's operand reads move on to the opposite test.
                if let Some(n) = self.notes.as_mut() {
                    n.unstash_reads(pos);
                }
                return self.pending_or_emit(p);
            }
        }
        let a = self.pop_reg();
        self.pending_or_emit(Pending::Eqz { is64, a })
    }

    fn pending_or_emit(&mut self, p: Pending) -> R<usize> {
        let fusable = self.fuse
            && self.consumed_by_next()
            && matches!(
                self.an.ops.get(self.op_index + 1).map(|o| &o.0),
                Some(
                    Operator::BrIf { .. }
                        | Operator::If { .. }
                        | Operator::Select
                        | Operator::TypedSelect { .. }
                        | Operator::I32Eqz
                )
            );
        if fusable {
            self.push(Slot::Pending(p))?;
            return Ok(1);
        }
        let (dst, kind) = self.result_dst();
        let sym = self.def_fresh(dst);
        self.emit_pending(dst, p);
        self.finish(kind, sym)
    }

    /// Emits "branch to `label` if `cond` holds" (`when = true`) or "if it
    /// does not hold" (`when = false`); `pairs` rename into the label's
    /// phis. Returns the edge's note, if a branch was emitted and noted.
    fn branch_on(
        &mut self,
        slot: Slot,
        pos: usize,
        when: bool,
        label: Label,
        pairs: Vec<(Sym, Sym)>,
    ) -> Option<usize> {
        if let (Some(n), Slot::Pending(_)) = (self.notes.as_mut(), slot) {
            n.unstash_reads(pos);
        }
        if let Some((at, fused, dst)) = self.add_branch(slot, pos, when) {
            // The fused test reads the sum it computes, not register `dst`.
            if let Some(n) = self.notes.as_mut() {
                n.forget_reads_of(dst);
            }
            // Re-emitted in the add's place, so the branch sits at `at`.
            self.code.truncate(at);
            return self.emit_branch(fused, label, pairs);
        }
        let instr: Instr = match slot {
            Slot::Pending(Pending::Cmp { is64, cmp, a, b }) => {
                let cmp = if when { cmp } else { cmp.inverse() };
                match b {
                    Rhs::Reg(b) => cmp::br_rr(is64, cmp, a, b),
                    Rhs::Imm(b) => cmp::br_ri(is64, cmp, a, b),
                }
            }
            Slot::Pending(Pending::FCmp { is64, cmp, a, b }) => cmp::br_f(is64, cmp, when, a, b),
            Slot::Pending(Pending::Eqz { is64, a }) => match (is64, when) {
                (false, true) => op::BrEqz {
                    cond: a,
                    off: BrOff(0),
                }
                .into(),
                (false, false) => op::BrNez {
                    cond: a,
                    off: BrOff(0),
                }
                .into(),
                (true, true) => op::BrEqz64 {
                    cond: a,
                    off: BrOff(0),
                }
                .into(),
                (true, false) => op::BrNez64 {
                    cond: a,
                    off: BrOff(0),
                }
                .into(),
            },
            Slot::Const(c) => {
                if (c as u32 != 0) == when {
                    op::Br { off: BrOff(0) }.into()
                } else {
                    return None;
                }
            }
            _ => {
                let cond = self.operand(slot, pos);
                if when {
                    op::BrNez {
                        cond,
                        off: BrOff(0),
                    }
                    .into()
                } else {
                    op::BrEqz {
                        cond,
                        off: BrOff(0),
                    }
                    .into()
                }
            }
        };
        self.emit_branch(instr, label, pairs)
    }

    /// A counted loop's step and test in one instruction: when the
    /// instruction just emitted (no label since) is `dst = a + imm` and the
    /// branch tests `dst` (`br_if` on it, or on its comparison with a
    /// register or an immediate), `i32_add_imm_br_*` does both. Returns the
    /// offset of the add, the fused instruction and `dst`.
    fn add_branch(&self, slot: Slot, pos: usize, when: bool) -> Option<(usize, Instr, Reg)> {
        if !self.fuse {
            return None;
        }
        let (at, dst, a, b) = match self.last? {
            (at, Instr::I32AddImm(o)) => (at, o.dst, o.a, o.b),
            (at, Instr::I32SubImm(o)) => (at, o.dst, o.a, o.b.wrapping_neg()),
            _ => return None,
        };
        // The fused forms have no accumulator roles.
        if a.is_acc() || dst.is_acc() {
            return None;
        }
        let tests_dst = match slot {
            Slot::Local(l) => Reg(l) == dst,
            Slot::Temp => self.home(pos) == dst,
            _ => false,
        };
        let fused = if tests_dst {
            if when {
                op::I32AddImmBrNez {
                    dst,
                    a,
                    b,
                    off: BrOff(0),
                }
                .into()
            } else {
                op::I32AddImmBrEqz {
                    dst,
                    a,
                    b,
                    off: BrOff(0),
                }
                .into()
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

    // ----- control -----

    fn block_arity(&self, bt: BlockType) -> R<(usize, usize)> {
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

    fn current(&mut self) -> &mut Ctrl {
        self.ctrl
            .last_mut()
            .expect("the function frame is never popped early")
    }

    fn set_unreachable(&mut self) {
        let height = self.ctrl.last().map_or(0, |c| c.height);
        self.truncate(height);
        self.current().unreachable = true;
    }

    /// Values a branch to `depth` carries: (frame index, arity).
    fn target(&self, depth: u32) -> (usize, usize) {
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
    fn needs_moves(&self, idx: usize, arity: usize) -> bool {
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
    fn moves_dead_on_fallthrough(&self, idx: usize, arity: usize) -> bool {
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
    fn emit_moves(&mut self, idx: usize, arity: usize) {
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
    fn emit_br(&mut self, depth: u32) {
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

    fn emit_return(&mut self) {
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

    fn enter(&mut self, kind: NodeKind, bt: BlockType) -> R<usize> {
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
        let mut phis = match self.notes.as_mut() {
            Some(n) => {
                let locals = n.written_locals(an, &node);
                let values = if kind == NodeKind::Loop {
                    params
                } else {
                    results
                };
                n.phis(values, locals)
            }
            None => FramePhis::default(),
        };
        let mut else_label = None;
        match kind {
            NodeKind::Loop => {
                let fall = self.notes.as_ref().map(|n| n.pairs(&phis, height));
                self.bind(label, fall);
                if let Some(n) = self.notes.as_mut() {
                    n.enter_phis(&phis, height);
                }
                self.safepoint();
            }
            NodeKind::If => {
                if let Some(n) = self.notes.as_ref() {
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
        });
        Ok(1)
    }

    fn else_op(&mut self) -> R<usize> {
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
        if let Some(n) = self.notes.as_mut() {
            for (x, s) in entry_locals {
                n.locals[x as usize] = s;
            }
        }
        let f = self.current();
        f.else_label = None;
        f.unreachable = false;
        Ok(1)
    }

    fn end_op(&mut self) -> R<usize> {
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
        let fallen: Vec<Sym> = match (&self.notes, reachable) {
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
            if let Some(n) = self.notes.as_mut() {
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
            if let Some(n) = self.notes.as_mut() {
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
            if let (Some(n), true) = (self.notes.as_mut(), kind != NodeKind::Loop) {
                for &(x, phi) in &f.phis.locals {
                    n.locals[x as usize] = phi;
                }
            }
        } else {
            self.set_unreachable();
        }
        Ok(1)
    }

    fn br_if(&mut self, depth: u32) -> R<usize> {
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

    fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> R<usize> {
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
            if let Some(n) = self.notes.as_mut() {
                n.edge(at, i as u32, label, pairs);
            }
        }
        for depth in stub_order {
            self.bind(stubs[&depth], None);
            self.emit_br(depth);
        }
        self.set_unreachable();
        Ok(1)
    }

    fn call(&mut self, params: usize, results: usize, make: impl FnOnce(Reg) -> Instr) -> R<usize> {
        self.materialize_top(params);
        let base_pos = self.stack.len() - params;
        let base = self.home(base_pos);
        let mut result_syms = Vec::new();
        if self.notes.is_some() {
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

    fn select(&mut self) -> R<usize> {
        let (sc, pc) = self.pop();
        let (sb, pb) = self.pop();
        let (sa, pa) = self.pop();
        let b = self.operand(sb, pb);
        let a = self.operand(sa, pa);
        if let (Some(n), Slot::Pending(_)) = (self.notes.as_mut(), sc) {
            n.unstash_reads(pc);
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
                        if let Some(n) = self.notes.as_mut() {
                            n.read_sym(r, sym);
                        }
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

    fn local_set(&mut self, local: u32, tee: bool) -> R<usize> {
        let (slot, pos) = self.pop();
        let dst = Reg(local as u16);
        if slot == Slot::Local(local as u16) {
            // `local.get l; local.set l` writes nothing, so the other lazy
            // references to `l` stay valid; their next write is now a later
            // one.
            self.rekey(local);
        } else {
            self.preserve(local);
            match slot {
                Slot::Local(l) => {
                    self.emit(op::Copy { dst, src: Reg(l) });
                }
                Slot::Temp => {
                    let src = self.home(pos);
                    self.emit(op::Copy { dst, src });
                }
                Slot::Const(c) => self.emit_const_of(dst, c, pos),
                Slot::Pending(p) => self.emit_pending_of(dst, p, pos),
            }
            if let Some(n) = self.notes.as_mut() {
                n.locals[local as usize] = n.sym(pos);
            }
        }
        if tee {
            self.push(Slot::Local(local as u16))?;
        }
        Ok(1)
    }

    fn load(
        &mut self,
        m: wasmparser::MemArg,
        make: impl FnOnce(Reg, Reg, u32) -> Instr,
    ) -> R<usize> {
        let addr = self.pop_reg();
        let offset = self.offset(m)?;
        self.produce(|dst| make(dst, addr, offset))
    }

    fn store(
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

    /// Whether the current `i32.add` of two non-constant operands computes
    /// the address of the load right after it (then they fuse).
    fn add_feeds_load(&self) -> bool {
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
    fn add_load(&mut self) -> R<usize> {
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

    fn offset(&self, m: wasmparser::MemArg) -> R<u32> {
        u32::try_from(m.offset).map_err(|_| self.unsupported("64-bit memory offset"))
    }

    fn unsupported(&self, what: &str) -> TranslateError {
        TranslateError::Unsupported {
            offset: self.wasm_offset,
            what: what.to_string(),
        }
    }

    fn func_arity(&self, func: u32) -> R<(usize, usize)> {
        let ty = self
            .env
            .func_type(func)
            .ok_or(TranslateError::Env("function index out of range"))?;
        Ok((ty.params().len(), ty.results().len()))
    }

    /// Translates one operator; returns how many operators it consumed.
    fn translate_op(&mut self, operator: &Operator<'a>) -> R<usize> {
        use Operator as O;
        // Unreachable code: only the control structure matters.
        if self.current().unreachable {
            return match operator {
                O::Block { blockty } => self.enter(NodeKind::Block, *blockty),
                O::Loop { blockty } => self.enter(NodeKind::Loop, *blockty),
                O::If { blockty } => self.enter(NodeKind::If, *blockty),
                O::Else => self.else_op(),
                O::End => self.end_op(),
                _ => Ok(1),
            };
        }
        match *operator {
            O::Unreachable => {
                self.emit(op::Trap {
                    code: TrapCode::Unreachable as u32,
                });
                self.set_unreachable();
                Ok(1)
            }
            O::Nop => Ok(1),
            O::Block { blockty } => self.enter(NodeKind::Block, blockty),
            O::Loop { blockty } => self.enter(NodeKind::Loop, blockty),
            O::If { blockty } => self.enter(NodeKind::If, blockty),
            O::Else => self.else_op(),
            O::End => self.end_op(),
            O::Br { relative_depth } => {
                self.emit_br(relative_depth);
                self.set_unreachable();
                Ok(1)
            }
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { ref targets } => self.br_table(targets),
            O::Return => {
                self.emit_return();
                self.set_unreachable();
                Ok(1)
            }
            O::Call { function_index } => {
                let (p, r) = self.func_arity(function_index)?;
                self.call(p, r, |base| {
                    op::Call {
                        func: function_index,
                        base,
                    }
                    .into()
                })
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                let ty = self
                    .env
                    .type_at(type_index)
                    .ok_or(TranslateError::Env("type index out of range"))?;
                let (p, r) = (ty.params().len(), ty.results().len());
                let index = self.pop_reg();
                self.call(p, r, |base| {
                    op::CallIndirect {
                        ty: type_index,
                        table: table_index,
                        index,
                        base,
                    }
                    .into()
                })
            }
            O::Drop => {
                self.pop();
                Ok(1)
            }
            O::Select | O::TypedSelect { .. } => self.select(),
            O::LocalGet { local_index } => {
                self.push(Slot::Local(local_index as u16))?;
                Ok(1)
            }
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => self.produce(|dst| {
                op::GlobalGet {
                    dst,
                    idx: global_index,
                }
                .into()
            }),
            O::GlobalSet { global_index } => {
                let src = self.pop_reg();
                self.emit(op::GlobalSet {
                    idx: global_index,
                    src,
                });
                Ok(1)
            }
            O::I32Load { memarg } => load!(self, I32Load, memarg),
            O::I64Load { memarg } => load!(self, I64Load, memarg),
            O::F32Load { memarg } => load!(self, F32Load, memarg),
            O::F64Load { memarg } => load!(self, F64Load, memarg),
            O::I32Load8S { memarg } => load!(self, I32Load8S, memarg),
            O::I32Load8U { memarg } => load!(self, I32Load8U, memarg),
            O::I32Load16S { memarg } => load!(self, I32Load16S, memarg),
            O::I32Load16U { memarg } => load!(self, I32Load16U, memarg),
            O::I64Load8S { memarg } => load!(self, I64Load8S, memarg),
            O::I64Load8U { memarg } => load!(self, I64Load8U, memarg),
            O::I64Load16S { memarg } => load!(self, I64Load16S, memarg),
            O::I64Load16U { memarg } => load!(self, I64Load16U, memarg),
            O::I64Load32S { memarg } => load!(self, I64Load32S, memarg),
            O::I64Load32U { memarg } => load!(self, I64Load32U, memarg),
            O::I32Store { memarg } => store!(self, I32Store, memarg),
            O::I64Store { memarg } => store!(self, I64Store, memarg),
            O::F32Store { memarg } => store!(self, F32Store, memarg),
            O::F64Store { memarg } => store!(self, F64Store, memarg),
            O::I32Store8 { memarg } => store!(self, I32Store8, memarg),
            O::I32Store16 { memarg } => store!(self, I32Store16, memarg),
            O::I64Store8 { memarg } => store!(self, I64Store8, memarg),
            O::I64Store16 { memarg } => store!(self, I64Store16, memarg),
            O::I64Store32 { memarg } => store!(self, I64Store32, memarg),
            O::MemorySize { .. } => self.produce(|dst| op::MemorySize { dst }.into()),
            O::MemoryGrow { .. } => {
                let delta = self.pop_reg();
                self.produce(|dst| op::MemoryGrow { dst, delta }.into())
            }
            O::MemoryFill { .. } => {
                let len = self.pop_reg();
                let val = self.pop_reg();
                let addr = self.pop_reg();
                self.emit(op::MemoryFill { addr, val, len });
                Ok(1)
            }
            O::MemoryCopy { .. } => {
                let len = self.pop_reg();
                let src_addr = self.pop_reg();
                let dst_addr = self.pop_reg();
                self.emit(op::MemoryCopy {
                    dst_addr,
                    src_addr,
                    len,
                });
                Ok(1)
            }
            O::MemoryInit { data_index, .. } => {
                let len = self.pop_reg();
                let src_off = self.pop_reg();
                let dst_addr = self.pop_reg();
                self.emit(op::MemoryInit {
                    seg: data_index,
                    dst_addr,
                    src_off,
                    len,
                });
                Ok(1)
            }
            O::DataDrop { data_index } => {
                self.emit(op::DataDrop { seg: data_index });
                Ok(1)
            }
            O::TableGet { table } => {
                let index = self.pop_reg();
                self.produce(|dst| op::TableGet { dst, table, index }.into())
            }
            O::TableSet { table } => {
                let val = self.pop_reg();
                let index = self.pop_reg();
                self.emit(op::TableSet { table, index, val });
                Ok(1)
            }
            O::TableSize { table } => self.produce(|dst| op::TableSize { dst, table }.into()),
            O::TableGrow { table } => {
                let delta = self.pop_reg();
                let init = self.pop_reg();
                self.produce(|dst| {
                    op::TableGrow {
                        dst,
                        table,
                        init,
                        delta,
                    }
                    .into()
                })
            }
            O::TableFill { table } => {
                let len = self.pop_reg();
                let val = self.pop_reg();
                let start = self.pop_reg();
                self.emit(op::TableFill {
                    table,
                    start,
                    val,
                    len,
                });
                Ok(1)
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let len = self.pop_reg();
                let src_index = self.pop_reg();
                let dst_index = self.pop_reg();
                self.emit(op::TableCopy {
                    dst_table,
                    src_table,
                    dst_index,
                    src_index,
                    len,
                });
                Ok(1)
            }
            O::TableInit { elem_index, table } => {
                let len = self.pop_reg();
                let src_off = self.pop_reg();
                let dst_index = self.pop_reg();
                self.emit(op::TableInit {
                    table,
                    seg: elem_index,
                    dst_index,
                    src_off,
                    len,
                });
                Ok(1)
            }
            O::ElemDrop { elem_index } => {
                self.emit(op::ElemDrop { seg: elem_index });
                Ok(1)
            }
            O::RefNull { .. } => {
                self.push(Slot::Const(0))?;
                Ok(1)
            }
            O::RefIsNull => self.eqz(true),
            O::RefFunc { function_index } => self.produce(|dst| {
                op::RefFunc {
                    dst,
                    func: function_index,
                }
                .into()
            }),
            O::I32Const { value } => {
                self.push(Slot::Const(value as u32 as u64))?;
                Ok(1)
            }
            O::I64Const { value } => {
                self.push(Slot::Const(value as u64))?;
                Ok(1)
            }
            O::F32Const { value } => {
                self.push(Slot::Const(value.bits() as u64))?;
                Ok(1)
            }
            O::F64Const { value } => {
                self.push(Slot::Const(value.bits()))?;
                Ok(1)
            }
            O::I32Eqz => self.eqz(false),
            O::I64Eqz => self.eqz(true),
            O::I32Eq => self.compare(false, Cmp::Eq),
            O::I32Ne => self.compare(false, Cmp::Ne),
            O::I32LtS => self.compare(false, Cmp::LtS),
            O::I32LtU => self.compare(false, Cmp::LtU),
            O::I32GtS => self.compare(false, Cmp::GtS),
            O::I32GtU => self.compare(false, Cmp::GtU),
            O::I32LeS => self.compare(false, Cmp::LeS),
            O::I32LeU => self.compare(false, Cmp::LeU),
            O::I32GeS => self.compare(false, Cmp::GeS),
            O::I32GeU => self.compare(false, Cmp::GeU),
            O::I64Eq => self.compare(true, Cmp::Eq),
            O::I64Ne => self.compare(true, Cmp::Ne),
            O::I64LtS => self.compare(true, Cmp::LtS),
            O::I64LtU => self.compare(true, Cmp::LtU),
            O::I64GtS => self.compare(true, Cmp::GtS),
            O::I64GtU => self.compare(true, Cmp::GtU),
            O::I64LeS => self.compare(true, Cmp::LeS),
            O::I64LeU => self.compare(true, Cmp::LeU),
            O::I64GeS => self.compare(true, Cmp::GeS),
            O::I64GeU => self.compare(true, Cmp::GeU),
            O::F32Eq => self.fcompare(false, FCmp::Eq),
            O::F32Ne => self.fcompare(false, FCmp::Ne),
            O::F32Lt => self.fcompare(false, FCmp::Lt),
            O::F32Gt => self.fcompare(false, FCmp::Gt),
            O::F32Le => self.fcompare(false, FCmp::Le),
            O::F32Ge => self.fcompare(false, FCmp::Ge),
            O::F64Eq => self.fcompare(true, FCmp::Eq),
            O::F64Ne => self.fcompare(true, FCmp::Ne),
            O::F64Lt => self.fcompare(true, FCmp::Lt),
            O::F64Gt => self.fcompare(true, FCmp::Gt),
            O::F64Le => self.fcompare(true, FCmp::Le),
            O::F64Ge => self.fcompare(true, FCmp::Ge),
            O::I32Clz => un!(self, I32Clz),
            O::I32Ctz => un!(self, I32Ctz),
            O::I32Popcnt => un!(self, I32Popcnt),
            O::I32Add if self.add_feeds_load() => self.add_load(),
            O::I32Add => bin_imm!(self, false, true, I32Add, I32AddImm),
            O::I32Sub => bin_imm!(self, false, false, I32Sub, I32SubImm),
            O::I32Mul => bin_imm!(self, false, true, I32Mul, I32MulImm),
            O::I32DivS => bin_imm!(self, false, false, I32DivS, I32DivSImm),
            O::I32DivU => bin_imm!(self, false, false, I32DivU, I32DivUImm),
            O::I32RemS => bin_imm!(self, false, false, I32RemS, I32RemSImm),
            O::I32RemU => bin_imm!(self, false, false, I32RemU, I32RemUImm),
            O::I32And => bin_imm!(self, false, true, I32And, I32AndImm),
            O::I32Or => bin_imm!(self, false, true, I32Or, I32OrImm),
            O::I32Xor => bin_imm!(self, false, true, I32Xor, I32XorImm),
            O::I32Shl => bin_imm!(self, false, false, I32Shl, I32ShlImm),
            O::I32ShrS => bin_imm!(self, false, false, I32ShrS, I32ShrSImm),
            O::I32ShrU => bin_imm!(self, false, false, I32ShrU, I32ShrUImm),
            O::I32Rotl => bin_imm!(self, false, false, I32Rotl, I32RotlImm),
            O::I32Rotr => bin_imm!(self, false, false, I32Rotr, I32RotrImm),
            O::I64Clz => un!(self, I64Clz),
            O::I64Ctz => un!(self, I64Ctz),
            O::I64Popcnt => un!(self, I64Popcnt),
            O::I64Add => bin_imm!(self, true, true, I64Add, I64AddImm),
            O::I64Sub => bin_imm!(self, true, false, I64Sub, I64SubImm),
            O::I64Mul => bin_imm!(self, true, true, I64Mul, I64MulImm),
            O::I64DivS => bin_imm!(self, true, false, I64DivS, I64DivSImm),
            O::I64DivU => bin_imm!(self, true, false, I64DivU, I64DivUImm),
            O::I64RemS => bin_imm!(self, true, false, I64RemS, I64RemSImm),
            O::I64RemU => bin_imm!(self, true, false, I64RemU, I64RemUImm),
            O::I64And => bin_imm!(self, true, true, I64And, I64AndImm),
            O::I64Or => bin_imm!(self, true, true, I64Or, I64OrImm),
            O::I64Xor => bin_imm!(self, true, true, I64Xor, I64XorImm),
            O::I64Shl => bin_imm!(self, true, false, I64Shl, I64ShlImm),
            O::I64ShrS => bin_imm!(self, true, false, I64ShrS, I64ShrSImm),
            O::I64ShrU => bin_imm!(self, true, false, I64ShrU, I64ShrUImm),
            O::I64Rotl => bin_imm!(self, true, false, I64Rotl, I64RotlImm),
            O::I64Rotr => bin_imm!(self, true, false, I64Rotr, I64RotrImm),
            O::F32Abs => un!(self, F32Abs),
            O::F32Neg => un!(self, F32Neg),
            O::F32Ceil => un!(self, F32Ceil),
            O::F32Floor => un!(self, F32Floor),
            O::F32Trunc => un!(self, F32Trunc),
            O::F32Nearest => un!(self, F32Nearest),
            O::F32Sqrt => un!(self, F32Sqrt),
            O::F32Add => fbin!(self, false, Add, F32Add),
            O::F32Sub => fbin!(self, false, Sub, F32Sub),
            O::F32Mul => fbin!(self, false, Mul, F32Mul),
            O::F32Div => bin!(self, F32Div),
            O::F32Min => bin!(self, F32Min),
            O::F32Max => bin!(self, F32Max),
            O::F32Copysign => bin!(self, F32Copysign),
            O::F64Abs => un!(self, F64Abs),
            O::F64Neg => un!(self, F64Neg),
            O::F64Ceil => un!(self, F64Ceil),
            O::F64Floor => un!(self, F64Floor),
            O::F64Trunc => un!(self, F64Trunc),
            O::F64Nearest => un!(self, F64Nearest),
            O::F64Sqrt => un!(self, F64Sqrt),
            O::F64Add => fbin!(self, true, Add, F64Add),
            O::F64Sub => fbin!(self, true, Sub, F64Sub),
            O::F64Mul => fbin!(self, true, Mul, F64Mul),
            O::F64Div => bin!(self, F64Div),
            O::F64Min => bin!(self, F64Min),
            O::F64Max => bin!(self, F64Max),
            O::F64Copysign => bin!(self, F64Copysign),
            O::I32WrapI64 => match self.stack.last() {
                Some(&Slot::Const(c)) => {
                    self.pop();
                    self.push(Slot::Const(c & 0xffff_ffff))?;
                    Ok(1)
                }
                _ => un!(self, I32WrapI64),
            },
            O::I32TruncF32S => un!(self, I32TruncF32S),
            O::I32TruncF32U => un!(self, I32TruncF32U),
            O::I32TruncF64S => un!(self, I32TruncF64S),
            O::I32TruncF64U => un!(self, I32TruncF64U),
            O::I64ExtendI32S => un!(self, I64ExtendI32S),
            // 32-bit values are kept zero-extended: these change no bits.
            O::I64ExtendI32U
            | O::I32ReinterpretF32
            | O::I64ReinterpretF64
            | O::F32ReinterpretI32
            | O::F64ReinterpretI64 => Ok(1),
            O::I64TruncF32S => un!(self, I64TruncF32S),
            O::I64TruncF32U => un!(self, I64TruncF32U),
            O::I64TruncF64S => un!(self, I64TruncF64S),
            O::I64TruncF64U => un!(self, I64TruncF64U),
            O::F32ConvertI32S => un!(self, F32ConvertI32S),
            O::F32ConvertI32U => un!(self, F32ConvertI32U),
            O::F32ConvertI64S => un!(self, F32ConvertI64S),
            O::F32ConvertI64U => un!(self, F32ConvertI64U),
            O::F32DemoteF64 => un!(self, F32DemoteF64),
            O::F64ConvertI32S => un!(self, F64ConvertI32S),
            O::F64ConvertI32U => un!(self, F64ConvertI32U),
            O::F64ConvertI64S => un!(self, F64ConvertI64S),
            O::F64ConvertI64U => un!(self, F64ConvertI64U),
            O::F64PromoteF32 => un!(self, F64PromoteF32),
            O::I32Extend8S => un!(self, I32Extend8S),
            O::I32Extend16S => un!(self, I32Extend16S),
            O::I64Extend8S => un!(self, I64Extend8S),
            O::I64Extend16S => un!(self, I64Extend16S),
            O::I64Extend32S => un!(self, I64Extend32S),
            O::I32TruncSatF32S => un!(self, I32TruncSatF32S),
            O::I32TruncSatF32U => un!(self, I32TruncSatF32U),
            O::I32TruncSatF64S => un!(self, I32TruncSatF64S),
            O::I32TruncSatF64U => un!(self, I32TruncSatF64U),
            O::I64TruncSatF32S => un!(self, I64TruncSatF32S),
            O::I64TruncSatF32U => un!(self, I64TruncSatF32U),
            O::I64TruncSatF64S => un!(self, I64TruncSatF64S),
            O::I64TruncSatF64U => un!(self, I64TruncSatF64U),
            ref other => Err(self.unsupported(&format!("{other:?}"))),
        }
    }
}

#[derive(Clone, Copy)]
enum ResultKind {
    Temp,
    Set(u16),
    Tee(u16),
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
