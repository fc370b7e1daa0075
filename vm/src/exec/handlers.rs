//! The semantics of every instruction, one function per opcode.
//!
//! Each handler receives the hot state `s` with `s.ip` already past the
//! instruction, the execution context and the decoded operands. Both
//! dispatchers (see `dispatch`) call these same functions.

use super::{Cx, Exit, Res, St};
use crate::store::StoreInner;
use regwasm_ir::acc::{DST, X, Y};
use regwasm_ir::{op, Reg, TrapCode};

// SAFETY (for the whole module): the verifier-checked translator guarantees
// every register operand lies inside the current frame, and the call
// handler guarantees the whole frame lies inside the value stack, so
// `fp.add(r)` is in bounds for every operand register `r`.
#[inline(always)]
unsafe fn get(s: &St, r: Reg) -> u64 {
    *s.fp.add(r.0 as usize)
}

#[inline(always)]
unsafe fn set(s: &St, r: Reg, v: u64) {
    *s.fp.add(r.0 as usize) = v;
}

/// Operand `r` in role `ROLE` under accumulator mode `M`: the accumulator
/// when the mode names the role, else the frame slot. `M` is a constant of
/// each handler instance, so the choice costs nothing at run time.
#[inline(always)]
unsafe fn src<const M: u8, const ROLE: u8>(s: &St, r: Reg) -> u64 {
    if M & ROLE != 0 {
        s.acc
    } else {
        get(s, r)
    }
}

/// Writes the result to the accumulator or to `dst`, as mode `M` says.
#[inline(always)]
unsafe fn put<const M: u8>(s: &mut St, dst: Reg, v: u64) {
    if M & DST != 0 {
        s.acc = v
    } else {
        set(s, dst, v)
    }
}

#[inline(always)]
fn fault(code: TrapCode) -> Res {
    Err(Exit::Trap(code))
}

#[inline(always)]
unsafe fn branch(s: &mut St, off: regwasm_ir::BrOff) {
    // Keeps a conditional branch a jump the CPU predicts. Without it LLVM
    // turns `if c { ip += off }` into a cmov, and the next dispatch (the
    // load of the next opcode) then waits for the comparison's operands
    // instead of running ahead on the prediction. The empty asm statement
    // cannot be speculated, so the taken path stays a separate block.
    // SAFETY: it has no instructions and touches nothing.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    std::arch::asm!("", options(nomem, nostack, preserves_flags));
    // SAFETY: branch offsets were produced by the translator and checked by
    // the verifier to land on instruction boundaries of this function.
    s.ip = s.ip.offset(off.0 as isize);
}

// ----- control -----

#[inline(always)]
pub unsafe fn trap(_s: &mut St, _cx: &mut Cx, o: op::Trap) -> Res {
    fault(TrapCode::from_u32(o.code).unwrap_or(TrapCode::Unreachable))
}

#[inline(always)]
pub unsafe fn consume_fuel(_s: &mut St, cx: &mut Cx, o: op::ConsumeFuel) -> Res {
    match cx.fuel.checked_sub(o.amount as u64) {
        Some(left) => {
            cx.fuel = left;
            Ok(())
        }
        None => {
            cx.fuel = 0;
            fault(TrapCode::OutOfFuel)
        }
    }
}

#[inline(always)]
pub unsafe fn check_interrupt(_s: &mut St, cx: &mut Cx, _o: op::CheckInterrupt) -> Res {
    let flag = &cx.store().interrupt;
    if flag.load(std::sync::atomic::Ordering::Relaxed) {
        flag.store(false, std::sync::atomic::Ordering::Relaxed);
        return fault(TrapCode::Interrupted);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn br(s: &mut St, _cx: &mut Cx, o: op::Br) -> Res {
    branch(s, o.off);
    Ok(())
}

#[inline(always)]
pub unsafe fn br_nez<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::BrNez) -> Res {
    if src::<M, X>(s, o.cond) as u32 != 0 {
        branch(s, o.off);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn br_eqz<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::BrEqz) -> Res {
    if src::<M, X>(s, o.cond) as u32 == 0 {
        branch(s, o.off);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn br_nez64<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::BrNez64) -> Res {
    if src::<M, X>(s, o.cond) != 0 {
        branch(s, o.off);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn br_eqz64<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::BrEqz64) -> Res {
    if src::<M, X>(s, o.cond) == 0 {
        branch(s, o.off);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn copy_br_nez(s: &mut St, _cx: &mut Cx, o: op::CopyBrNez) -> Res {
    set(s, o.dst, get(s, o.src));
    if get(s, o.cond) as u32 != 0 {
        branch(s, o.off);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn copy_br_eqz(s: &mut St, _cx: &mut Cx, o: op::CopyBrEqz) -> Res {
    set(s, o.dst, get(s, o.src));
    if get(s, o.cond) as u32 == 0 {
        branch(s, o.off);
    }
    Ok(())
}

/// A load into `dst` and a branch on the loaded value.
macro_rules! load_br {
    ($($name:ident $T:ident: $op:tt;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let ea = effective(s, get(s, o.addr), o.offset, 4)?;
            // SAFETY: `effective` checked `ea + 4 <= mem_len`, and `mem`
            // points to `mem_len` bytes of the current instance's memory.
            let v = u32::from_le(std::ptr::read_unaligned(s.mem.add(ea) as *const u32));
            set(s, o.dst, v as u64);
            if v $op 0 {
                branch(s, o.off);
            }
            Ok(())
        }
    )*};
}

load_br! {
    i32_load_br_nez I32LoadBrNez: !=;
    i32_load_br_eqz I32LoadBrEqz: ==;
}

#[inline(always)]
pub unsafe fn br_table(s: &mut St, _cx: &mut Cx, o: op::BrTable) -> Res {
    let i = (get(s, o.index) as u32).min(o.len - 1) as usize;
    // SAFETY: the translator emits `len` (>= 1) targets right after the
    // fixed part, where `s.ip` points now.
    let off = std::ptr::read_unaligned(s.ip.add(i * 4) as *const i32);
    s.ip = s.ip.offset(off as isize);
    Ok(())
}

macro_rules! br_cmp {
    ($($name:ident $imm_name:ident $T:ident $TI:ident $ty:ty: $op:tt;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            if (src::<M, X>(s, o.a) as $ty) $op (src::<M, Y>(s, o.b) as $ty) {
                branch(s, o.off);
            }
            Ok(())
        }
        #[inline(always)]
        pub unsafe fn $imm_name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$TI) -> Res {
            if (src::<M, X>(s, o.a) as $ty) $op (o.b as i64 as $ty) {
                branch(s, o.off);
            }
            Ok(())
        }
    )*};
}

br_cmp! {
    br_i32_eq br_i32_eq_imm BrI32Eq BrI32EqImm u32: ==;
    br_i32_ne br_i32_ne_imm BrI32Ne BrI32NeImm u32: !=;
    br_i32_lt_s br_i32_lt_s_imm BrI32LtS BrI32LtSImm i32: <;
    br_i32_lt_u br_i32_lt_u_imm BrI32LtU BrI32LtUImm u32: <;
    br_i32_gt_s br_i32_gt_s_imm BrI32GtS BrI32GtSImm i32: >;
    br_i32_gt_u br_i32_gt_u_imm BrI32GtU BrI32GtUImm u32: >;
    br_i32_le_s br_i32_le_s_imm BrI32LeS BrI32LeSImm i32: <=;
    br_i32_le_u br_i32_le_u_imm BrI32LeU BrI32LeUImm u32: <=;
    br_i32_ge_s br_i32_ge_s_imm BrI32GeS BrI32GeSImm i32: >=;
    br_i32_ge_u br_i32_ge_u_imm BrI32GeU BrI32GeUImm u32: >=;
    br_i64_eq br_i64_eq_imm BrI64Eq BrI64EqImm u64: ==;
    br_i64_ne br_i64_ne_imm BrI64Ne BrI64NeImm u64: !=;
    br_i64_lt_s br_i64_lt_s_imm BrI64LtS BrI64LtSImm i64: <;
    br_i64_lt_u br_i64_lt_u_imm BrI64LtU BrI64LtUImm u64: <;
    br_i64_gt_s br_i64_gt_s_imm BrI64GtS BrI64GtSImm i64: >;
    br_i64_gt_u br_i64_gt_u_imm BrI64GtU BrI64GtUImm u64: >;
    br_i64_le_s br_i64_le_s_imm BrI64LeS BrI64LeSImm i64: <=;
    br_i64_le_u br_i64_le_u_imm BrI64LeU BrI64LeUImm u64: <=;
    br_i64_ge_s br_i64_ge_s_imm BrI64GeS BrI64GeSImm i64: >=;
    br_i64_ge_u br_i64_ge_u_imm BrI64GeU BrI64GeUImm u64: >=;
}

macro_rules! br_test {
    ($($name:ident $imm_name:ident $T:ident $TI:ident: $op:tt;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            if (src::<M, X>(s, o.a) as u32 & src::<M, Y>(s, o.b) as u32) $op 0 {
                branch(s, o.off);
            }
            Ok(())
        }
        #[inline(always)]
        pub unsafe fn $imm_name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$TI) -> Res {
            if (src::<M, X>(s, o.a) as u32 & o.b as u32) $op 0 {
                branch(s, o.off);
            }
            Ok(())
        }
    )*};
}

br_test! {
    br_i32_and br_i32_and_imm BrI32And BrI32AndImm: !=;
    br_i32_nand br_i32_nand_imm BrI32Nand BrI32NandImm: ==;
}

/// Float compare-and-branch: branches when the comparison holds (`$negate`
/// false) or when it does not (`true`). With NaNs, `!(a < b)` is not
/// `a >= b`, which is why the ordered comparisons have negations; equality
/// needs none, since `!(a == b)` is `a != b`, NaNs included.
macro_rules! br_fcmp {
    ($($name:ident $T:ident $f:ident $bits:ty: $op:tt $negate:literal;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let holds = $f::from_bits(src::<M, X>(s, o.a) as $bits) $op $f::from_bits(src::<M, Y>(s, o.b) as $bits);
            if holds != $negate {
                branch(s, o.off);
            }
            Ok(())
        }
    )*};
}

br_fcmp! {
    br_f32_eq BrF32Eq f32 u32: == false;
    br_f32_ne BrF32Ne f32 u32: != false;
    br_f32_lt BrF32Lt f32 u32: < false;
    br_f32_gt BrF32Gt f32 u32: > false;
    br_f32_le BrF32Le f32 u32: <= false;
    br_f32_ge BrF32Ge f32 u32: >= false;
    br_f32_not_lt BrF32NotLt f32 u32: < true;
    br_f32_not_gt BrF32NotGt f32 u32: > true;
    br_f32_not_le BrF32NotLe f32 u32: <= true;
    br_f32_not_ge BrF32NotGe f32 u32: >= true;
    br_f64_eq BrF64Eq f64 u64: == false;
    br_f64_ne BrF64Ne f64 u64: != false;
    br_f64_lt BrF64Lt f64 u64: < false;
    br_f64_gt BrF64Gt f64 u64: > false;
    br_f64_le BrF64Le f64 u64: <= false;
    br_f64_ge BrF64Ge f64 u64: >= false;
    br_f64_not_lt BrF64NotLt f64 u64: < true;
    br_f64_not_gt BrF64NotGt f64 u64: > true;
    br_f64_not_le BrF64NotLe f64 u64: <= true;
    br_f64_not_ge BrF64NotGe f64 u64: >= true;
}

/// `dst = a + b` (i32), then branch on the new value: a counted loop's step
/// and test in one dispatch. The test reads the sum itself, not `dst`.
macro_rules! add_imm_br {
    ($($name:ident $imm_name:ident $T:ident $TI:ident $ty:ty: $op:tt;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let v = (get(s, o.a) as u32).wrapping_add(o.b as u32);
            let c = get(s, o.c) as u32;
            set(s, o.dst, v as u64);
            if (v as $ty) $op (c as $ty) {
                branch(s, o.off);
            }
            Ok(())
        }
        #[inline(always)]
        pub unsafe fn $imm_name(s: &mut St, _cx: &mut Cx, o: op::$TI) -> Res {
            let v = (get(s, o.a) as u32).wrapping_add(o.b as u32);
            set(s, o.dst, v as u64);
            if (v as $ty) $op (o.c as u32 as $ty) {
                branch(s, o.off);
            }
            Ok(())
        }
    )*};
}

add_imm_br! {
    i32_add_imm_br_eq i32_add_imm_br_eq_imm I32AddImmBrEq I32AddImmBrEqImm u32: ==;
    i32_add_imm_br_ne i32_add_imm_br_ne_imm I32AddImmBrNe I32AddImmBrNeImm u32: !=;
    i32_add_imm_br_lt_s i32_add_imm_br_lt_s_imm I32AddImmBrLtS I32AddImmBrLtSImm i32: <;
    i32_add_imm_br_lt_u i32_add_imm_br_lt_u_imm I32AddImmBrLtU I32AddImmBrLtUImm u32: <;
    i32_add_imm_br_gt_s i32_add_imm_br_gt_s_imm I32AddImmBrGtS I32AddImmBrGtSImm i32: >;
    i32_add_imm_br_gt_u i32_add_imm_br_gt_u_imm I32AddImmBrGtU I32AddImmBrGtUImm u32: >;
    i32_add_imm_br_le_s i32_add_imm_br_le_s_imm I32AddImmBrLeS I32AddImmBrLeSImm i32: <=;
    i32_add_imm_br_le_u i32_add_imm_br_le_u_imm I32AddImmBrLeU I32AddImmBrLeUImm u32: <=;
    i32_add_imm_br_ge_s i32_add_imm_br_ge_s_imm I32AddImmBrGeS I32AddImmBrGeSImm i32: >=;
    i32_add_imm_br_ge_u i32_add_imm_br_ge_u_imm I32AddImmBrGeU I32AddImmBrGeUImm u32: >=;
}

#[inline(always)]
pub unsafe fn i32_add_imm_br_nez(s: &mut St, _cx: &mut Cx, o: op::I32AddImmBrNez) -> Res {
    let v = (get(s, o.a) as u32).wrapping_add(o.b as u32);
    set(s, o.dst, v as u64);
    if v != 0 {
        branch(s, o.off);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn i32_add_imm_br_eqz(s: &mut St, _cx: &mut Cx, o: op::I32AddImmBrEqz) -> Res {
    let v = (get(s, o.a) as u32).wrapping_add(o.b as u32);
    set(s, o.dst, v as u64);
    if v == 0 {
        branch(s, o.off);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn ret(s: &mut St, cx: &mut Cx, _o: op::Return) -> Res {
    cx.return_from(s)
}

#[inline(always)]
pub unsafe fn ret_reg<const M: u8>(s: &mut St, cx: &mut Cx, o: op::ReturnReg) -> Res {
    *s.fp = src::<M, X>(s, o.src);
    cx.return_from(s)
}

#[inline(always)]
pub unsafe fn ret_imm32(s: &mut St, cx: &mut Cx, o: op::ReturnImm32) -> Res {
    *s.fp = o.imm as u64;
    cx.return_from(s)
}

#[inline(always)]
pub unsafe fn ret_imm64(s: &mut St, cx: &mut Cx, o: op::ReturnImm64) -> Res {
    *s.fp = o.imm;
    cx.return_from(s)
}

#[inline(always)]
pub unsafe fn ret_span(s: &mut St, cx: &mut Cx, o: op::ReturnSpan) -> Res {
    // SAFETY: both ranges lie in the frame (verifier); `copy` handles overlap.
    std::ptr::copy(s.fp.add(o.src.0 as usize), s.fp, o.len as usize);
    cx.return_from(s)
}

#[inline(always)]
pub unsafe fn call(s: &mut St, cx: &mut Cx, o: op::Call) -> Res {
    // SAFETY: `o.func` is a validated function index of the module.
    let func = cx.inst_func(o.func);
    cx.call(s, func, o.base)
}

#[inline(always)]
pub unsafe fn call_indirect(s: &mut St, cx: &mut Cx, o: op::CallIndirect) -> Res {
    let store: &StoreInner = cx.store();
    let inst = &store.instances[cx.inst as usize];
    let table = &store.tables[inst.tables[o.table as usize] as usize];
    let index = get(s, o.index) as u32 as usize;
    let Some(&entry) = table.elems.get(index) else {
        return fault(TrapCode::UndefinedElement);
    };
    if entry == 0 {
        return fault(TrapCode::UninitializedElement);
    }
    let func = (entry - 1) as u32;
    let expected = inst.module.inner.type_ids[o.ty as usize];
    // SAFETY: table entries hold store function indices.
    if cx.target(func).type_id != expected {
        return fault(TrapCode::IndirectCallTypeMismatch);
    }
    cx.call(s, func, o.base)
}

/// A float pair: `m = a op1 b`, then `m op2 c` (`L`) or `c op2 m` (`R`),
/// with `m` never stored: the dependent chain stays in a machine register.
/// Each operation rounds as its own Wasm operator would.
macro_rules! fpair {
    (@order L $m:ident $c:ident $op2:tt) => { $m $op2 $c };
    (@order R $m:ident $c:ident $op2:tt) => { $c $op2 $m };
    ($($name:ident $T:ident $f:ident $bits:ty: $op1:tt $op2:tt $side:ident;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let a = $f::from_bits(src::<M, X>(s, o.a) as $bits);
            let b = $f::from_bits(src::<M, Y>(s, o.b) as $bits);
            let c = $f::from_bits(get(s, o.c) as $bits);
            let m = a $op1 b;
            let r: $f = fpair!(@order $side m c $op2);
            put::<M>(s, o.dst, r.to_bits() as u64);
            Ok(())
        }
    )*};
}

fpair! {
    f32_add_add_l F32AddAddL f32 u32: + + L;
    f32_add_add_r F32AddAddR f32 u32: + + R;
    f32_add_sub_l F32AddSubL f32 u32: + - L;
    f32_add_sub_r F32AddSubR f32 u32: + - R;
    f32_add_mul_l F32AddMulL f32 u32: + * L;
    f32_add_mul_r F32AddMulR f32 u32: + * R;
    f32_sub_add_l F32SubAddL f32 u32: - + L;
    f32_sub_add_r F32SubAddR f32 u32: - + R;
    f32_sub_sub_l F32SubSubL f32 u32: - - L;
    f32_sub_sub_r F32SubSubR f32 u32: - - R;
    f32_sub_mul_l F32SubMulL f32 u32: - * L;
    f32_sub_mul_r F32SubMulR f32 u32: - * R;
    f32_mul_add_l F32MulAddL f32 u32: * + L;
    f32_mul_add_r F32MulAddR f32 u32: * + R;
    f32_mul_sub_l F32MulSubL f32 u32: * - L;
    f32_mul_sub_r F32MulSubR f32 u32: * - R;
    f32_mul_mul_l F32MulMulL f32 u32: * * L;
    f32_mul_mul_r F32MulMulR f32 u32: * * R;
    f64_add_add_l F64AddAddL f64 u64: + + L;
    f64_add_add_r F64AddAddR f64 u64: + + R;
    f64_add_sub_l F64AddSubL f64 u64: + - L;
    f64_add_sub_r F64AddSubR f64 u64: + - R;
    f64_add_mul_l F64AddMulL f64 u64: + * L;
    f64_add_mul_r F64AddMulR f64 u64: + * R;
    f64_sub_add_l F64SubAddL f64 u64: - + L;
    f64_sub_add_r F64SubAddR f64 u64: - + R;
    f64_sub_sub_l F64SubSubL f64 u64: - - L;
    f64_sub_sub_r F64SubSubR f64 u64: - - R;
    f64_sub_mul_l F64SubMulL f64 u64: - * L;
    f64_sub_mul_r F64SubMulR f64 u64: - * R;
    f64_mul_add_l F64MulAddL f64 u64: * + L;
    f64_mul_add_r F64MulAddR f64 u64: * + R;
    f64_mul_sub_l F64MulSubL f64 u64: * - L;
    f64_mul_sub_r F64MulSubR f64 u64: * - R;
    f64_mul_mul_l F64MulMulL f64 u64: * * L;
    f64_mul_mul_r F64MulMulR f64 u64: * * R;
}

// ----- copies and selects -----

#[inline(always)]
pub unsafe fn copy<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::Copy) -> Res {
    put::<M>(s, o.dst, src::<M, X>(s, o.src));
    Ok(())
}

/// Source `k` of the list after the fixed part to `dst + k`, in order.
#[inline(always)]
pub unsafe fn copy_many(s: &mut St, _cx: &mut Cx, o: op::CopyMany) -> Res {
    let len = o.len as usize;
    for k in 0..len {
        // SAFETY: the translator emits `len` source registers right after
        // the fixed part, where `s.ip` points now; the verifier checked
        // them and `dst + k` against the frame.
        let src = std::ptr::read_unaligned(s.ip.add(k * 2) as *const u16);
        set(s, Reg(o.dst.0 + k as u16), get(s, Reg(src)));
    }
    s.ip = s.ip.add(len * 2);
    Ok(())
}

#[inline(always)]
pub unsafe fn copy_imm32<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::CopyImm32) -> Res {
    put::<M>(s, o.dst, o.imm as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn copy_imm64<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::CopyImm64) -> Res {
    put::<M>(s, o.dst, o.imm);
    Ok(())
}

#[inline(always)]
pub unsafe fn select(s: &mut St, _cx: &mut Cx, o: op::Select) -> Res {
    let v = if get(s, o.cond) as u32 != 0 {
        get(s, o.a)
    } else {
        get(s, o.b)
    };
    set(s, o.dst, v);
    Ok(())
}

#[inline(always)]
pub unsafe fn select64(s: &mut St, _cx: &mut Cx, o: op::Select64) -> Res {
    let v = if get(s, o.cond) != 0 {
        get(s, o.a)
    } else {
        get(s, o.b)
    };
    set(s, o.dst, v);
    Ok(())
}

macro_rules! select_cmp {
    ($($name:ident $T:ident $ty:ty: $op:tt;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let v = if (get(s, o.x) as $ty) $op (get(s, o.y) as $ty) { get(s, o.a) } else { get(s, o.b) };
            set(s, o.dst, v);
            Ok(())
        }
    )*};
}

select_cmp! {
    select_i32_eq SelectI32Eq u32: ==;
    select_i32_ne SelectI32Ne u32: !=;
    select_i32_lt_s SelectI32LtS i32: <;
    select_i32_lt_u SelectI32LtU u32: <;
    select_i32_gt_s SelectI32GtS i32: >;
    select_i32_gt_u SelectI32GtU u32: >;
    select_i32_le_s SelectI32LeS i32: <=;
    select_i32_le_u SelectI32LeU u32: <=;
    select_i32_ge_s SelectI32GeS i32: >=;
    select_i32_ge_u SelectI32GeU u32: >=;
    select_i64_eq SelectI64Eq u64: ==;
    select_i64_ne SelectI64Ne u64: !=;
    select_i64_lt_s SelectI64LtS i64: <;
    select_i64_lt_u SelectI64LtU u64: <;
    select_i64_gt_s SelectI64GtS i64: >;
    select_i64_gt_u SelectI64GtU u64: >;
    select_i64_le_s SelectI64LeS i64: <=;
    select_i64_le_u SelectI64LeU u64: <=;
    select_i64_ge_s SelectI64GeS i64: >=;
    select_i64_ge_u SelectI64GeU u64: >=;
}

// ----- globals -----

#[inline(always)]
pub unsafe fn global_get<const M: u8>(s: &mut St, cx: &mut Cx, o: op::GlobalGet) -> Res {
    // SAFETY: validation bounds `idx` by the module's globals, which the
    // instance maps one to one onto store globals; `enter_instance` set both
    // pointers for the current instance, and no global is created while
    // the dispatcher runs.
    let g = *cx.inst_globals.add(o.idx as usize);
    put::<M>(s, o.dst, (*cx.globals.add(g as usize)).value);
    Ok(())
}

#[inline(always)]
pub unsafe fn global_set<const M: u8>(s: &mut St, cx: &mut Cx, o: op::GlobalSet) -> Res {
    let v = src::<M, X>(s, o.src);
    // SAFETY: as for `global_get`.
    let g = *cx.inst_globals.add(o.idx as usize);
    (*cx.globals.add(g as usize)).value = v;
    Ok(())
}

// ----- memory -----

/// The effective address of an access of `N` bytes, or a trap.
#[inline(always)]
fn effective(s: &St, addr: u64, offset: u32, n: usize) -> Result<usize, Exit> {
    let ea = (addr as u32 as u64) + offset as u64;
    if ea + n as u64 > s.mem_len as u64 {
        return Err(Exit::Trap(TrapCode::MemoryOutOfBounds));
    }
    Ok(ea as usize)
}

macro_rules! load {
    ($($name:ident $idx:ident $T:ident $TI:ident $n:literal $raw:ty => |$v:ident| $conv:expr;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let ea = effective(s, src::<M, X>(s, o.addr), o.offset, $n)?;
            // SAFETY: `effective` checked `ea + N <= mem_len`, and `mem`
            // points to `mem_len` bytes of the current instance's memory.
            let $v = <$raw>::from_le(std::ptr::read_unaligned(s.mem.add(ea) as *const $raw));
            put::<M>(s, o.dst, $conv);
            Ok(())
        }

        /// The load with its address computed by a fused `i32.add`.
        #[inline(always)]
        pub unsafe fn $idx<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$TI) -> Res {
            let addr = (src::<M, X>(s, o.base) as u32).wrapping_add(src::<M, Y>(s, o.index) as u32);
            let ea = effective(s, addr as u64, o.offset, $n)?;
            // SAFETY: as for the plain load.
            let $v = <$raw>::from_le(std::ptr::read_unaligned(s.mem.add(ea) as *const $raw));
            put::<M>(s, o.dst, $conv);
            Ok(())
        }
    )*};
}

load! {
    i32_load i32_load_idx I32Load I32LoadIdx 4 u32 => |v| v as u64;
    i64_load i64_load_idx I64Load I64LoadIdx 8 u64 => |v| v;
    f32_load f32_load_idx F32Load F32LoadIdx 4 u32 => |v| v as u64;
    f64_load f64_load_idx F64Load F64LoadIdx 8 u64 => |v| v;
    i32_load8_s i32_load8_s_idx I32Load8S I32Load8SIdx 1 u8 => |v| v as i8 as i32 as u32 as u64;
    i32_load8_u i32_load8_u_idx I32Load8U I32Load8UIdx 1 u8 => |v| v as u64;
    i32_load16_s i32_load16_s_idx I32Load16S I32Load16SIdx 2 u16 => |v| v as i16 as i32 as u32 as u64;
    i32_load16_u i32_load16_u_idx I32Load16U I32Load16UIdx 2 u16 => |v| v as u64;
    i64_load8_s i64_load8_s_idx I64Load8S I64Load8SIdx 1 u8 => |v| v as i8 as i64 as u64;
    i64_load8_u i64_load8_u_idx I64Load8U I64Load8UIdx 1 u8 => |v| v as u64;
    i64_load16_s i64_load16_s_idx I64Load16S I64Load16SIdx 2 u16 => |v| v as i16 as i64 as u64;
    i64_load16_u i64_load16_u_idx I64Load16U I64Load16UIdx 2 u16 => |v| v as u64;
    i64_load32_s i64_load32_s_idx I64Load32S I64Load32SIdx 4 u32 => |v| v as i32 as i64 as u64;
    i64_load32_u i64_load32_u_idx I64Load32U I64Load32UIdx 4 u32 => |v| v as u64;
}

macro_rules! store {
    ($($name:ident $T:ident $n:literal $raw:ty;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let ea = effective(s, src::<M, X>(s, o.addr), o.offset, $n)?;
            let v = src::<M, Y>(s, o.val) as $raw;
            // SAFETY: bounds checked by `effective` as for loads.
            std::ptr::write_unaligned(s.mem.add(ea) as *mut $raw, v.to_le());
            Ok(())
        }
    )*};
}

store! {
    i32_store I32Store 4 u32;
    i64_store I64Store 8 u64;
    f32_store F32Store 4 u32;
    f64_store F64Store 8 u64;
    i32_store8 I32Store8 1 u8;
    i32_store16 I32Store16 2 u16;
    i64_store8 I64Store8 1 u8;
    i64_store16 I64Store16 2 u16;
    i64_store32 I64Store32 4 u32;
}

#[inline(always)]
pub unsafe fn memory_size(s: &mut St, _cx: &mut Cx, o: op::MemorySize) -> Res {
    set(s, o.dst, (s.mem_len / crate::memory::PAGE) as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn memory_grow(s: &mut St, cx: &mut Cx, o: op::MemoryGrow) -> Res {
    let delta = get(s, o.delta) as u32;
    let (store, inst) = (cx.store(), cx.inst);
    let m = store.instances[inst as usize].memories[0];
    let result = match store.memories[m as usize].grow(delta) {
        Some(old) => old as u64,
        None => u32::MAX as u64,
    };
    cx.enter_instance(s);
    set(s, o.dst, result);
    Ok(())
}

/// Checks `start + len <= size` without overflow.
#[inline(always)]
fn range(start: u64, len: u64, size: usize) -> Result<std::ops::Range<usize>, ()> {
    let end = start.checked_add(len).ok_or(())?;
    if end > size as u64 {
        return Err(());
    }
    Ok(start as usize..end as usize)
}

unsafe fn memory_mut<'a>(s: &St) -> &'a mut [u8] {
    if s.mem_len == 0 {
        return &mut [];
    }
    // SAFETY: `mem` points to `mem_len` initialized bytes owned by the
    // store's memory, which nothing else accesses during this handler.
    std::slice::from_raw_parts_mut(s.mem, s.mem_len)
}

#[inline(always)]
pub unsafe fn memory_fill(s: &mut St, _cx: &mut Cx, o: op::MemoryFill) -> Res {
    let r = range(
        get(s, o.addr) as u32 as u64,
        get(s, o.len) as u32 as u64,
        s.mem_len,
    )
    .map_err(|_| Exit::Trap(TrapCode::MemoryOutOfBounds))?;
    memory_mut(s)[r].fill(get(s, o.val) as u8);
    Ok(())
}

#[inline(always)]
pub unsafe fn memory_copy(s: &mut St, _cx: &mut Cx, o: op::MemoryCopy) -> Res {
    let len = get(s, o.len) as u32 as u64;
    let oob = |_| Exit::Trap(TrapCode::MemoryOutOfBounds);
    let src = range(get(s, o.src_addr) as u32 as u64, len, s.mem_len).map_err(oob)?;
    let dst = range(get(s, o.dst_addr) as u32 as u64, len, s.mem_len).map_err(oob)?;
    memory_mut(s).copy_within(src, dst.start);
    Ok(())
}

#[inline(always)]
pub unsafe fn memory_init(s: &mut St, cx: &mut Cx, o: op::MemoryInit) -> Res {
    let store = cx.store();
    let seg = &store.instances[cx.inst as usize].datas[o.seg as usize];
    let len = get(s, o.len) as u32 as u64;
    let oob = |_| Exit::Trap(TrapCode::MemoryOutOfBounds);
    let src = range(get(s, o.src_off) as u32 as u64, len, seg.len()).map_err(oob)?;
    let dst = range(get(s, o.dst_addr) as u32 as u64, len, s.mem_len).map_err(oob)?;
    memory_mut(s)[dst].copy_from_slice(&seg[src]);
    Ok(())
}

#[inline(always)]
pub unsafe fn data_drop(_s: &mut St, cx: &mut Cx, o: op::DataDrop) -> Res {
    let inst = cx.inst as usize;
    cx.store().instances[inst].datas[o.seg as usize] = Default::default();
    Ok(())
}

// ----- tables -----

fn table_oob<T>(_: T) -> Exit {
    Exit::Trap(TrapCode::TableOutOfBounds)
}

#[inline(always)]
pub unsafe fn table_get(s: &mut St, cx: &mut Cx, o: op::TableGet) -> Res {
    let store = cx.store();
    let t = store.instances[cx.inst as usize].tables[o.table as usize];
    let i = get(s, o.index) as u32 as usize;
    let v = *store.tables[t as usize].elems.get(i).ok_or(table_oob(()))?;
    set(s, o.dst, v);
    Ok(())
}

#[inline(always)]
pub unsafe fn table_set(s: &mut St, cx: &mut Cx, o: op::TableSet) -> Res {
    let (i, v) = (get(s, o.index) as u32 as usize, get(s, o.val));
    let store = cx.store();
    let t = store.instances[cx.inst as usize].tables[o.table as usize];
    *store.tables[t as usize]
        .elems
        .get_mut(i)
        .ok_or(table_oob(()))? = v;
    Ok(())
}

#[inline(always)]
pub unsafe fn table_size(s: &mut St, cx: &mut Cx, o: op::TableSize) -> Res {
    let store = cx.store();
    let t = store.instances[cx.inst as usize].tables[o.table as usize];
    set(s, o.dst, store.tables[t as usize].elems.len() as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn table_grow(s: &mut St, cx: &mut Cx, o: op::TableGrow) -> Res {
    let (init, delta) = (get(s, o.init), get(s, o.delta) as u32);
    let store = cx.store();
    let t = store.instances[cx.inst as usize].tables[o.table as usize];
    let r = match store.tables[t as usize].grow(delta, init) {
        Some(old) => old as u64,
        None => u32::MAX as u64,
    };
    set(s, o.dst, r);
    Ok(())
}

#[inline(always)]
pub unsafe fn table_fill(s: &mut St, cx: &mut Cx, o: op::TableFill) -> Res {
    let (start, val, len) = (
        get(s, o.start) as u32 as u64,
        get(s, o.val),
        get(s, o.len) as u32 as u64,
    );
    let store = cx.store();
    let t = store.instances[cx.inst as usize].tables[o.table as usize];
    let elems = &mut store.tables[t as usize].elems;
    let r = range(start, len, elems.len()).map_err(table_oob)?;
    elems[r].fill(val);
    Ok(())
}

#[inline(always)]
pub unsafe fn table_copy(s: &mut St, cx: &mut Cx, o: op::TableCopy) -> Res {
    let (d, sr, len) = (
        get(s, o.dst_index) as u32 as u64,
        get(s, o.src_index) as u32 as u64,
        get(s, o.len) as u32 as u64,
    );
    let store = cx.store();
    let inst = &store.instances[cx.inst as usize];
    let (dt, st) = (
        inst.tables[o.dst_table as usize] as usize,
        inst.tables[o.src_table as usize] as usize,
    );
    let src = range(sr, len, store.tables[st].elems.len()).map_err(table_oob)?;
    let dst = range(d, len, store.tables[dt].elems.len()).map_err(table_oob)?;
    if dt == st {
        store.tables[dt].elems.copy_within(src, dst.start);
    } else {
        let (a, b) = if dt < st {
            let (lo, hi) = store.tables.split_at_mut(st);
            (&mut lo[dt], &hi[0])
        } else {
            let (lo, hi) = store.tables.split_at_mut(dt);
            (&mut hi[0], &lo[st])
        };
        a.elems[dst].copy_from_slice(&b.elems[src]);
    }
    Ok(())
}

#[inline(always)]
pub unsafe fn table_init(s: &mut St, cx: &mut Cx, o: op::TableInit) -> Res {
    let (d, sr, len) = (
        get(s, o.dst_index) as u32 as u64,
        get(s, o.src_off) as u32 as u64,
        get(s, o.len) as u32 as u64,
    );
    let store = cx.store();
    let inst = &store.instances[cx.inst as usize];
    let t = inst.tables[o.table as usize] as usize;
    let seg = &inst.elems[o.seg as usize];
    let src = range(sr, len, seg.len()).map_err(table_oob)?;
    let dst = range(d, len, store.tables[t].elems.len()).map_err(table_oob)?;
    let items: &[u64] = &seg[src];
    // Segments and tables are distinct allocations.
    let items = items.to_vec();
    store.tables[t].elems[dst].copy_from_slice(&items);
    Ok(())
}

#[inline(always)]
pub unsafe fn elem_drop(_s: &mut St, cx: &mut Cx, o: op::ElemDrop) -> Res {
    let inst = cx.inst as usize;
    cx.store().instances[inst].elems[o.seg as usize] = Default::default();
    Ok(())
}

#[inline(always)]
pub unsafe fn ref_func(s: &mut St, cx: &mut Cx, o: op::RefFunc) -> Res {
    // SAFETY: `o.func` is a validated function index of the module.
    let f = cx.inst_func(o.func);
    set(s, o.dst, f as u64 + 1);
    Ok(())
}

// ----- numeric -----

/// Integer pairs (see the op list): the inner result stays in a machine
/// register.
#[inline(always)]
pub unsafe fn i32_add_shl_imm<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::I32AddShlImm) -> Res {
    let a = src::<M, X>(s, o.a) as u32;
    let b = src::<M, Y>(s, o.b) as u32;
    put::<M>(s, o.dst, a.wrapping_add(b.wrapping_shl(o.c as u32)) as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn i32_shr_u_and_imm<const M: u8>(
    s: &mut St,
    _cx: &mut Cx,
    o: op::I32ShrUAndImm,
) -> Res {
    let a = src::<M, X>(s, o.a) as u32;
    put::<M>(s, o.dst, (a.wrapping_shr(o.b as u32) & o.c as u32) as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn i32_add_add_imm<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::I32AddAddImm) -> Res {
    let a = src::<M, X>(s, o.a) as u32;
    let b = src::<M, Y>(s, o.b) as u32;
    put::<M>(s, o.dst, a.wrapping_add(b).wrapping_add(o.c as u32) as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn i32_xor_rotl_imm<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::I32XorRotlImm) -> Res {
    let a = src::<M, X>(s, o.a) as u32;
    let b = src::<M, Y>(s, o.b) as u32;
    put::<M>(s, o.dst, (a ^ b).rotate_left(o.c as u32 % 32) as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn i64_xor_rotl_imm<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::I64XorRotlImm) -> Res {
    let a = src::<M, X>(s, o.a);
    let b = src::<M, Y>(s, o.b);
    put::<M>(s, o.dst, (a ^ b).rotate_left(o.c as u32 % 64));
    Ok(())
}

#[inline(always)]
pub unsafe fn i32_add_imm2(s: &mut St, _cx: &mut Cx, o: op::I32AddImm2) -> Res {
    let a = get(s, o.a) as u32;
    let a2 = get(s, o.a2) as u32;
    set(s, o.dst, a.wrapping_add(o.b as u32) as u64);
    set(s, o.dst2, a2.wrapping_add(o.b2 as u32) as u64);
    Ok(())
}

#[inline(always)]
pub unsafe fn i32_mul_add<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::I32MulAdd) -> Res {
    let a = src::<M, X>(s, o.a) as u32;
    let b = src::<M, Y>(s, o.b) as u32;
    let c = get(s, o.c) as u32;
    put::<M>(s, o.dst, a.wrapping_mul(b).wrapping_add(c) as u64);
    Ok(())
}

macro_rules! unop {
    ($($name:ident $T:ident |$v:ident: $ty:ty| $e:expr;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let $v = src::<M, X>(s, o.src) as $ty;
            put::<M>(s, o.dst, $e);
            Ok(())
        }
    )*};
}

macro_rules! binop {
    ($($name:ident $T:ident |$a:ident, $b:ident: $ty:ty| $e:expr;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let $a = src::<M, X>(s, o.a) as $ty;
            let $b = src::<M, Y>(s, o.b) as $ty;
            put::<M>(s, o.dst, $e);
            Ok(())
        }
    )*};
}

/// Integer binary operators with a register and an immediate form; `$e`
/// evaluates to `Result<u64, TrapCode>`.
macro_rules! intop {
    ($($name:ident $imm:ident $T:ident $TI:ident |$a:ident, $b:ident: $ty:ty| $e:expr;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let $a = src::<M, X>(s, o.a) as $ty;
            let $b = src::<M, Y>(s, o.b) as $ty;
            put::<M>(s, o.dst, $e.map_err(Exit::Trap)?);
            Ok(())
        }
        #[inline(always)]
        pub unsafe fn $imm<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$TI) -> Res {
            let $a = src::<M, X>(s, o.a) as $ty;
            let $b = o.b as i64 as $ty;
            put::<M>(s, o.dst, $e.map_err(Exit::Trap)?);
            Ok(())
        }
    )*};
}

fn bit(v: bool) -> u64 {
    v as u64
}
fn w32(v: u32) -> Result<u64, TrapCode> {
    Ok(v as u64)
}
fn w64(v: u64) -> Result<u64, TrapCode> {
    Ok(v)
}

fn div_s32(a: i32, b: i32) -> Result<u64, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    a.checked_div(b)
        .map(|v| v as u32 as u64)
        .ok_or(TrapCode::IntegerOverflow)
}
fn div_u32(a: u32, b: u32) -> Result<u64, TrapCode> {
    a.checked_div(b)
        .map(|v| v as u64)
        .ok_or(TrapCode::IntegerDivideByZero)
}
fn rem_s32(a: i32, b: i32) -> Result<u64, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    Ok(a.wrapping_rem(b) as u32 as u64)
}
fn rem_u32(a: u32, b: u32) -> Result<u64, TrapCode> {
    a.checked_rem(b)
        .map(|v| v as u64)
        .ok_or(TrapCode::IntegerDivideByZero)
}
fn div_s64(a: i64, b: i64) -> Result<u64, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    a.checked_div(b)
        .map(|v| v as u64)
        .ok_or(TrapCode::IntegerOverflow)
}
fn div_u64(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero)
}
fn rem_s64(a: i64, b: i64) -> Result<u64, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    Ok(a.wrapping_rem(b) as u64)
}
fn rem_u64(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero)
}

intop! {
    i32_add i32_add_imm I32Add I32AddImm |a, b: u32| w32(a.wrapping_add(b));
    i32_sub i32_sub_imm I32Sub I32SubImm |a, b: u32| w32(a.wrapping_sub(b));
    i32_mul i32_mul_imm I32Mul I32MulImm |a, b: u32| w32(a.wrapping_mul(b));
    i32_div_s i32_div_s_imm I32DivS I32DivSImm |a, b: i32| div_s32(a, b);
    i32_div_u i32_div_u_imm I32DivU I32DivUImm |a, b: u32| div_u32(a, b);
    i32_rem_s i32_rem_s_imm I32RemS I32RemSImm |a, b: i32| rem_s32(a, b);
    i32_rem_u i32_rem_u_imm I32RemU I32RemUImm |a, b: u32| rem_u32(a, b);
    i32_and i32_and_imm I32And I32AndImm |a, b: u32| w32(a & b);
    i32_or i32_or_imm I32Or I32OrImm |a, b: u32| w32(a | b);
    i32_xor i32_xor_imm I32Xor I32XorImm |a, b: u32| w32(a ^ b);
    i32_shl i32_shl_imm I32Shl I32ShlImm |a, b: u32| w32(a.wrapping_shl(b));
    i32_shr_s i32_shr_s_imm I32ShrS I32ShrSImm |a, b: i32| w32(a.wrapping_shr(b as u32) as u32);
    i32_shr_u i32_shr_u_imm I32ShrU I32ShrUImm |a, b: u32| w32(a.wrapping_shr(b));
    i32_rotl i32_rotl_imm I32Rotl I32RotlImm |a, b: u32| w32(a.rotate_left(b % 32));
    i32_rotr i32_rotr_imm I32Rotr I32RotrImm |a, b: u32| w32(a.rotate_right(b % 32));
    i64_add i64_add_imm I64Add I64AddImm |a, b: u64| w64(a.wrapping_add(b));
    i64_sub i64_sub_imm I64Sub I64SubImm |a, b: u64| w64(a.wrapping_sub(b));
    i64_mul i64_mul_imm I64Mul I64MulImm |a, b: u64| w64(a.wrapping_mul(b));
    i64_div_s i64_div_s_imm I64DivS I64DivSImm |a, b: i64| div_s64(a, b);
    i64_div_u i64_div_u_imm I64DivU I64DivUImm |a, b: u64| div_u64(a, b);
    i64_rem_s i64_rem_s_imm I64RemS I64RemSImm |a, b: i64| rem_s64(a, b);
    i64_rem_u i64_rem_u_imm I64RemU I64RemUImm |a, b: u64| rem_u64(a, b);
    i64_and i64_and_imm I64And I64AndImm |a, b: u64| w64(a & b);
    i64_or i64_or_imm I64Or I64OrImm |a, b: u64| w64(a | b);
    i64_xor i64_xor_imm I64Xor I64XorImm |a, b: u64| w64(a ^ b);
    i64_shl i64_shl_imm I64Shl I64ShlImm |a, b: u64| w64(a.wrapping_shl(b as u32));
    i64_shr_s i64_shr_s_imm I64ShrS I64ShrSImm |a, b: i64| w64(a.wrapping_shr(b as u32) as u64);
    i64_shr_u i64_shr_u_imm I64ShrU I64ShrUImm |a, b: u64| w64(a.wrapping_shr(b as u32));
    i64_rotl i64_rotl_imm I64Rotl I64RotlImm |a, b: u64| w64(a.rotate_left((b % 64) as u32));
    i64_rotr i64_rotr_imm I64Rotr I64RotrImm |a, b: u64| w64(a.rotate_right((b % 64) as u32));
}

intop! {
    i32_eq i32_eq_imm I32Eq I32EqImm |a, b: u32| w64(bit(a == b));
    i32_ne i32_ne_imm I32Ne I32NeImm |a, b: u32| w64(bit(a != b));
    i32_lt_s i32_lt_s_imm I32LtS I32LtSImm |a, b: i32| w64(bit(a < b));
    i32_lt_u i32_lt_u_imm I32LtU I32LtUImm |a, b: u32| w64(bit(a < b));
    i32_gt_s i32_gt_s_imm I32GtS I32GtSImm |a, b: i32| w64(bit(a > b));
    i32_gt_u i32_gt_u_imm I32GtU I32GtUImm |a, b: u32| w64(bit(a > b));
    i32_le_s i32_le_s_imm I32LeS I32LeSImm |a, b: i32| w64(bit(a <= b));
    i32_le_u i32_le_u_imm I32LeU I32LeUImm |a, b: u32| w64(bit(a <= b));
    i32_ge_s i32_ge_s_imm I32GeS I32GeSImm |a, b: i32| w64(bit(a >= b));
    i32_ge_u i32_ge_u_imm I32GeU I32GeUImm |a, b: u32| w64(bit(a >= b));
    i64_eq i64_eq_imm I64Eq I64EqImm |a, b: u64| w64(bit(a == b));
    i64_ne i64_ne_imm I64Ne I64NeImm |a, b: u64| w64(bit(a != b));
    i64_lt_s i64_lt_s_imm I64LtS I64LtSImm |a, b: i64| w64(bit(a < b));
    i64_lt_u i64_lt_u_imm I64LtU I64LtUImm |a, b: u64| w64(bit(a < b));
    i64_gt_s i64_gt_s_imm I64GtS I64GtSImm |a, b: i64| w64(bit(a > b));
    i64_gt_u i64_gt_u_imm I64GtU I64GtUImm |a, b: u64| w64(bit(a > b));
    i64_le_s i64_le_s_imm I64LeS I64LeSImm |a, b: i64| w64(bit(a <= b));
    i64_le_u i64_le_u_imm I64LeU I64LeUImm |a, b: u64| w64(bit(a <= b));
    i64_ge_s i64_ge_s_imm I64GeS I64GeSImm |a, b: i64| w64(bit(a >= b));
    i64_ge_u i64_ge_u_imm I64GeU I64GeUImm |a, b: u64| w64(bit(a >= b));
}

fn f32_of(bits: u32) -> f32 {
    f32::from_bits(bits)
}
fn f64_of(bits: u64) -> f64 {
    f64::from_bits(bits)
}
fn fb32(v: f32) -> u64 {
    v.to_bits() as u64
}
fn fb64(v: f64) -> u64 {
    v.to_bits()
}

/// Rounding passes a signalling NaN through unchanged on some targets;
/// Wasm requires the quiet (arithmetic) NaN.
fn quiet32(v: f32) -> f32 {
    if v.is_nan() {
        f32::from_bits(v.to_bits() | 0x0040_0000)
    } else {
        v
    }
}
fn quiet64(v: f64) -> f64 {
    if v.is_nan() {
        f64::from_bits(v.to_bits() | 0x0008_0000_0000_0000)
    } else {
        v
    }
}

/// Wasm `min`: NaN if either is NaN, and -0 below +0.
fn fmin32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f32::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}
fn fmax32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f32::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}
fn fmin64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}
fn fmax64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}

binop! {
    f32_eq F32Eq |a, b: u32| bit(f32_of(a) == f32_of(b));
    f32_ne F32Ne |a, b: u32| bit(f32_of(a) != f32_of(b));
    f32_lt F32Lt |a, b: u32| bit(f32_of(a) < f32_of(b));
    f32_gt F32Gt |a, b: u32| bit(f32_of(a) > f32_of(b));
    f32_le F32Le |a, b: u32| bit(f32_of(a) <= f32_of(b));
    f32_ge F32Ge |a, b: u32| bit(f32_of(a) >= f32_of(b));
    f64_eq F64Eq |a, b: u64| bit(f64_of(a) == f64_of(b));
    f64_ne F64Ne |a, b: u64| bit(f64_of(a) != f64_of(b));
    f64_lt F64Lt |a, b: u64| bit(f64_of(a) < f64_of(b));
    f64_gt F64Gt |a, b: u64| bit(f64_of(a) > f64_of(b));
    f64_le F64Le |a, b: u64| bit(f64_of(a) <= f64_of(b));
    f64_ge F64Ge |a, b: u64| bit(f64_of(a) >= f64_of(b));
    f32_add F32Add |a, b: u32| fb32(f32_of(a) + f32_of(b));
    f32_sub F32Sub |a, b: u32| fb32(f32_of(a) - f32_of(b));
    f32_mul F32Mul |a, b: u32| fb32(f32_of(a) * f32_of(b));
    f32_div F32Div |a, b: u32| fb32(f32_of(a) / f32_of(b));
    f32_min F32Min |a, b: u32| fb32(fmin32(f32_of(a), f32_of(b)));
    f32_max F32Max |a, b: u32| fb32(fmax32(f32_of(a), f32_of(b)));
    f32_copysign F32Copysign |a, b: u32| ((a & 0x7fff_ffff) | (b & 0x8000_0000)) as u64;
    f64_add F64Add |a, b: u64| fb64(f64_of(a) + f64_of(b));
    f64_sub F64Sub |a, b: u64| fb64(f64_of(a) - f64_of(b));
    f64_mul F64Mul |a, b: u64| fb64(f64_of(a) * f64_of(b));
    f64_div F64Div |a, b: u64| fb64(f64_of(a) / f64_of(b));
    f64_min F64Min |a, b: u64| fb64(fmin64(f64_of(a), f64_of(b)));
    f64_max F64Max |a, b: u64| fb64(fmax64(f64_of(a), f64_of(b)));
    f64_copysign F64Copysign |a, b: u64| (a & !(1 << 63)) | (b & (1 << 63));
}

/// Truncation with the spec's traps: NaN is an invalid conversion, a value
/// outside `(lo, hi)` (exclusive bounds) overflows.
macro_rules! trunc {
    ($($name:ident $T:ident $fty:ty => $ity:ty, $lo:expr, $hi:expr;)*) => {$(
        #[inline(always)]
        pub unsafe fn $name<const M: u8>(s: &mut St, _cx: &mut Cx, o: op::$T) -> Res {
            let bits = src::<M, X>(s, o.src);
            let v = <$fty>::from_bits(bits as _);
            if v.is_nan() {
                return fault(TrapCode::InvalidConversionToInteger);
            }
            if !(v > $lo && v < $hi) {
                return fault(TrapCode::IntegerOverflow);
            }
            put::<M>(s, o.dst, (v as $ity) as u64 & mask_of::<$ity>());
            Ok(())
        }
    )*};
}

const fn mask_of<T>() -> u64 {
    if std::mem::size_of::<T>() == 4 {
        0xffff_ffff
    } else {
        u64::MAX
    }
}

trunc! {
    i32_trunc_f32_s I32TruncF32S f32 => i32, -2147483904.0f32, 2147483648.0f32;
    i32_trunc_f32_u I32TruncF32U f32 => u32, -1.0f32, 4294967296.0f32;
    i32_trunc_f64_s I32TruncF64S f64 => i32, -2147483649.0f64, 2147483648.0f64;
    i32_trunc_f64_u I32TruncF64U f64 => u32, -1.0f64, 4294967296.0f64;
    i64_trunc_f32_s I64TruncF32S f32 => i64, -9223373136366403584.0f32, 9223372036854775808.0f32;
    i64_trunc_f32_u I64TruncF32U f32 => u64, -1.0f32, 18446744073709551616.0f32;
    i64_trunc_f64_s I64TruncF64S f64 => i64, -9223372036854777856.0f64, 9223372036854775808.0f64;
    i64_trunc_f64_u I64TruncF64U f64 => u64, -1.0f64, 18446744073709551616.0f64;
}

unop! {
    i32_eqz I32Eqz |v: u32| bit(v == 0);
    i64_eqz I64Eqz |v: u64| bit(v == 0);
    i32_clz I32Clz |v: u32| v.leading_zeros() as u64;
    i32_ctz I32Ctz |v: u32| v.trailing_zeros() as u64;
    i32_popcnt I32Popcnt |v: u32| v.count_ones() as u64;
    i32_extend8_s I32Extend8S |v: u32| v as i8 as i32 as u32 as u64;
    i32_extend16_s I32Extend16S |v: u32| v as i16 as i32 as u32 as u64;
    i64_clz I64Clz |v: u64| v.leading_zeros() as u64;
    i64_ctz I64Ctz |v: u64| v.trailing_zeros() as u64;
    i64_popcnt I64Popcnt |v: u64| v.count_ones() as u64;
    i64_extend8_s I64Extend8S |v: u64| v as i8 as i64 as u64;
    i64_extend16_s I64Extend16S |v: u64| v as i16 as i64 as u64;
    i64_extend32_s I64Extend32S |v: u64| v as i32 as i64 as u64;
    f32_abs F32Abs |v: u32| (v & 0x7fff_ffff) as u64;
    f32_neg F32Neg |v: u32| (v ^ 0x8000_0000) as u64;
    f32_ceil F32Ceil |v: u32| fb32(quiet32(f32_of(v).ceil()));
    f32_floor F32Floor |v: u32| fb32(quiet32(f32_of(v).floor()));
    f32_trunc F32Trunc |v: u32| fb32(quiet32(f32_of(v).trunc()));
    f32_nearest F32Nearest |v: u32| fb32(quiet32(f32_of(v).round_ties_even()));
    f32_sqrt F32Sqrt |v: u32| fb32(f32_of(v).sqrt());
    f64_abs F64Abs |v: u64| v & !(1 << 63);
    f64_neg F64Neg |v: u64| v ^ (1 << 63);
    f64_ceil F64Ceil |v: u64| fb64(quiet64(f64_of(v).ceil()));
    f64_floor F64Floor |v: u64| fb64(quiet64(f64_of(v).floor()));
    f64_trunc F64Trunc |v: u64| fb64(quiet64(f64_of(v).trunc()));
    f64_nearest F64Nearest |v: u64| fb64(quiet64(f64_of(v).round_ties_even()));
    f64_sqrt F64Sqrt |v: u64| fb64(f64_of(v).sqrt());
    i32_wrap_i64 I32WrapI64 |v: u64| v as u32 as u64;
    i64_extend_i32_s I64ExtendI32S |v: u32| v as i32 as i64 as u64;
    i32_trunc_sat_f32_s I32TruncSatF32S |v: u32| f32_of(v) as i32 as u32 as u64;
    i32_trunc_sat_f32_u I32TruncSatF32U |v: u32| f32_of(v) as u32 as u64;
    i32_trunc_sat_f64_s I32TruncSatF64S |v: u64| f64_of(v) as i32 as u32 as u64;
    i32_trunc_sat_f64_u I32TruncSatF64U |v: u64| f64_of(v) as u32 as u64;
    i64_trunc_sat_f32_s I64TruncSatF32S |v: u32| f32_of(v) as i64 as u64;
    i64_trunc_sat_f32_u I64TruncSatF32U |v: u32| f32_of(v) as u64;
    i64_trunc_sat_f64_s I64TruncSatF64S |v: u64| f64_of(v) as i64 as u64;
    i64_trunc_sat_f64_u I64TruncSatF64U |v: u64| f64_of(v) as u64;
    f32_convert_i32_s F32ConvertI32S |v: u32| fb32(v as i32 as f32);
    f32_convert_i32_u F32ConvertI32U |v: u32| fb32(v as f32);
    f32_convert_i64_s F32ConvertI64S |v: u64| fb32(v as i64 as f32);
    f32_convert_i64_u F32ConvertI64U |v: u64| fb32(v as f32);
    f64_convert_i32_s F64ConvertI32S |v: u32| fb64(v as i32 as f64);
    f64_convert_i32_u F64ConvertI32U |v: u32| fb64(v as f64);
    f64_convert_i64_s F64ConvertI64S |v: u64| fb64(v as i64 as f64);
    f64_convert_i64_u F64ConvertI64U |v: u64| fb64(v as f64);
    f32_demote_f64 F32DemoteF64 |v: u64| fb32(f64_of(v) as f32);
    f64_promote_f32 F64PromoteF32 |v: u32| fb64(f32_of(v) as f64);
}
