//! Pass 1: one linear scan that builds the control tree and the per-node
//! local-write sets.
//!
//! A dense bitset per node would cost nodes × locals bits, quadratic for a
//! module with thousands of nested blocks and thousands of locals. Instead
//! each local keeps the sorted positions (operator indices) of its writes,
//! and a node is the operator range `[start, end]`: node N writes local L
//! (nested nodes included) iff L has a write position inside N's range.
//! Space is linear; a query is a binary search.

use crate::TranslateError;
use wasmparser::{FunctionBody, Operator};

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
}

const NO_NODE: u32 = u32::MAX;

impl<'a> Analysis<'a> {
    pub fn run(body: &FunctionBody<'a>, num_params: u32) -> Result<Analysis<'a>, TranslateError> {
        let mut num_locals = u64::from(num_params);
        for local in body.get_locals_reader()? {
            let (count, _ty) = local?;
            num_locals += u64::from(count);
        }
        if num_locals > u64::from(u16::MAX) {
            return Err(TranslateError::TooManyRegisters(num_locals));
        }
        let num_locals = num_locals as u32;

        let mut ops = Vec::new();
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset()?;
            ops.push((op, offset as usize));
        }

        let mut nodes = vec![Node {
            kind: NodeKind::Func,
            start: 0,
            end: ops.len().saturating_sub(1) as u32,
            else_op: None,
            parent: None,
        }];
        let mut node_at = vec![NO_NODE; ops.len()];
        let mut open = vec![0u32];
        let mut write_count = vec![0u32; num_locals as usize + 1];
        for (i, (op, _)) in ops.iter().enumerate() {
            let kind = match op {
                Operator::Block { .. } => Some(NodeKind::Block),
                Operator::Loop { .. } => Some(NodeKind::Loop),
                Operator::If { .. } => Some(NodeKind::If),
                _ => None,
            };
            if let Some(kind) = kind {
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
                    }
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
        let mut write_start = Vec::with_capacity(write_count.len());
        let mut acc = 0u32;
        for c in &write_count {
            write_start.push(acc);
            acc += c;
        }
        let mut fill = write_start.clone();
        let mut write_pos = vec![0u32; acc as usize];
        for (i, (op, _)) in ops.iter().enumerate() {
            if let Operator::LocalSet { local_index } | Operator::LocalTee { local_index } = op {
                let slot = &mut fill[*local_index as usize];
                write_pos[*slot as usize] = i as u32;
                *slot += 1;
            }
        }

        Ok(Analysis {
            ops,
            num_locals,
            nodes,
            node_at,
            write_start,
            write_pos,
        })
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
