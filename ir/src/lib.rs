//! regwasm's register bytecode.
//!
//! A function body is a byte string of instructions, each a little-endian
//! `u16` opcode followed by its operands (see [`operand`]). Every instruction
//! is declared once, in [`for_each_instr!`]; the opcode list, the operand
//! structs in [`op`], the encoder/decoder ([`Instr`]), the disassembler and the
//! VM's handler tables all derive from that list.

mod body;
pub mod check;
mod disasm;
pub mod flow;
mod instrs;
pub mod notes;
pub mod operand;
mod verify;

pub use body::{FuncBody, SourceMap};
pub use check::{check, CheckError, CheckStats};
pub use disasm::disassemble;
pub use notes::{BindPoint, CheckNotes, Edge, Fact, Sym};
pub use operand::{BrOff, Operand, Reg};
pub use verify::{verify, CallArity, VerifyError};

/// How an instruction uses one of its register operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Accumulator modes and what the `[shape]` of an instruction's row allows.
///
/// An instruction's encoded `u16` is `opcode * 8 + mode`. The mode says which
/// of its register roles is the accumulator ([`Reg::ACC`]) instead of a
/// frame slot: `DST` (the field named `dst`), `X` (the first register read,
/// in field order) or `Y` (the second). The row's shape lists the roles it
/// has: `dxy`, `dx`, `d`, `xy` or `x`; a mode may combine `DST` with one source
/// (an accumulating chain `acc = acc op b`), never both sources.
pub mod acc {
    pub const DST: u8 = 1;
    pub const X: u8 = 2;
    pub const Y: u8 = 4;
    /// Modes per instruction.
    pub const MODES: usize = 8;
    /// Not a mode: a read of the accumulator in no role.
    pub(crate) const BAD: u8 = 0x80;
}

/// The set of modes (bit `m` for mode `m`) a row's shape allows.
macro_rules! acc_modes {
    () => {
        1u8
    };
    (dxy) => {
        0b0011_1111u8
    };
    (dx) => {
        0b0000_1111u8
    };
    (d) => {
        0b0000_0011u8
    };
    (xy) => {
        0b0001_0101u8
    };
    (x) => {
        0b0000_0101u8
    };
}

macro_rules! define_ir {
    ($( $name:ident = $snake:ident $([$acc:ident])? { $($field:ident : $ty:ty),* } )*) => {
        /// Every instruction's opcode; the discriminant is the encoded `u16`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Opcode { $($name),* }

        impl Opcode {
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name),*];
            pub const COUNT: usize = Self::ALL.len();

            pub fn from_u16(v: u16) -> Option<Opcode> {
                Self::ALL.get(v as usize).copied()
            }

            /// The mnemonic used by the disassembler.
            pub fn name(self) -> &'static str {
                match self { $(Opcode::$name => stringify!($snake)),* }
            }

            /// Size in bytes of the fixed part (opcode and operands).
            pub fn size(self) -> usize {
                match self { $(Opcode::$name => op::$name::SIZE),* }
            }

            /// The accumulator modes the row's shape allows, bit `m` for
            /// mode `m` (only mode 0 for rows without a shape).
            pub fn acc_modes(self) -> u8 {
                match self { $(Opcode::$name => acc_modes!($($acc)?)),* }
            }

            /// Whether the row's shape allows accumulator mode `mode`.
            pub fn allows(self, mode: u8) -> bool {
                mode < acc::MODES as u8 && self.acc_modes() & (1 << mode) != 0
            }
        }

        /// Operand structs, laid out exactly as encoded after the opcode
        /// (packed, little-endian), so the VM can read one with a single
        /// unaligned load.
        pub mod op {
            #![allow(unused_imports)]
            use super::{BrOff, Opcode, Operand, Reg};
            $(
                #[derive(Clone, Copy, Debug, PartialEq)]
                #[repr(C, packed)]
                pub struct $name { $(pub $field: $ty),* }

                impl $name {
                    pub const OPCODE: Opcode = Opcode::$name;
                    pub const SIZE: usize = 2 $(+ <$ty as Operand>::SIZE)*;
                }

                impl From<$name> for super::Instr {
                    fn from(o: $name) -> super::Instr { super::Instr::$name(o) }
                }
            )*
        }

        /// A decoded instruction (fixed part only; see [`Instr::decode`] for
        /// `br_table`'s target list).
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Instr { $($name(op::$name)),* }

        impl Instr {
            pub fn opcode(&self) -> Opcode {
                match self { $(Instr::$name(_) => Opcode::$name),* }
            }

            /// Appends the encoding of the fixed part to `out`.
            pub fn encode(&self, out: &mut Vec<u8>) {
                let code = (self.opcode() as u16) << 3 | u16::from(self.acc_mode() & 7);
                match *self {
                    $(Instr::$name(_o) => {
                        out.extend_from_slice(&code.to_le_bytes());
                        $( { let v = _o.$field; v.write(out); } )*
                    })*
                }
            }

            /// Decodes the fixed part of the instruction at the start of
            /// `bytes`; `None` if the bytes are not a whole instruction.
            #[allow(unused_assignments)]
            pub fn decode(bytes: &[u8]) -> Option<Instr> {
                let code = u16::read(bytes)?;
                let opcode = Opcode::from_u16(code >> 3)?;
                #[allow(unused_mut, unused_variables, unused_assignments)]
                let mut pos = 2;
                let instr = match opcode {
                    $(Opcode::$name => {
                        $(
                            let $field = <$ty as Operand>::read(bytes.get(pos..)?)?;
                            pos += <$ty as Operand>::SIZE;
                        )*
                        Instr::$name(op::$name { $($field),* })
                    })*
                };
                // The mode must be the one the fields spell, and allowed.
                let mode = instr.acc_mode();
                (u16::from(mode) == code & 7 && opcode.allows(mode)).then_some(instr)
            }

            /// Calls `f` for every register operand, in field order, and
            /// stores back what it returns.
            pub fn map_regs(&mut self, mut f: impl FnMut(Reg, Access) -> Reg) {
                match self {
                    $(Instr::$name(_o) => {
                        $( {
                            let mut v = _o.$field;
                            if let Some(r) = v.as_reg() {
                                let access = if written_field(stringify!($field)) { Access::Write } else { Access::Read };
                                v.set_reg(f(r, access));
                                _o.$field = v;
                            }
                        } )*
                    })*
                }
            }

            /// Calls `f` for every register operand with how it is used.
            /// Operand fields named `dst` (and `dst2`, a pair's second
            /// result) are written; all others are read.
            /// Implicit register ranges (calls, `ret_span`) are not included.
            pub fn for_each_reg(&self, mut f: impl FnMut(Reg, Access)) {
                match *self {
                    $(Instr::$name(_o) => {
                        $( {
                            let v = _o.$field;
                            if let Some(r) = v.as_reg() {
                                let access = if written_field(stringify!($field)) { Access::Write } else { Access::Read };
                                f(r, access);
                            }
                        } )*
                    })*
                }
            }

            /// Operands as `name=value` text, for the disassembler.
            pub fn operands_text(&self) -> String {
                #[allow(unused_mut)]
                let mut s = String::new();
                match *self {
                    $(Instr::$name(_o) => {
                        $( {
                            if !s.is_empty() { s.push_str(", "); }
                            s.push_str(stringify!($field));
                            s.push('=');
                            let v = _o.$field;
                            v.show(&mut s);
                        } )*
                    })*
                }
                s
            }

            /// The branch offset operand, if this is a (non-table) branch.
            pub fn branch_offset(&self) -> Option<BrOff> {
                match *self {
                    $(Instr::$name(_o) => {
                        $( {
                            let v = _o.$field;
                            if let Some(off) = v.as_br_off() { return Some(off); }
                        } )*
                        None
                    })*
                }
            }
        }
    };
}

for_each_instr!(define_ir);

/// Whether an operand field of this name is written: `dst`, and `dst2` of
/// the instructions that do two things.
#[inline(always)]
const fn written_field(name: &str) -> bool {
    matches!(name.as_bytes(), b"dst" | b"dst2")
}

impl Instr {
    /// The accumulator mode the fields spell: which roles hold
    /// [`Reg::ACC`] (see [`acc`]); `acc::BAD` is set when one in no role does.
    pub fn acc_mode(&self) -> u8 {
        let mut mode = 0;
        let mut reads = 0;
        self.for_each_reg(|r, access| {
            let role = match access {
                Access::Write => acc::DST,
                Access::Read => {
                    reads += 1;
                    match reads {
                        1 => acc::X,
                        2 => acc::Y,
                        _ => acc::BAD,
                    }
                }
            };
            if r.is_acc() {
                mode |= role;
            }
        });
        mode
    }

    /// Whether the row allows this instruction's accumulator mode.
    pub fn acc_allowed(&self) -> bool {
        self.opcode().allows(self.acc_mode())
    }

    /// The register this instruction writes, if it can write the
    /// accumulator instead (its row has a `DST` role, not yet taken).
    pub fn acc_dst_candidate(&self) -> Option<Reg> {
        let mut dst = None;
        self.for_each_reg(|r, access| {
            if access == Access::Write {
                dst = Some(r);
            }
        });
        let dst = dst.filter(|r| !r.is_acc())?;
        self.opcode()
            .allows(self.acc_mode() | acc::DST)
            .then_some(dst)
    }

    /// This instruction with its write of `dst` going to the accumulator.
    pub fn with_acc_dst(mut self) -> Instr {
        self.map_regs(|r, access| if access == Access::Write { Reg::ACC } else { r });
        self
    }

    /// This instruction reading `reg` from the accumulator instead, if it
    /// reads `reg` exactly once, in a role its row allows.
    pub fn with_acc_read(mut self, reg: Reg) -> Option<Instr> {
        let mut n = 0;
        self.map_regs(|r, access| {
            if access == Access::Read && r == reg {
                n += 1;
                Reg::ACC
            } else {
                r
            }
        });
        (n == 1 && self.acc_allowed()).then_some(self)
    }

    /// Total encoded size at the start of `bytes`, `br_table`'s targets included.
    pub fn encoded_len(&self) -> usize {
        match self {
            Instr::BrTable(o) => op::BrTable::SIZE + o.len as usize * BrOff::SIZE,
            Instr::CopyMany(o) => op::CopyMany::SIZE + o.len as usize * Reg::SIZE,
            _ => self.opcode().size(),
        }
    }

    /// True if control never falls through to the next instruction.
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            Instr::Trap(_)
                | Instr::Br(_)
                | Instr::BrTable(_)
                | Instr::Return(_)
                | Instr::ReturnReg(_)
                | Instr::ReturnImm32(_)
                | Instr::ReturnImm64(_)
                | Instr::ReturnSpan(_)
        )
    }
}

/// The source registers of the `copy_many` whose fixed part starts at `at`
/// (`None` if the code ends first).
pub fn copy_many_sources(code: &[u8], at: usize, len: u16) -> Option<Vec<Reg>> {
    (0..len as usize)
        .map(|k| Reg::read(code.get(at + op::CopyMany::SIZE + k * Reg::SIZE..)?))
        .collect()
}

/// Reads the `i`th target of a `br_table` whose fixed part starts at `at`.
pub fn br_table_target(code: &[u8], at: usize, i: usize) -> Option<BrOff> {
    BrOff::read(code.get(at + op::BrTable::SIZE + i * BrOff::SIZE..)?)
}

/// Trap codes carried by the `trap` instruction and raised by handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum TrapCode {
    Unreachable = 0,
    IntegerOverflow,
    IntegerDivideByZero,
    InvalidConversionToInteger,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallTypeMismatch,
    UninitializedElement,
    UndefinedElement,
    StackOverflow,
    OutOfFuel,
    Interrupted,
}

impl TrapCode {
    pub fn from_u32(v: u32) -> Option<TrapCode> {
        use TrapCode::*;
        [
            Unreachable,
            IntegerOverflow,
            IntegerDivideByZero,
            InvalidConversionToInteger,
            MemoryOutOfBounds,
            TableOutOfBounds,
            IndirectCallTypeMismatch,
            UninitializedElement,
            UndefinedElement,
            StackOverflow,
            OutOfFuel,
            Interrupted,
        ]
        .get(v as usize)
        .copied()
    }

    /// The message the WebAssembly specification's test suite expects.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed by WebAssembly",
            TrapCode::Interrupted => "interrupted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Instruction `opcode` with zeroed operands (mode 0).
    fn blank(opcode: Opcode) -> Instr {
        let mut bytes = ((opcode as u16) << 3).to_le_bytes().to_vec();
        bytes.resize(opcode.size(), 0);
        Instr::decode(&bytes).expect("zeroed operands decode")
    }

    fn roles(instr: &Instr) -> (usize, usize) {
        let (mut writes, mut reads) = (0, 0);
        instr.for_each_reg(|_, access| match access {
            Access::Write => writes += 1,
            Access::Read => reads += 1,
        });
        (writes, reads)
    }

    #[test]
    fn every_shape_matches_its_rows_registers() {
        for &opcode in Opcode::ALL {
            let instr = blank(opcode);
            let (writes, reads) = roles(&instr);
            let modes = opcode.acc_modes();
            let want = match modes {
                1 => continue,
                // A third read (the float pairs' `c`) has no role.
                0b0011_1111 if reads == 3 => (1, 3),
                0b0011_1111 => (1, 2),
                0b0000_1111 => (1, 1),
                0b0000_0011 => (1, 0),
                0b0001_0101 => (0, 2),
                0b0000_0101 => (0, 1),
                other => panic!("{opcode:?}: unknown shape {other:#b}"),
            };
            assert_eq!((writes, reads), want, "{opcode:?}");
        }
    }

    #[test]
    fn accumulator_modes_round_trip_and_others_are_rejected() {
        for &opcode in Opcode::ALL {
            for mode in 0..acc::MODES as u8 {
                let mut instr = blank(opcode);
                let mut k = 0;
                instr.map_regs(|r, access| {
                    let role = match access {
                        Access::Write => acc::DST,
                        Access::Read => {
                            k += 1;
                            if k == 1 {
                                acc::X
                            } else if k == 2 {
                                acc::Y
                            } else {
                                0
                            }
                        }
                    };
                    if mode & role != 0 {
                        Reg::ACC
                    } else {
                        r
                    }
                });
                let allowed = opcode.allows(mode);
                if instr.acc_mode() != mode {
                    // The row lacks a role the mode names.
                    assert!(!allowed, "{opcode:?} mode {mode}");
                    continue;
                }
                let mut bytes = Vec::new();
                instr.encode(&mut bytes);
                assert_eq!(u16::from_le_bytes([bytes[0], bytes[1]]) & 7, mode as u16);
                let back = Instr::decode(&bytes);
                if allowed {
                    assert_eq!(back, Some(instr), "{opcode:?} mode {mode}");
                } else {
                    assert_eq!(back, None, "{opcode:?} mode {mode}");
                }
            }
            // A mode the fields do not spell is malformed.
            if opcode.acc_modes() != 1 {
                let mut bytes = ((opcode as u16) << 3 | acc::X as u16)
                    .to_le_bytes()
                    .to_vec();
                bytes.resize(opcode.size(), 0);
                assert_eq!(Instr::decode(&bytes), None, "{opcode:?}");
            }
        }
    }
}
