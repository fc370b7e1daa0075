//! Integer comparisons and the fused instructions they turn into.

use regwasm_ir::{op, BrOff, Instr, Reg};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl Cmp {
    /// The comparison that holds exactly when `self` does not.
    pub fn inverse(self) -> Cmp {
        use Cmp::*;
        match self {
            Eq => Ne,
            Ne => Eq,
            LtS => GeS,
            LtU => GeU,
            GtS => LeS,
            GtU => LeU,
            LeS => GtS,
            LeU => GtU,
            GeS => LtS,
            GeU => LtU,
        }
    }

    /// The comparison with its operands swapped: `a < b` is `b > a`.
    pub fn mirror(self) -> Cmp {
        use Cmp::*;
        match self {
            Eq => Eq,
            Ne => Ne,
            LtS => GtS,
            LtU => GtU,
            GtS => LtS,
            GtU => LtU,
            LeS => GeS,
            LeU => GeU,
            GeS => LeS,
            GeU => LeU,
        }
    }
}

/// The right operand of a pending comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rhs {
    Reg(Reg),
    Imm(i32),
}

/// A comparison whose result has not been materialized: its single consumer
/// (`br_if`, `if` or `select`) comes next and fuses with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    Cmp {
        is64: bool,
        cmp: Cmp,
        a: Reg,
        b: Rhs,
    },
    /// `i32.eqz` (`is64: false`) or `i64.eqz` / `ref.is_null`.
    Eqz { is64: bool, a: Reg },
    /// `i32.and`, tested for not zero (`eqz` false) or zero (`eqz` true,
    /// an `i32.eqz` of it): fused into branches only.
    And { a: Reg, b: Rhs, eqz: bool },
    /// A float comparison (fused into branches only).
    FCmp {
        is64: bool,
        cmp: FCmp,
        a: Reg,
        b: Reg,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FCmp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

macro_rules! by_fcmp {
    ($is64:expr, $cmp:expr, |$T:ident| $make:expr; $($c:ident => $f32:ident, $f64:ident;)*) => {
        match ($cmp, $is64) {
            $(
                (FCmp::$c, false) => { type $T = op::$f32; $make }
                (FCmp::$c, true) => { type $T = op::$f64; $make }
            )*
        }
    };
}

/// Float compare-and-branch; `when` false branches when it does not hold
/// (`!(a == b)` is `a != b` even with NaNs, so equality uses the other test).
pub fn br_f(is64: bool, cmp: FCmp, when: bool, a: Reg, b: Reg) -> Instr {
    if when {
        by_fcmp!(is64, cmp, |T| T { a, b, off: BrOff(0) }.into();
            Eq => BrF32Eq, BrF64Eq; Ne => BrF32Ne, BrF64Ne; Lt => BrF32Lt, BrF64Lt;
            Gt => BrF32Gt, BrF64Gt; Le => BrF32Le, BrF64Le; Ge => BrF32Ge, BrF64Ge;)
    } else {
        by_fcmp!(is64, cmp, |T| T { a, b, off: BrOff(0) }.into();
            Eq => BrF32Ne, BrF64Ne; Ne => BrF32Eq, BrF64Eq; Lt => BrF32NotLt, BrF64NotLt;
            Gt => BrF32NotGt, BrF64NotGt; Le => BrF32NotLe, BrF64NotLe; Ge => BrF32NotGe, BrF64NotGe;)
    }
}

/// The plain float comparison producing 0 or 1 in `dst`.
pub fn set_f(is64: bool, cmp: FCmp, dst: Reg, a: Reg, b: Reg) -> Instr {
    by_fcmp!(is64, cmp, |T| T { dst, a, b }.into();
        Eq => F32Eq, F64Eq; Ne => F32Ne, F64Ne; Lt => F32Lt, F64Lt;
        Gt => F32Gt, F64Gt; Le => F32Le, F64Le; Ge => F32Ge, F64Ge;)
}

macro_rules! by_cmp {
    ($is64:expr, $cmp:expr, |$T:ident| $make:expr; $($c:ident => $i32:ident, $i64:ident;)*) => {
        match ($cmp, $is64) {
            $(
                (Cmp::$c, false) => { type $T = op::$i32; $make }
                (Cmp::$c, true) => { type $T = op::$i64; $make }
            )*
        }
    };
}

/// Compare-and-branch with two registers.
pub fn br_rr(is64: bool, cmp: Cmp, a: Reg, b: Reg) -> Instr {
    by_cmp!(is64, cmp, |T| T { a, b, off: BrOff(0) }.into();
        Eq => BrI32Eq, BrI64Eq; Ne => BrI32Ne, BrI64Ne; LtS => BrI32LtS, BrI64LtS;
        LtU => BrI32LtU, BrI64LtU; GtS => BrI32GtS, BrI64GtS; GtU => BrI32GtU, BrI64GtU;
        LeS => BrI32LeS, BrI64LeS; LeU => BrI32LeU, BrI64LeU; GeS => BrI32GeS, BrI64GeS;
        GeU => BrI32GeU, BrI64GeU;)
}

/// Compare-and-branch with an immediate right operand.
pub fn br_ri(is64: bool, cmp: Cmp, a: Reg, b: i32) -> Instr {
    by_cmp!(is64, cmp, |T| T { a, b, off: BrOff(0) }.into();
        Eq => BrI32EqImm, BrI64EqImm; Ne => BrI32NeImm, BrI64NeImm; LtS => BrI32LtSImm, BrI64LtSImm;
        LtU => BrI32LtUImm, BrI64LtUImm; GtS => BrI32GtSImm, BrI64GtSImm; GtU => BrI32GtUImm, BrI64GtUImm;
        LeS => BrI32LeSImm, BrI64LeSImm; LeU => BrI32LeUImm, BrI64LeUImm; GeS => BrI32GeSImm, BrI64GeSImm;
        GeU => BrI32GeUImm, BrI64GeUImm;)
}

/// Select with a fused comparison: `dst = if x cmp y { a } else { b }`.
pub fn select(is64: bool, cmp: Cmp, dst: Reg, x: Reg, y: Reg, a: Reg, b: Reg) -> Instr {
    by_cmp!(is64, cmp, |T| T { dst, x, y, a, b }.into();
        Eq => SelectI32Eq, SelectI64Eq; Ne => SelectI32Ne, SelectI64Ne; LtS => SelectI32LtS, SelectI64LtS;
        LtU => SelectI32LtU, SelectI64LtU; GtS => SelectI32GtS, SelectI64GtS; GtU => SelectI32GtU, SelectI64GtU;
        LeS => SelectI32LeS, SelectI64LeS; LeU => SelectI32LeU, SelectI64LeU; GeS => SelectI32GeS, SelectI64GeS;
        GeU => SelectI32GeU, SelectI64GeU;)
}

/// The plain comparison producing 0 or 1 in `dst`.
pub fn set_rr(is64: bool, cmp: Cmp, dst: Reg, a: Reg, b: Reg) -> Instr {
    by_cmp!(is64, cmp, |T| T { dst, a, b }.into();
        Eq => I32Eq, I64Eq; Ne => I32Ne, I64Ne; LtS => I32LtS, I64LtS;
        LtU => I32LtU, I64LtU; GtS => I32GtS, I64GtS; GtU => I32GtU, I64GtU;
        LeS => I32LeS, I64LeS; LeU => I32LeU, I64LeU; GeS => I32GeS, I64GeS;
        GeU => I32GeU, I64GeU;)
}

/// The plain comparison with an immediate right operand.
pub fn set_ri(is64: bool, cmp: Cmp, dst: Reg, a: Reg, b: i32) -> Instr {
    by_cmp!(is64, cmp, |T| T { dst, a, b }.into();
        Eq => I32EqImm, I64EqImm; Ne => I32NeImm, I64NeImm; LtS => I32LtSImm, I64LtSImm;
        LtU => I32LtUImm, I64LtUImm; GtS => I32GtSImm, I64GtSImm; GtU => I32GtUImm, I64GtUImm;
        LeS => I32LeSImm, I64LeSImm; LeU => I32LeUImm, I64LeUImm; GeS => I32GeSImm, I64GeSImm;
        GeU => I32GeUImm, I64GeUImm;)
}

macro_rules! by_cmp32 {
    ($cmp:expr, |$T:ident| $make:expr; $($c:ident => $i32:ident;)*) => {
        match $cmp {
            $( Cmp::$c => { type $T = op::$i32; $make } )*
        }
    };
}

/// `dst = a + b` fused with a branch comparing the sum with register `c`.
pub fn add_imm_br_rr(cmp: Cmp, dst: Reg, a: Reg, b: i32, c: Reg) -> Instr {
    by_cmp32!(cmp, |T| T { dst, a, b, c, off: BrOff(0) }.into();
        Eq => I32AddImmBrEq; Ne => I32AddImmBrNe; LtS => I32AddImmBrLtS; LtU => I32AddImmBrLtU;
        GtS => I32AddImmBrGtS; GtU => I32AddImmBrGtU; LeS => I32AddImmBrLeS; LeU => I32AddImmBrLeU;
        GeS => I32AddImmBrGeS; GeU => I32AddImmBrGeU;)
}

/// `dst = a + b` fused with a branch comparing the sum with immediate `c`.
pub fn add_imm_br_ri(cmp: Cmp, dst: Reg, a: Reg, b: i32, c: i32) -> Instr {
    by_cmp32!(cmp, |T| T { dst, a, b, c, off: BrOff(0) }.into();
        Eq => I32AddImmBrEqImm; Ne => I32AddImmBrNeImm; LtS => I32AddImmBrLtSImm;
        LtU => I32AddImmBrLtUImm; GtS => I32AddImmBrGtSImm; GtU => I32AddImmBrGtUImm;
        LeS => I32AddImmBrLeSImm; LeU => I32AddImmBrLeUImm; GeS => I32AddImmBrGeSImm;
        GeU => I32AddImmBrGeUImm;)
}

/// Branch on `a & b`: taken when it is not zero (`nz`), or when it is zero.
pub fn br_and(nz: bool, a: Reg, b: Rhs) -> Instr {
    let off = BrOff(0);
    match (nz, b) {
        (true, Rhs::Reg(b)) => op::BrI32And { a, b, off }.into(),
        (true, Rhs::Imm(b)) => op::BrI32AndImm { a, b, off }.into(),
        (false, Rhs::Reg(b)) => op::BrI32Nand { a, b, off }.into(),
        (false, Rhs::Imm(b)) => op::BrI32NandImm { a, b, off }.into(),
    }
}
