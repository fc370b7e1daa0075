//! Operand kinds that instructions carry inline, and their byte encoding.
//!
//! All operands are little-endian and unaligned; an instruction is a `u16`
//! opcode followed by its operands in declaration order (see [`crate::op`]).

use std::fmt;

/// A register: a 64-bit slot of the current frame, addressed relative to the
/// frame pointer. Parameters come first, then locals, then temporaries.
/// A future `v128` value takes two consecutive registers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(transparent)]
pub struct Reg(pub u16);

impl Reg {
    /// The accumulator: not a frame slot but a machine register of the
    /// dispatcher, written by one instruction and read by the next (see
    /// [`crate::acc`]). No frame reaches this index: frames are smaller than
    /// `u16::MAX` registers.
    pub const ACC: Reg = Reg(u16::MAX);

    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub fn is_acc(self) -> bool {
        self == Reg::ACC
    }
}

impl fmt::Debug for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_acc() {
            return write!(f, "acc");
        }
        write!(f, "r{}", self.0)
    }
}

/// A branch offset in bytes, relative to the end of the branching
/// instruction's fixed part (for `br_table`, to the start of its target list).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(transparent)]
pub struct BrOff(pub i32);

/// An encoded operand.
pub trait Operand: Copy {
    const SIZE: usize;
    fn write(self, out: &mut Vec<u8>);
    /// Reads from the start of `bytes`; `None` if too short.
    fn read(bytes: &[u8]) -> Option<Self>;
    fn show(self, out: &mut String);
    fn as_reg(self) -> Option<Reg> {
        None
    }
    /// Replaces the register, for operands that are one.
    fn set_reg(&mut self, _r: Reg) {}
    fn as_br_off(self) -> Option<BrOff> {
        None
    }
}

macro_rules! int_operand {
    ($($ty:ty),*) => {$(
        impl Operand for $ty {
            const SIZE: usize = std::mem::size_of::<$ty>();
            fn write(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read(bytes: &[u8]) -> Option<Self> {
                Some(<$ty>::from_le_bytes(bytes.get(..Self::SIZE)?.try_into().ok()?))
            }
            fn show(self, out: &mut String) {
                out.push_str(&self.to_string());
            }
        }
    )*};
}
int_operand!(u16, u32, i32, u64);

impl Operand for Reg {
    const SIZE: usize = 2;
    fn write(self, out: &mut Vec<u8>) {
        self.0.write(out)
    }
    fn read(bytes: &[u8]) -> Option<Self> {
        u16::read(bytes).map(Reg)
    }
    fn show(self, out: &mut String) {
        if self.is_acc() {
            out.push_str("acc");
            return;
        }
        out.push('r');
        out.push_str(&self.0.to_string());
    }
    fn as_reg(self) -> Option<Reg> {
        Some(self)
    }
    fn set_reg(&mut self, r: Reg) {
        *self = r;
    }
}

impl Operand for BrOff {
    const SIZE: usize = 4;
    fn write(self, out: &mut Vec<u8>) {
        self.0.write(out)
    }
    fn read(bytes: &[u8]) -> Option<Self> {
        i32::read(bytes).map(BrOff)
    }
    fn show(self, out: &mut String) {
        out.push_str(&format!("{:+}", self.0));
    }
    fn as_br_off(self) -> Option<BrOff> {
        Some(self)
    }
}
