//! Float pairs: an `add`/`sub`/`mul` whose only consumer is the next
//! `add`/`sub`/`mul` of the same type becomes one `F{32,64}{Op1}{Op2}{L,R}`
//! instruction, so the inner result never goes through a frame slot (the
//! store-to-load chain that dominates float loops).

use super::{Emitter, R};
use regwasm_ir::{op, Instr, Reg};
use wasmparser::Operator;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum FOp {
    Add,
    Sub,
    Mul,
}

impl FOp {
    fn of(op: &Operator<'_>, is64: bool) -> Option<FOp> {
        use Operator as O;
        match (op, is64) {
            (O::F32Add, false) | (O::F64Add, true) => Some(FOp::Add),
            (O::F32Sub, false) | (O::F64Sub, true) => Some(FOp::Sub),
            (O::F32Mul, false) | (O::F64Mul, true) => Some(FOp::Mul),
            _ => None,
        }
    }
}

macro_rules! pick {
    ($is64:expr, $o1:expr, $o2:expr, $left:expr, ($dst:ident, $a:ident, $b:ident, $c:ident);
     $($p1:ident $p2:ident => $l32:ident $r32:ident $l64:ident $r64:ident;)*) => {
        match ($is64, $o1, $o2, $left) {
            $(
                (false, FOp::$p1, FOp::$p2, true) => op::$l32 { dst: $dst, a: $a, b: $b, c: $c }.into(),
                (false, FOp::$p1, FOp::$p2, false) => op::$r32 { dst: $dst, a: $a, b: $b, c: $c }.into(),
                (true, FOp::$p1, FOp::$p2, true) => op::$l64 { dst: $dst, a: $a, b: $b, c: $c }.into(),
                (true, FOp::$p1, FOp::$p2, false) => op::$r64 { dst: $dst, a: $a, b: $b, c: $c }.into(),
            )*
        }
    };
}

/// The shape of a pair: type (`is64`), inner and outer operator, and
/// whether the inner result is the outer operator's left operand.
#[derive(Clone, Copy)]
struct Shape {
    is64: bool,
    o1: FOp,
    o2: FOp,
    left: bool,
}

/// `m = a op1 b`, then `m op2 c` (`left`) or `c op2 m`.
fn make(s: Shape, dst: Reg, a: Reg, b: Reg, c: Reg) -> Instr {
    pick!(s.is64, s.o1, s.o2, s.left, (dst, a, b, c);
        Add Add => F32AddAddL F32AddAddR F64AddAddL F64AddAddR;
        Add Sub => F32AddSubL F32AddSubR F64AddSubL F64AddSubR;
        Add Mul => F32AddMulL F32AddMulR F64AddMulL F64AddMulR;
        Sub Add => F32SubAddL F32SubAddR F64SubAddL F64SubAddR;
        Sub Sub => F32SubSubL F32SubSubR F64SubSubL F64SubSubR;
        Sub Mul => F32SubMulL F32SubMulR F64SubMulL F64SubMulR;
        Mul Add => F32MulAddL F32MulAddR F64MulAddL F64MulAddR;
        Mul Sub => F32MulSubL F32MulSubR F64MulSubL F64MulSubR;
        Mul Mul => F32MulMulL F32MulMulR F64MulMulL F64MulMulR;)
}

impl Emitter<'_, '_> {
    /// Fuses the current float operator `o1` with its consumer when that is
    /// the next operator (`x` below the operands: `x op2 m`) or the one
    /// after a `local.get y` (`m op2 y`). Returns the operators consumed, or
    /// `None` (nothing emitted) when the pattern does not apply.
    pub(super) fn float_pair(&mut self, is64: bool, o1: FOp) -> R<Option<usize>> {
        if !self.fuse {
            return Ok(None);
        }
        let i = self.op_index;
        let Some(consumer) = self.an.values.consumer_of(i) else {
            return Ok(None);
        };
        let ops = &self.an.ops;
        let height = self.ctrl.last().map_or(0, |c| c.height);
        if consumer == i + 1 && self.stack.len() >= height + 3 {
            let Some(o2) = ops.get(i + 1).and_then(|(op, _)| FOp::of(op, is64)) else {
                return Ok(None);
            };
            let b = self.pop_reg();
            let a = self.pop_reg();
            let x = self.pop_reg();
            let shape = Shape {
                is64,
                o1,
                o2,
                left: false,
            };
            return self.emit_pair(shape, a, b, x, 1).map(Some);
        }
        if consumer == i + 2 {
            let Some((Operator::LocalGet { local_index }, _)) = ops.get(i + 1) else {
                return Ok(None);
            };
            let y = *local_index;
            let Some(o2) = ops.get(i + 2).and_then(|(op, _)| FOp::of(op, is64)) else {
                return Ok(None);
            };
            let b = self.pop_reg();
            let a = self.pop_reg();
            let y = Reg(y as u16);
            self.notes.read_local(y);
            let shape = Shape {
                is64,
                o1,
                o2,
                left: true,
            };
            return self.emit_pair(shape, a, b, y, 2).map(Some);
        }
        Ok(None)
    }

    /// Emits the pair as the operator `skip` operators ahead (its consumer);
    /// returns the operators consumed.
    fn emit_pair(&mut self, shape: Shape, a: Reg, b: Reg, c: Reg, skip: usize) -> R<usize> {
        self.op_index += skip;
        self.wasm_offset = self.an.ops[self.op_index].1;
        let consumed = self.produce(|dst| make(shape, dst, a, b, c))?;
        Ok(skip + consumed)
    }
}
