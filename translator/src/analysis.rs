//! Pass 1: one linear scan that builds the control tree, the per-node
//! local-write sets and the value IR.
//!
//! A dense bitset per node would cost nodes × locals bits, quadratic for a
//! module with thousands of nested blocks and thousands of locals. Instead
//! each local keeps the sorted positions (operator indices) of its writes,
//! and a node is the operator range `[start, end]`: node N writes local L
//! (nested nodes included) iff L has a write position inside N's range.
//! Space is linear; a query is a binary search.

use crate::scratch::{relifetime, Scratch};
use crate::{ModuleEnv, TranslateError};
use wasmparser::{
    BlockType, ContType, FrameKind, FuncType, FunctionBody, ModuleArity, Operator, RefType, SubType,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Func,
    Block,
    Loop,
    If,
}

/// A control node: its kind and operator range (`end` is its `end` operator).
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub start: u32,
    pub end: u32,
    /// The `else` operator of an `if`, if present.
    pub else_op: Option<u32>,
    pub parent: Option<u32>,
}

pub struct Analysis<'a> {
    /// Operators with their Wasm byte offsets.
    pub ops: Vec<(Operator<'a>, usize)>,
    /// Parameters plus declared locals.
    pub num_locals: u32,
    pub nodes: Vec<Node>,
    /// For each operator that opens a node, that node's index.
    node_at: Vec<u32>,
    /// CSR write positions: local L's writes are
    /// `write_pos[write_start[L]..write_start[L + 1]]`, ascending.
    write_start: Vec<u32>,
    write_pos: Vec<u32>,
    pub values: ValueIr,
    /// Constants that live in registers of their own for the whole call
    /// (see [`Analysis::const_pool`]), as raw register bits.
    pub consts: Vec<u64>,
}

/// The small SSA-like IR: every operator result is a value id; every stack
/// operand is resolved to the id of the value it consumes. In a stack
/// machine each value is consumed at most once, so a producer/consumer pair
/// is exact: pass 2 fuses a producer with its consumer from this table, not
/// from a guess about neighbouring operators.
#[derive(Default)]
pub struct ValueIr {
    /// Per operator: the id of its first result, `NONE` if it has none.
    first_result: Vec<u32>,
    /// Per value: the operator that produced it.
    pub producer: Vec<u32>,
    /// Per value: the operator that consumed it, `NONE` if none did.
    pub consumer: Vec<u32>,
}

/// "No operator / no value" in the IR tables.
pub const NONE: u32 = u32::MAX;

impl ValueIr {
    /// The id of the first value produced by operator `op`.
    pub fn result_of(&self, op: usize) -> Option<u32> {
        self.first_result.get(op).copied().filter(|&v| v != NONE)
    }

    /// The operator that consumes the first result of operator `op`.
    pub fn consumer_of(&self, op: usize) -> Option<usize> {
        let v = self.result_of(op)?;
        match self.consumer[v as usize] {
            NONE => None,
            c => Some(c as usize),
        }
    }

    fn new_value(&mut self, producer: usize) -> u32 {
        self.producer.push(producer as u32);
        self.consumer.push(NONE);
        self.producer.len() as u32 - 1
    }
}

struct IrFrame {
    kind: NodeKind,
    height: usize,
    results: usize,
    /// The parameter values, for the `else` arm of an `if`.
    param_values: Vec<u32>,
}

/// Builds the value IR by simulating the operand stack with value ids.
struct IrBuilder<'e> {
    env: &'e dyn ModuleEnv,
    ir: ValueIr,
    stack: Vec<u32>,
    frames: Vec<IrFrame>,
}

impl ModuleArity for IrBuilder<'_> {
    fn sub_type_at(&self, type_idx: u32) -> Option<&SubType> {
        self.env.sub_type(type_idx)
    }
    fn tag_type_arity(&self, _at: u32) -> Option<(u32, u32)> {
        None
    }
    fn type_index_of_function(&self, function_idx: u32) -> Option<u32> {
        self.env.func_type_index(function_idx)
    }
    fn func_type_of_cont_type(&self, _c: &ContType) -> Option<&FuncType> {
        None
    }
    fn sub_type_of_ref_type(&self, _rt: &RefType) -> Option<&SubType> {
        None
    }
    fn control_stack_height(&self) -> u32 {
        self.frames.len() as u32
    }
    fn label_block(&self, _depth: u32) -> Option<(BlockType, FrameKind)> {
        // Control operators are simulated by `IrBuilder::op` itself.
        None
    }
}

impl IrBuilder<'_> {
    fn block_arity(&self, bt: BlockType) -> (usize, usize) {
        match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(t) => self
                .env
                .type_at(t)
                .map_or((0, 0), |f| (f.params().len(), f.results().len())),
        }
    }

    /// Pops one operand consumed by operator `i` (none in unreachable code).
    fn pop(&mut self, i: usize) -> Option<u32> {
        let height = self.frames.last().map_or(0, |f| f.height);
        if self.stack.len() <= height {
            return None;
        }
        let v = self.stack.pop()?;
        self.ir.consumer[v as usize] = i as u32;
        Some(v)
    }

    fn pop_n(&mut self, n: usize, i: usize) {
        for _ in 0..n {
            self.pop(i);
        }
    }

    fn push_results(&mut self, n: usize, i: usize) {
        for k in 0..n {
            let v = self.ir.new_value(i);
            if k == 0 {
                self.ir.first_result[i] = v;
            }
            self.stack.push(v);
        }
    }

    /// Everything down to the frame's height is consumed by a branch; what
    /// follows until the frame's end is unreachable, where pops find nothing.
    fn diverge(&mut self, i: usize) {
        let height = self.frames.last().map_or(0, |f| f.height);
        while self.stack.len() > height {
            self.pop(i);
        }
    }

    fn enter(&mut self, kind: NodeKind, bt: BlockType, i: usize) {
        if kind == NodeKind::If {
            self.pop(i);
        }
        let (params, results) = self.block_arity(bt);
        let height = self.stack.len().saturating_sub(params);
        self.frames.push(IrFrame {
            kind,
            height,
            results,
            param_values: self.stack[height..].to_vec(),
        });
    }

    fn op(&mut self, op: &Operator<'_>, i: usize) {
        match *op {
            Operator::Block { blockty } => self.enter(NodeKind::Block, blockty, i),
            Operator::Loop { blockty } => self.enter(NodeKind::Loop, blockty, i),
            Operator::If { blockty } => self.enter(NodeKind::If, blockty, i),
            Operator::Else => {
                let Some(f) = self.frames.last() else { return };
                let results = f.results;
                self.pop_n(results, i);
                let f = self.frames.last().expect("checked above");
                let (height, params) = (f.height, f.param_values.clone());
                self.stack.truncate(height);
                self.stack.extend(params);
            }
            Operator::End => {
                let Some(f) = self.frames.last() else { return };
                let results = f.results;
                self.pop_n(results, i);
                let f = self.frames.pop().expect("checked above");
                self.stack.truncate(f.height);
                if f.kind != NodeKind::Func {
                    self.push_results(results, i);
                }
            }
            Operator::Br { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable => self.diverge(i),
            Operator::BrIf { .. } => {
                self.pop(i);
            }
            _ => {
                if let Some((pops, pushes)) = op.operator_arity(&*self) {
                    self.pop_n(pops as usize, i);
                    self.push_results(pushes as usize, i);
                }
            }
        }
    }
}

const NO_NODE: u32 = u32::MAX;

impl<'a> Analysis<'a> {
    /// Analyses `body`.
    pub fn run(
        env: &dyn ModuleEnv,
        body: &FunctionBody<'a>,
        func_type: &FuncType,
    ) -> Result<Analysis<'a>, TranslateError> {
        Self::run_in(env, body, func_type, &mut Scratch::default())
    }

    /// Analyses `body`, building its tables in the buffers of `scratch`
    /// (give them back with [`Analysis::recycle`]).
    pub(crate) fn run_in(
        env: &dyn ModuleEnv,
        body: &FunctionBody<'a>,
        func_type: &FuncType,
        scratch: &mut Scratch,
    ) -> Result<Analysis<'a>, TranslateError> {
        let num_params = func_type.params().len() as u32;
        let mut num_locals = u64::from(num_params);
        for local in body.get_locals_reader()? {
            let (count, _ty) = local?;
            num_locals += u64::from(count);
        }
        if num_locals > u64::from(u16::MAX) {
            return Err(TranslateError::TooManyRegisters(num_locals));
        }
        let num_locals = num_locals as u32;

        let mut ops = relifetime(std::mem::take(&mut scratch.ops));
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset()?;
            ops.push((op, offset as usize));
        }

        let mut nodes = std::mem::take(&mut scratch.nodes);
        nodes.push(Node {
            kind: NodeKind::Func,
            start: 0,
            end: ops.len().saturating_sub(1) as u32,
            else_op: None,
            parent: None,
        });
        let mut node_at = std::mem::take(&mut scratch.node_at);
        node_at.resize(ops.len(), NO_NODE);
        let mut open = vec![0u32];
        let mut write_count = vec![0u32; num_locals as usize + 1];
        let mut loops_open = 0u32;
        let mut in_loops = Vec::new();
        let mut ir = IrBuilder {
            env,
            ir: ValueIr {
                first_result: {
                    let mut v = std::mem::take(&mut scratch.first_result);
                    v.resize(ops.len(), NONE);
                    v
                },
                producer: std::mem::take(&mut scratch.producer),
                consumer: std::mem::take(&mut scratch.consumer),
            },
            stack: Vec::new(),
            frames: vec![IrFrame {
                kind: NodeKind::Func,
                height: 0,
                results: func_type.results().len(),
                param_values: Vec::new(),
            }],
        };
        for (i, (op, _)) in ops.iter().enumerate() {
            ir.op(op, i);
            let kind = match op {
                Operator::Block { .. } => Some(NodeKind::Block),
                Operator::Loop { .. } => Some(NodeKind::Loop),
                Operator::If { .. } => Some(NodeKind::If),
                _ => None,
            };
            if let Some(kind) = kind {
                loops_open += u32::from(kind == NodeKind::Loop);
                node_at[i] = nodes.len() as u32;
                nodes.push(Node {
                    kind,
                    start: i as u32,
                    end: u32::MAX,
                    else_op: None,
                    parent: open.last().copied(),
                });
                open.push(nodes.len() as u32 - 1);
                continue;
            }
            match op {
                Operator::Else => {
                    if let Some(&n) = open.last() {
                        nodes[n as usize].else_op = Some(i as u32);
                    }
                }
                Operator::End => {
                    if let Some(n) = open.pop() {
                        nodes[n as usize].end = i as u32;
                        loops_open -= u32::from(nodes[n as usize].kind == NodeKind::Loop);
                    }
                }
                Operator::I32Const { .. }
                | Operator::I64Const { .. }
                | Operator::F32Const { .. }
                | Operator::F64Const { .. }
                    if loops_open > 0 =>
                {
                    in_loops.push(i as u32);
                }
                Operator::LocalSet { local_index } | Operator::LocalTee { local_index } => {
                    if let Some(c) = write_count.get_mut(*local_index as usize) {
                        *c += 1;
                    }
                }
                _ => {}
            }
        }

        // Prefix sums, then fill: positions come out ascending per local.
        let mut write_start = std::mem::take(&mut scratch.write_start);
        let mut acc = 0u32;
        for c in &write_count {
            write_start.push(acc);
            acc += c;
        }
        let mut fill = write_start.clone();
        let mut write_pos = std::mem::take(&mut scratch.write_pos);
        write_pos.resize(acc as usize, 0);
        for (i, (op, _)) in ops.iter().enumerate() {
            if let Operator::LocalSet { local_index } | Operator::LocalTee { local_index } = op {
                let slot = &mut fill[*local_index as usize];
                write_pos[*slot as usize] = i as u32;
                *slot += 1;
            }
        }

        let consts = const_pool(&ops, &ir.ir, &in_loops);
        Ok(Analysis {
            ops,
            num_locals,
            nodes,
            node_at,
            write_start,
            write_pos,
            values: ir.ir,
            consts,
        })
    }

    /// Returns the tables' buffers to `scratch` for the next translation.
    pub(crate) fn recycle(self, scratch: &mut Scratch) {
        scratch.ops = relifetime(self.ops);
        scratch.nodes = self.nodes;
        scratch.node_at = self.node_at;
        scratch.write_start = self.write_start;
        scratch.write_pos = self.write_pos;
        scratch.first_result = self.values.first_result;
        scratch.producer = self.values.producer;
        scratch.consumer = self.values.consumer;
    }

    /// The node opened by the operator at `op`, if any.
    pub fn node_at(&self, op: usize) -> Option<&Node> {
        match self.node_at.get(op) {
            Some(&n) if n != NO_NODE => Some(&self.nodes[n as usize]),
            _ => None,
        }
    }

    fn writes_of(&self, local: u32) -> &[u32] {
        let l = local as usize;
        &self.write_pos[self.write_start[l] as usize..self.write_start[l + 1] as usize]
    }

    /// The first write of `local` at an operator index `> after`.
    pub fn next_write_after(&self, local: u32, after: usize) -> Option<u32> {
        let w = self.writes_of(local);
        let i = w.partition_point(|&p| p as usize <= after);
        w.get(i).copied()
    }

    /// Whether `node` writes `local` anywhere inside it, nested nodes included.
    pub fn node_writes(&self, node: &Node, local: u32) -> bool {
        self.next_write_after(local, node.start as usize)
            .is_some_and(|p| p <= node.end)
    }
}

/// At most this many constants get a register of their own per function.
pub const MAX_POOLED: usize = 32;

/// The constants inside loops that emission would otherwise materialize
/// into a register on every iteration (`copy_imm64` before an `f64.add`,
/// `1` before an `i32.shl` of it, an `i64` too wide for an immediate):
/// each gets a register initialized once per call, as the call sets up its
/// frame. A constant the consumer takes as an immediate, or one moved into a
/// local or a branch target anyway, gains nothing and is left out. Deciding
/// wrongly is harmless either way: an unused pooled value costs one slot
/// copy per call, an unpooled one is materialized as before.
fn const_pool(ops: &[(Operator<'_>, usize)], ir: &ValueIr, candidates: &[u32]) -> Vec<u64> {
    let mut pool: Vec<u64> = Vec::new();
    for &i in candidates {
        let i = i as usize;
        let (bits, wide) = match ops[i].0 {
            Operator::I32Const { value } => (value as u32 as u64, false),
            Operator::I64Const { value } => (value as u64, i32::try_from(value).is_err()),
            Operator::F32Const { value } => (u64::from(value.bits()), true),
            Operator::F64Const { value } => (value.bits(), true),
            _ => continue,
        };
        let Some(consumer) = ir.consumer_of(i) else {
            continue;
        };
        let Some((op, _)) = ops.get(consumer) else {
            continue;
        };
        // The right operand of a binary operator is produced by the
        // operator just before it.
        let is_right = consumer == i + 1;
        if (!wide && takes_immediate(op, is_right)) || moved_anyway(op) {
            continue;
        }
        if !pool.contains(&bits) {
            if pool.len() == MAX_POOLED {
                break;
            }
            pool.push(bits);
        }
    }
    pool
}

/// Whether `op` is an integer comparison of two operands (i32 or i64).
pub(crate) fn is_int_compare(op: &Operator<'_>) -> bool {
    use Operator as O;
    matches!(
        op,
        O::I32Eq
            | O::I32Ne
            | O::I32LtS
            | O::I32LtU
            | O::I32GtS
            | O::I32GtU
            | O::I32LeS
            | O::I32LeU
            | O::I32GeS
            | O::I32GeU
            | O::I64Eq
            | O::I64Ne
            | O::I64LtS
            | O::I64LtU
            | O::I64GtS
            | O::I64GtU
            | O::I64LeS
            | O::I64LeU
            | O::I64GeS
            | O::I64GeU
    )
}

/// Whether `op` takes a small integer constant operand as an immediate
/// (the right one if `is_right`, else the left), as emission fuses them.
fn takes_immediate(op: &Operator<'_>, is_right: bool) -> bool {
    use Operator as O;
    match op {
        // Commutative operators and (mirrored) comparisons: either side.
        O::I32Add
        | O::I32Mul
        | O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I64Add
        | O::I64Mul
        | O::I64And
        | O::I64Or
        | O::I64Xor => true,
        _ if is_int_compare(op) => true,
        // Only the right operand.
        O::I32Sub
        | O::I32DivS
        | O::I32DivU
        | O::I32RemS
        | O::I32RemU
        | O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr
        | O::I64Sub
        | O::I64DivS
        | O::I64DivU
        | O::I64RemS
        | O::I64RemU
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr => is_right,
        _ => false,
    }
}

/// Whether `op` copies a constant operand into a register of its choosing
/// (a local, a branch target's result, a call argument), or folds it away,
/// so a pooled register would save nothing.
fn moved_anyway(op: &Operator<'_>) -> bool {
    use Operator as O;
    matches!(
        op,
        O::LocalSet { .. }
            | O::LocalTee { .. }
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::Return
            | O::End
            | O::Else
            | O::If { .. }
            | O::Drop
            | O::Call { .. }
            | O::CallIndirect { .. }
    )
}
