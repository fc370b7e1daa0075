//! Integer pairs: an instruction whose result goes through the accumulator
//! into the very next one, where the two together are one instruction of
//! the op list. The pairs are the most executed integer pairs of CoreMark
//! and of the rust and sightglass benchmarks (benches/FINDINGS.md), and the
//! mixing steps of hashes and ciphers (blake3, chacha, keccak).

use regwasm_ir::{op, Instr, Reg};

/// `prev` writes the accumulator and `next` reads it once (see
/// `Emitter::through_acc`): the fused instruction, when the pair is one,
/// with every other operand of both kept. `None` when it is not, or when
/// the fused form cannot hold where the operands live.
pub(super) fn fuse(prev: &Instr, next: &Instr) -> Option<Instr> {
    // The other operand of a commutative `next`, the one that is not `acc`.
    let other = |a: Reg, b: Reg| if a.is_acc() { b } else { a };
    let fused: Instr = match (*prev, *next) {
        (Instr::I32ShlImm(p), Instr::I32Add(n)) => op::I32AddShlImm {
            dst: n.dst,
            a: other(n.a, n.b),
            b: p.a,
            c: p.b,
        }
        .into(),
        (Instr::I32ShrUImm(p), Instr::I32AndImm(n)) => op::I32ShrUAndImm {
            dst: n.dst,
            a: p.a,
            b: p.b,
            c: n.b,
        }
        .into(),
        (Instr::I32Add(p), Instr::I32AddImm(n)) => op::I32AddAddImm {
            dst: n.dst,
            a: p.a,
            b: p.b,
            c: n.b,
        }
        .into(),
        (Instr::I32Mul(p), Instr::I32Add(n)) => op::I32MulAdd {
            dst: n.dst,
            a: p.a,
            b: p.b,
            c: other(n.a, n.b),
        }
        .into(),
        (Instr::I32Xor(p), Instr::I32RotlImm(n)) => op::I32XorRotlImm {
            dst: n.dst,
            a: p.a,
            b: p.b,
            c: n.b,
        }
        .into(),
        (Instr::I32Xor(p), Instr::I32RotrImm(n)) => op::I32XorRotlImm {
            dst: n.dst,
            a: p.a,
            b: p.b,
            c: rotl_for_rotr(n.b, 32),
        }
        .into(),
        (Instr::I64Xor(p), Instr::I64RotlImm(n)) => op::I64XorRotlImm {
            dst: n.dst,
            a: p.a,
            b: p.b,
            c: n.b,
        }
        .into(),
        (Instr::I64Xor(p), Instr::I64RotrImm(n)) => op::I64XorRotlImm {
            dst: n.dst,
            a: p.a,
            b: p.b,
            c: rotl_for_rotr(n.b, 64),
        }
        .into(),
        _ => return None,
    };
    // `prev` may itself read the accumulator (the end of a longer chain):
    // the fused form must allow it in the role it now has.
    fused.acc_allowed().then_some(fused)
}

/// The left rotation equal to a right rotation by `k` of a `bits`-wide
/// value (Wasm takes the count modulo the width).
fn rotl_for_rotr(k: i32, bits: u32) -> i32 {
    ((bits - k as u32 % bits) % bits) as i32
}
