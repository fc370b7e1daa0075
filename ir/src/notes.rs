//! What the translator claims about the values in registers, for the
//! symbolic checker ([`crate::check`]).
//!
//! Every value of the Wasm function (an operator's result, a local's value
//! at entry, a control label's merged value) gets a [`Sym`]. The translator
//! records, per instruction, which symbol each register it reads must hold
//! ([`Fact::Use`]) and which symbol each register it writes receives
//! ([`Fact::Def`]); moves (`copy`) carry no facts, the checker follows them
//! itself. Where control paths merge, a label's merged values are *phi*
//! symbols: every edge into the label says which symbol becomes which phi.

use crate::Reg;
use std::fmt;

/// A symbolic value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Sym(pub u32);

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// A claim attached to one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    /// Before the instruction runs, `Reg` holds the symbol.
    Use(Reg, Sym),
    /// The instruction writes the symbol into `Reg`.
    Def(Reg, Sym),
}

/// A place where the translator bound a label: merged values start here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindPoint {
    pub offset: u32,
    /// The renaming for control falling into the label from the code just
    /// above it; `None` when that code cannot fall through.
    pub fall: Option<Vec<(Sym, Sym)>>,
}

/// A branch edge: entry `entry` of the branch at `at` (0 unless `br_table`)
/// goes to bind point `bind` and renames `pairs` (value, phi) on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub at: u32,
    pub entry: u32,
    pub bind: u32,
    pub pairs: Vec<(Sym, Sym)>,
}

/// All claims about one translated function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckNotes {
    /// What the registers hold at function entry (parameters and locals).
    pub entry: Vec<(Reg, Sym)>,
    /// `(instruction offset, fact)`, in code order.
    pub facts: Vec<(u32, Fact)>,
    pub edges: Vec<Edge>,
    /// In the order the labels were bound (code order).
    pub binds: Vec<BindPoint>,
}
