//! The symbolic translation checker: proves that every register read holds
//! the Wasm value the translator meant it to hold, on every path.
//!
//! Abstract interpretation over the bytecode, in the manner of regalloc2's
//! checker. The abstract state maps each register to the set of symbols
//! ([`Sym`]) it certainly holds. The translator's [`CheckNotes`] supply
//! what is *claimed* (a `Use` per register read, a `Def` per value written,
//! the renaming into each label's phis); the checker supplies what is
//! *true*: it follows every `copy` itself, clears every register an
//! instruction writes, a call clobbers its callee's frame, a `Def` of a
//! symbol invalidates older copies of that symbol (a later loop iteration
//! defines a new instance), and at a join only the symbols present on every
//! incoming path survive. A `Use` whose register does not hold its symbol
//! is a miscompilation: a preservation copy placed too late, a register
//! overwritten while still needed, a move into the wrong home.
//!
//! The accumulator ([`Reg::ACC`]) is one more register to the checker:
//! written and read like any other, clobbered by calls.
//!
//! Labels bound at the same offset form a chain: an edge into one of them
//! continues through the renamings of the labels bound after it, exactly as
//! control falls from one Wasm `end` into the next.

use crate::flow::{Flow, FlowError, Writes};
use crate::notes::{BindPoint, CheckNotes, Fact, Sym};
use crate::{CallArity, FuncBody, Instr, Reg};
use hashbrown::{HashMap, HashSet};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// The body was translated without notes.
    NoNotes,
    /// The code does not decode, or a note points outside it (the
    /// definedness verifier reports such code in detail).
    Malformed { at: usize },
    /// `reg` is read at `at` expecting `expected`, but on some path it holds
    /// only `found`.
    WrongValue {
        at: usize,
        reg: Reg,
        expected: Sym,
        found: Vec<Sym>,
    },
    /// An instruction other than a move reads a register no fact explains.
    Unannotated { at: usize, reg: Reg },
    /// A `Use` names a register the instruction does not read.
    StrayUse { at: usize, reg: Reg },
    /// A `Def` names a register the instruction does not write.
    StrayDef { at: usize, reg: Reg },
    /// A branch edge without a note.
    UnannotatedEdge { at: usize, entry: usize },
    /// Control falls into a label the translator said nothing falls into.
    StrayFallthrough { offset: usize },
    /// A branch lands at `target`, but its label was bound at `label`.
    MisplacedBranch {
        at: usize,
        target: usize,
        label: usize,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::NoNotes => write!(f, "no checker notes were recorded"),
            CheckError::Malformed { at } => write!(f, "{at:04x}: malformed code or notes"),
            CheckError::WrongValue {
                at,
                reg,
                expected,
                found,
            } => write!(
                f,
                "{at:04x}: {reg:?} should hold {expected:?} but on some path holds {found:?}"
            ),
            CheckError::Unannotated { at, reg } => {
                write!(f, "{at:04x}: read of {reg:?} has no use note")
            }
            CheckError::StrayUse { at, reg } => {
                write!(f, "{at:04x}: use note for {reg:?}, which is not read")
            }
            CheckError::StrayDef { at, reg } => {
                write!(f, "{at:04x}: def note for {reg:?}, which is not written")
            }
            CheckError::UnannotatedEdge { at, entry } => {
                write!(f, "{at:04x}: branch edge {entry} has no note")
            }
            CheckError::MisplacedBranch { at, target, label } => write!(
                f,
                "{at:04x}: branch lands at {target:04x} but its label is at {label:04x}"
            ),
            CheckError::StrayFallthrough { offset } => {
                write!(
                    f,
                    "{offset:04x}: control falls into a label it cannot reach"
                )
            }
        }
    }
}

impl std::error::Error for CheckError {}

/// What a successful check proved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckStats {
    /// Register reads proven to hold their value.
    pub uses: usize,
    pub instrs: usize,
}

/// Abstract state at a block entry: sorted, deduplicated `(register, symbol)`.
type State = Vec<(u16, Sym)>;

struct Decoded {
    at: usize,
    instr: Instr,
    /// `(target instruction, entry)` of each taken branch.
    taken: Vec<(usize, u32)>,
    fall: Option<usize>,
    facts: std::ops::Range<usize>,
}

/// Checks `body` against its notes; see the module documentation.
pub fn check(body: &FuncBody, arity: &dyn CallArity) -> Result<CheckStats, CheckError> {
    let notes = body.notes.as_deref().ok_or(CheckError::NoNotes)?;
    let instrs = decode(body, notes)?;
    let index_of: HashMap<usize, usize> =
        instrs.iter().enumerate().map(|(i, d)| (d.at, i)).collect();
    let edges: HashMap<(u32, u32), usize> = notes
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| ((e.at, e.entry), i))
        .collect();
    let mut binds_at: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, b) in notes.binds.iter().enumerate() {
        if b.offset as usize == body.code.len() {
            // A label after the last instruction: nothing reaches it.
            continue;
        }
        if !index_of.contains_key(&(b.offset as usize)) {
            return Err(CheckError::Malformed {
                at: b.offset as usize,
            });
        }
        binds_at.entry(b.offset as usize).or_default().push(i);
    }

    // Block leaders: the entry, branch targets and every label (its
    // renaming applies on entry). A conditional branch's fallthrough
    // continues its block.
    let mut leader = vec![false; instrs.len()];
    leader[0] = true;
    for d in &instrs {
        for &(t, _) in &d.taken {
            leader[t] = true;
        }
    }
    for &at in binds_at.keys() {
        leader[index_of[&at]] = true;
    }

    let cx = Cx {
        body,
        notes,
        arity,
        instrs: &instrs,
        edges,
        binds_at,
    };
    let mut entry_state: Vec<Option<State>> = vec![None; instrs.len()];
    let mut first = notes
        .entry
        .iter()
        .map(|&(r, s)| (r.0, s))
        .collect::<State>();
    first.sort_unstable();
    first.dedup();
    // Labels bound at offset 0 (a leading loop) are entered from the entry.
    let first = cx.fall_edge(0, first)?;
    entry_state[0] = Some(first);
    let mut worklist = vec![0usize];
    let mut queued = vec![false; instrs.len()];
    queued[0] = true;
    let mut regs = Regs::new(body.frame_size as usize);
    let mut stats = CheckStats {
        uses: 0,
        instrs: instrs.len(),
    };

    while let Some(start) = worklist.pop() {
        queued[start] = false;
        regs.load(entry_state[start].as_deref().unwrap_or_default());
        let mut i = start;
        loop {
            let d = &instrs[i];
            stats.uses += cx.transfer(d, &mut regs)?;
            if d.taken.is_empty() {
                if let Some(f) = d.fall.filter(|&f| !leader[f]) {
                    i = f;
                    continue;
                }
            }
            let out = regs.export();
            let inline = d.fall.filter(|&f| !leader[f]);
            let mut arrivals = Vec::new();
            // `br_table` entries to the same label carry the same renaming.
            let mut seen = HashSet::new();
            for &(t, entry) in &d.taken {
                let bind = cx
                    .edges
                    .get(&(d.at as u32, entry))
                    .map(|&e| notes.edges[e].bind);
                if bind.is_some() && !seen.insert((t, bind)) {
                    continue;
                }
                arrivals.push((t, cx.taken_edge(d, t, entry, &out)?));
            }
            if let (Some(f), None) = (d.fall, inline) {
                arrivals.push((f, cx.fall_edge(f, out)?));
            }
            for (t, state) in arrivals {
                let changed = match &mut entry_state[t] {
                    slot @ None => {
                        *slot = Some(state);
                        true
                    }
                    Some(existing) => meet(existing, &state),
                };
                if changed && !queued[t] {
                    queued[t] = true;
                    worklist.push(t);
                }
            }
            match inline {
                Some(f) => i = f,
                None => break,
            }
        }
    }
    Ok(stats)
}

fn decode(body: &FuncBody, notes: &CheckNotes) -> Result<Vec<Decoded>, CheckError> {
    let flow = Flow::decode(body).map_err(|e| CheckError::Malformed {
        at: match e {
            FlowError::BadInstr { at }
            | FlowError::BadBranchTarget { at, .. }
            | FlowError::UnknownCallee { at } => at,
            FlowError::FallsOffEnd => body.code.len(),
        },
    })?;
    let mut instrs: Vec<Decoded> = flow
        .nodes
        .into_iter()
        .map(|n| Decoded {
            at: n.at,
            instr: n.instr,
            taken: n.taken,
            fall: n.fall,
            facts: 0..0,
        })
        .collect();
    // Facts are in code order: give each instruction its range.
    let mut k = 0;
    for d in instrs.iter_mut() {
        let start = k;
        while k < notes.facts.len() && notes.facts[k].0 as usize == d.at {
            k += 1;
        }
        d.facts = start..k;
    }
    if k != notes.facts.len() {
        return Err(CheckError::Malformed {
            at: notes.facts[k].0 as usize,
        });
    }
    Ok(instrs)
}

struct Cx<'a> {
    body: &'a FuncBody,
    notes: &'a CheckNotes,
    arity: &'a dyn CallArity,
    instrs: &'a [Decoded],
    edges: HashMap<(u32, u32), usize>,
    binds_at: HashMap<usize, Vec<usize>>,
}

impl Cx<'_> {
    /// Checks the uses of one instruction and applies its effects; returns
    /// the number of uses proven.
    fn transfer(&self, d: &Decoded, regs: &mut Regs) -> Result<usize, CheckError> {
        let at = d.at;
        let facts = &self.notes.facts[d.facts.clone()];
        let mut uses = 0;
        for &(_, fact) in facts {
            if let Fact::Use(reg, sym) = fact {
                if !reg.is_acc() && reg.index() >= regs.sets.len() - 1 {
                    return Err(CheckError::Malformed { at });
                }
                if !regs.holds(reg, sym) {
                    let mut found = regs.sets[reg.index()].clone();
                    found.sort_unstable();
                    return Err(CheckError::WrongValue {
                        at,
                        reg,
                        expected: sym,
                        found,
                    });
                }
                uses += 1;
            }
        }
        // The checker follows moves itself, so their reads carry no note. A
        // copy-and-branch is a move, then a test of `cond`, which must not
        // be the copy's destination (the checker reads before it moves).
        let copy_branch = match d.instr {
            Instr::CopyBrNez(o) => Some((o.dst, o.src, o.cond)),
            Instr::CopyBrEqz(o) => Some((o.dst, o.src, o.cond)),
            _ => None,
        };
        let (reads, writes) = self.accesses(d)?;
        let (is_move, noted): (bool, Vec<Reg>) = match (copy_branch, &d.instr) {
            (Some((dst, _, cond)), _) if dst == cond => return Err(CheckError::Malformed { at }),
            (Some((_, _, cond)), _) => (true, vec![cond]),
            (None, Instr::Copy(_) | Instr::CopyMany(_)) => (true, Vec::new()),
            (None, _) => (false, reads.clone()),
        };
        for &r in &noted {
            let found = facts
                .iter()
                .any(|&(_, f)| matches!(f, Fact::Use(u, _) if u == r));
            if !found {
                return Err(CheckError::Unannotated { at, reg: r });
            }
        }
        for &(_, fact) in facts {
            if let Fact::Use(reg, _) = fact {
                if !noted.contains(&reg) {
                    return Err(CheckError::StrayUse { at, reg });
                }
            }
        }
        match (&d.instr, &writes, copy_branch) {
            (_, _, Some((dst, src, _))) => regs.copy(dst, src),
            (Instr::Copy(o), _, _) => regs.copy(o.dst, o.src),
            (Instr::CopyMany(o), _, _) => {
                for (k, &src) in reads.iter().enumerate() {
                    regs.copy(Reg(o.dst.0 + k as u16), src);
                }
            }
            (_, Writes::Call { base, .. }, _) => regs.clobber_from(*base),
            (_, Writes::Regs(ws), _) => {
                for &w in ws {
                    regs.clear(w);
                }
            }
        }
        for &(_, fact) in facts {
            if let Fact::Def(reg, sym) = fact {
                let written = match &writes {
                    Writes::Call { base, results } => {
                        (base.0..base.0.saturating_add(*results as u16)).contains(&reg.0)
                    }
                    Writes::Regs(ws) => ws.contains(&reg),
                };
                if !written || is_move {
                    return Err(CheckError::StrayDef { at, reg });
                }
                regs.kill(sym);
                regs.add(reg, sym);
            }
        }
        Ok(uses)
    }

    /// Registers read and written by the instruction ([`Instr::effects`]),
    /// all inside the frame.
    fn accesses(&self, d: &Decoded) -> Result<(Vec<Reg>, Writes), CheckError> {
        let at = d.at;
        let frame = self.body.frame_size as usize;
        let effects = d
            .instr
            .effects(self.body, at, self.arity)
            .map_err(|_| CheckError::Malformed { at })?;
        let outside = |r: &Reg| !r.is_acc() && r.index() >= frame;
        let out_of_frame = effects.reads.iter().any(outside)
            || match &effects.writes {
                Writes::Call { base, .. } => base.index() >= frame,
                Writes::Regs(ws) => ws.iter().any(outside),
            };
        if out_of_frame {
            return Err(CheckError::Malformed { at });
        }
        Ok((effects.reads, effects.writes))
    }

    /// The state arriving at instruction `t` through entry `entry` of the
    /// branch `d`.
    fn taken_edge(
        &self,
        d: &Decoded,
        t: usize,
        entry: u32,
        out: &State,
    ) -> Result<State, CheckError> {
        let e = self
            .edges
            .get(&(d.at as u32, entry))
            .map(|&i| &self.notes.edges[i])
            .ok_or(CheckError::UnannotatedEdge {
                at: d.at,
                entry: entry as usize,
            })?;
        let mut state = out.clone();
        rename(&mut state, &e.pairs);
        let offset = self.instrs[t].at;
        let chain = self.binds_at.get(&offset).map_or(&[][..], |v| v);
        let bind = e.bind as usize;
        let p = chain
            .iter()
            .position(|&b| b == bind)
            .ok_or(CheckError::MisplacedBranch {
                at: d.at,
                target: offset,
                label: self.notes.binds.get(bind).map_or(0, |b| b.offset as usize),
            })?;
        self.fall_through(&chain[p + 1..], offset, state)
    }

    fn fall_edge(&self, t: usize, out: State) -> Result<State, CheckError> {
        let offset = self.instrs[t].at;
        let chain = self.binds_at.get(&offset).map_or(&[][..], |v| v);
        self.fall_through(chain, offset, out)
    }

    fn fall_through(
        &self,
        binds: &[usize],
        offset: usize,
        mut state: State,
    ) -> Result<State, CheckError> {
        for &b in binds {
            let BindPoint { fall, .. } = &self.notes.binds[b];
            let pairs = fall
                .as_ref()
                .ok_or(CheckError::StrayFallthrough { offset })?;
            rename(&mut state, pairs);
        }
        Ok(state)
    }
}

/// On an edge into a label: each phi now names whatever its value names.
fn rename(state: &mut State, pairs: &[(Sym, Sym)]) {
    if pairs.is_empty() {
        return;
    }
    let mut phis_of: HashMap<Sym, Vec<Sym>> = HashMap::new();
    for &(value, phi) in pairs {
        phis_of.entry(value).or_default().push(phi);
    }
    let phis: HashSet<Sym> = pairs.iter().map(|p| p.1).collect();
    let mut added = Vec::new();
    for &(r, s) in state.iter() {
        if let Some(ps) = phis_of.get(&s) {
            added.extend(ps.iter().map(|&p| (r, p)));
        }
    }
    state.retain(|(_, s)| !phis.contains(s));
    state.extend(added);
    state.sort_unstable();
    state.dedup();
}

/// Intersects `into` with `other`; true if `into` changed.
fn meet(into: &mut State, other: &State) -> bool {
    let before = into.len();
    let mut j = 0;
    into.retain(|x| {
        while j < other.len() && other[j] < *x {
            j += 1;
        }
        j < other.len() && other[j] == *x
    });
    into.len() != before
}

/// The working abstract state inside a block: per register its symbols,
/// per symbol the registers that may hold it (so a new definition can retire
/// old copies; entries go stale when a register is overwritten, which only
/// costs a useless visit), and the registers that may be non-empty.
struct Regs {
    sets: Vec<Vec<Sym>>,
    holders: HashMap<Sym, Vec<u16>>,
    live: Vec<u16>,
}

impl Regs {
    /// The set index of register `r`: the accumulator's is the last.
    fn ix(&self, r: u16) -> usize {
        if Reg(r).is_acc() {
            self.sets.len() - 1
        } else {
            r as usize
        }
    }

    /// The frame's registers and, last, the accumulator.
    fn new(frame: usize) -> Regs {
        Regs {
            sets: vec![Vec::new(); frame + 1],
            holders: HashMap::new(),
            live: Vec::new(),
        }
    }

    fn load(&mut self, state: &[(u16, Sym)]) {
        for r in std::mem::take(&mut self.live) {
            let i = self.ix(r);
            self.sets[i].clear();
        }
        self.holders.clear();
        for &(r, s) in state {
            if Reg(r).is_acc() || (r as usize) < self.sets.len() - 1 {
                self.add(Reg(r), s);
            }
        }
    }

    fn export(&mut self) -> State {
        self.live.sort_unstable();
        self.live.dedup();
        let mut live = std::mem::take(&mut self.live);
        live.retain(|&r| !self.sets[self.ix(r)].is_empty());
        let mut out = State::new();
        for &r in &live {
            out.extend(self.sets[self.ix(r)].iter().map(|&s| (r, s)));
        }
        self.live = live;
        out.sort_unstable();
        out
    }

    fn holds(&self, r: Reg, s: Sym) -> bool {
        self.sets[self.ix(r.0)].contains(&s)
    }

    fn add(&mut self, r: Reg, s: Sym) {
        let i = self.ix(r.0);
        let set = &mut self.sets[i];
        if !set.contains(&s) {
            if set.is_empty() {
                self.live.push(r.0);
            }
            set.push(s);
            self.holders.entry(s).or_default().push(r.0);
        }
    }

    fn clear(&mut self, r: Reg) {
        let i = self.ix(r.0);
        self.sets[i].clear();
    }

    fn kill(&mut self, s: Sym) {
        if let Some(regs) = self.holders.remove(&s) {
            for r in regs {
                let i = self.ix(r);
                self.sets[i].retain(|&x| x != s);
            }
        }
    }

    fn copy(&mut self, dst: Reg, src: Reg) {
        if dst == src {
            return;
        }
        let syms = self.sets[self.ix(src.0)].clone();
        self.clear(dst);
        for s in syms {
            self.add(dst, s);
        }
    }

    fn clobber_from(&mut self, base: Reg) {
        // The accumulator (`u16::MAX`) is above every base: clobbered too.
        for &r in &self.live {
            if r >= base.0 {
                let i = self.ix(r);
                self.sets[i].clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meet_keeps_common_pairs() {
        let mut a = vec![(0, Sym(1)), (1, Sym(2)), (2, Sym(3))];
        assert!(meet(&mut a, &vec![(1, Sym(2)), (2, Sym(4))]));
        assert_eq!(a, vec![(1, Sym(2))]);
        assert!(!meet(&mut a, &vec![(1, Sym(2))]));
    }

    #[test]
    fn rename_moves_phis_to_the_registers_of_their_values() {
        // r0 holds v1 and an old instance of phi v9; r3 holds v1 too.
        let mut s = vec![(0, Sym(1)), (0, Sym(9)), (3, Sym(1)), (4, Sym(9))];
        rename(&mut s, &[(Sym(1), Sym(9))]);
        assert_eq!(s, vec![(0, Sym(1)), (0, Sym(9)), (3, Sym(1)), (3, Sym(9))]);
    }
}
