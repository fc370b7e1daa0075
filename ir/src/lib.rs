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

macro_rules! define_ir {
    ($( $name:ident = $snake:ident { $($field:ident : $ty:ty),* } )*) => {
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
                match *self {
                    $(Instr::$name(_o) => {
                        out.extend_from_slice(&(Opcode::$name as u16).to_le_bytes());
                        $( { let v = _o.$field; v.write(out); } )*
                    })*
                }
            }

            /// Decodes the fixed part of the instruction at the start of
            /// `bytes`; `None` if the bytes are not a whole instruction.
            #[allow(unused_assignments)]
            pub fn decode(bytes: &[u8]) -> Option<Instr> {
                let opcode = Opcode::from_u16(u16::read(bytes)?)?;
                #[allow(unused_mut, unused_variables, unused_assignments)]
                let mut pos = 2;
                match opcode {
                    $(Opcode::$name => {
                        $(
                            let $field = <$ty as Operand>::read(bytes.get(pos..)?)?;
                            pos += <$ty as Operand>::SIZE;
                        )*
                        Some(Instr::$name(op::$name { $($field),* }))
                    })*
                }
            }

            /// Calls `f` for every register operand with how it is used.
            /// Operand fields named `dst` are written; all others are read.
            /// Implicit register ranges (calls, `ret_span`) are not included.
            pub fn for_each_reg(&self, mut f: impl FnMut(Reg, Access)) {
                match *self {
                    $(Instr::$name(_o) => {
                        $( {
                            let v = _o.$field;
                            if let Some(r) = v.as_reg() {
                                let access = if stringify!($field) == "dst" { Access::Write } else { Access::Read };
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

impl Instr {
    /// Total encoded size at the start of `bytes`, `br_table`'s targets included.
    pub fn encoded_len(&self) -> usize {
        match self {
            Instr::BrTable(o) => op::BrTable::SIZE + o.len as usize * BrOff::SIZE,
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
