//! Pass 2: register allocation and emission.
//!
//! Register layout of a frame: parameters and locals keep fixed registers
//! `0..num_locals`; the operand stack position `p` has the home register
//! `num_locals + p`. The translator keeps a compile-time operand stack of
//! [`Slot`]s: a value is either a lazy reference to a local register, a
//! constant, a pending comparison, or a temporary living in its home.
//! Invariant: a `Temp` slot at position `p` always lives in `home(p)`, so
//! branch moves into a target's result homes are safe in ascending order.

mod control;
mod enc;
mod fpair;
mod fuse;
mod ipair;
mod locals;
mod ops;
mod record;
mod rotate;
mod stack;

use self::fpair::FOp;
use self::record::Recorder;
use crate::analysis::{Analysis, Node, NodeKind};
use crate::cmp::{self, Cmp, FCmp, Pending, Rhs};
use crate::labels::{Label, Labels};
use crate::notes::FramePhis;
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
    /// A loop whose back edge repeats its header's exit test.
    rotate: Option<rotate::Rotation>,
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
        notes: Recorder::new(opts.check, an.num_locals),
        last: None,
    };
    if e.notes.is_on() {
        e.const_syms = (0..consts.len())
            .map(|k| {
                let reg = e.const_reg(k);
                e.notes.entry_value(reg)
            })
            .collect();
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
        rotate: None,
    });
    e.wasm_offset = an.ops.first().map_or(0, |op| op.1);
    e.safepoint();
    let mut i = 0;
    while i < an.ops.len() {
        e.op_index = i;
        e.wasm_offset = an.ops[i].1;
        e.notes.clear_reads();
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
        notes: e.notes.finish(),
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
    notes: Recorder,
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
            O::Br { relative_depth: 0 } if self.rotated_back_edge()? => Ok(1),
            O::Br { relative_depth } => {
                self.emit_br(relative_depth);
                self.set_unreachable();
                Ok(1)
            }
            O::BrIf { relative_depth } => {
                let n = self.br_if(relative_depth)?;
                self.rotated_body_start();
                Ok(n)
            }
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
            O::GlobalSet { global_index } => self.global_set(global_index),
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
            O::I32And => self.and(),
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
