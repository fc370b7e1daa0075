//! The two dispatchers, both generated from the one instruction list.
//!
//! - `threaded`: every handler ends by loading the next opcode and calling
//!   its handler in tail position with the hot state (ip, fp, memory base and
//!   length, context) as arguments. In optimised builds LLVM turns these
//!   sibling calls into jumps, so the state stays in machine registers.
//! - `looped`: a plain loop calling one handler per instruction; correct in
//!   any build, used where tail calls are not guaranteed (debug builds,
//!   other targets) or when the `portable-dispatch` feature asks for it.

use super::handlers as h;
use super::{Cx, Exit, Res, St};
use regwasm_ir::{op, Opcode};

macro_rules! define_dispatch {
    ($( $name:ident = $snake:ident { $($field:ident : $ty:ty),* } )*) => {
        /// Decode operands, advance `ip`, run the handler.
        mod step {
            use super::*;
            $(
                #[inline(always)]
                pub(super) unsafe fn $snake(s: &mut St, cx: &mut Cx) -> Res {
                    // SAFETY: `ip` points at an instruction of a verified
                    // body whose opcode selected this function, so the
                    // operand struct's bytes follow it.
                    let o = std::ptr::read_unaligned(s.ip.add(2) as *const op::$name);
                    s.ip = s.ip.add(op::$name::SIZE);
                    h::$snake(s, cx, o)
                }
            )*
        }

        pub(super) mod looped {
            use super::*;
            type Handler = unsafe fn(&mut St, &mut Cx) -> Res;
            $(
                unsafe fn $snake(s: &mut St, cx: &mut Cx) -> Res {
                    step::$snake(s, cx)
                }
            )*
            static TABLE: [Handler; Opcode::COUNT] = [$($snake),*];

            /// Runs until an exit; the state is saved in `cx` on exit.
            pub(in crate::exec) unsafe fn run(s: &mut St, cx: &mut Cx) -> Exit {
                #[cfg(feature = "pair-profile")]
                let mut prev = 0u16;
                loop {
                    // SAFETY: verified code only holds valid opcodes.
                    let opcode = std::ptr::read_unaligned(s.ip as *const u16);
                    #[cfg(feature = "pair-profile")]
                    {
                        super::super::pairs::record(prev, opcode);
                        prev = opcode;
                    }
                    let handler = TABLE.get_unchecked(opcode as usize);
                    if let Err(exit) = handler(s, cx) {
                        cx.save(s);
                        #[cfg(feature = "pair-profile")]
                        super::super::pairs::flush();
                        return exit;
                    }
                }
            }
        }

        #[allow(dead_code)]
        pub(super) mod threaded {
            use super::*;
            type Handler = unsafe fn(*const u8, *mut u64, *mut u8, usize, &mut Cx) -> Exit;
            $(
                unsafe fn $snake(ip: *const u8, fp: *mut u64, mem: *mut u8, mem_len: usize, cx: &mut Cx) -> Exit {
                    let mut s = St { ip, fp, mem, mem_len };
                    match step::$snake(&mut s, cx) {
                        Ok(()) => next(s.ip, s.fp, s.mem, s.mem_len, cx),
                        Err(exit) => {
                            cx.save(&s);
                            exit
                        }
                    }
                }
            )*
            static TABLE: [Handler; Opcode::COUNT] = [$($snake),*];

            /// Jumps to the handler of the instruction at `ip`.
            #[inline(always)]
            pub(in crate::exec) unsafe fn next(ip: *const u8, fp: *mut u64, mem: *mut u8, mem_len: usize, cx: &mut Cx) -> Exit {
                // SAFETY: verified code only holds valid opcodes.
                let opcode = std::ptr::read_unaligned(ip as *const u16);
                TABLE.get_unchecked(opcode as usize)(ip, fp, mem, mem_len, cx)
            }
        }
    };
}

regwasm_ir::for_each_instr!(define_dispatch);

/// True when this build dispatches by tail calls.
pub const TAIL_CALL_DISPATCH: bool = cfg!(all(
    not(feature = "portable-dispatch"),
    not(feature = "pair-profile"),
    not(debug_assertions),
    any(target_arch = "x86_64", target_arch = "aarch64")
));

/// Runs from the state in `s` until an exit.
///
/// # Safety
/// `s` must describe a frame set up by `Cx` over verified code.
pub(super) unsafe fn run(s: &mut St, cx: &mut Cx) -> Exit {
    if TAIL_CALL_DISPATCH {
        threaded::next(s.ip, s.fp, s.mem, s.mem_len, cx)
    } else {
        looped::run(s, cx)
    }
}
